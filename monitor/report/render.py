"""The weekly report as JSON, as Markdown, or (``render_html``) as one self-contained HTML file."""

from __future__ import annotations

import json

from monitor.report import precision_view
from monitor.report.figures import HEADLINES, SHARES, Weekly, change, points
from monitor.report.render_html import as_html
from monitor.report.sections import (
    AGENT_HEADER,
    EMPTY,
    QUEUE_HEADER,
    SEVERE_HEADER,
    TREND_HEADER,
    agent_rows,
    flag_link,
    headline_rows,
    queue_rows,
    sections,
    severe_cells,
    trend_row,
    trend_rows,
)


def as_json(w: Weekly) -> str:
    this, last = w.this, w.last
    wow = {}
    for attr, _, _ in HEADLINES:
        arrow, rel = change(getattr(this, attr), getattr(last, attr))
        wow[attr] = {"arrow": arrow, "relative_change": rel}
        if attr in SHARES:
            wow[attr]["points"] = points(getattr(this, attr), getattr(last, attr))
    body = {"report": "support-monitor weekly", **this.to_json(), "previous_week": last.to_json(),
            "week_over_week": wow, "precision": w.precision.to_json(),
            "trend": [trend_row(f, p) for f, p in zip(w.trend, w.trend_precision, strict=True)]}
    return json.dumps(body, ensure_ascii=False, indent=2)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["无"]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_md(c) for c in row) + " |" for row in rows)]


def as_markdown(w: Weekly) -> str:
    this, last = w.this, w.last
    out = [f"# 客服情绪与升级周报 {this.week}", "",
           f"时间范围：{this.start[:10]} 至 {this.last_day}（{this.timezone}，按事件时间）", ""]
    if this.empty:
        return "\n".join([*out, f"**{EMPTY}**", ""])
    out += ["## 核心指标（与上周对比）", "", "| 指标 | 本周 | 上周 | 变化 |", "|---|---|---|---|"]
    out += [f"| {r['name']} | {r['this']} | {r['last']} | {r['change']} |" for r in headline_rows(this, last)]
    out += ["", "## 近 8 周趋势", "", *_md_table(TREND_HEADER, trend_rows(w))]
    for title, pairs in sections(this):
        out += ["", f"## {title}", ""]
        out += [f"- {k}：{v}" for k, v in pairs] or ["- 无"]
    out += ["", "## 按队列", "", *_md_table(QUEUE_HEADER, queue_rows(this))]
    out += ["", "## 按坐席", "", *_md_table(AGENT_HEADER, agent_rows(this))]
    out += ["", "## 本周最严重的会话（已脱敏）", ""]
    rows: list[list[str]] = []
    for s in this.severe:
        link = flag_link(w.console_url, s["flag_id"])
        rows.append([*severe_cells(s), f"[在控制台处理]({link})" if link else f"flags show {s['flag_id']}"])
    out += _md_table(SEVERE_HEADER, rows)
    out += ["", precision_view.as_markdown(w.precision, "本周提醒精确率（人工复核）")]
    return "\n".join(out) + "\n"


def render(fmt: str, w: Weekly) -> str:
    if fmt == "json":
        return as_json(w)
    if fmt == "md":
        return as_markdown(w)
    return as_html(w)
