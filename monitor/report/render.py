"""The weekly report as JSON, as Markdown, or (``render_html``) as one self-contained HTML
file; the sections both text formats share are built here once."""

from __future__ import annotations

import json
from typing import Any

from monitor.records.flags import KIND_LABELS, REASON_LABELS, SEVERITY_LABELS
from monitor.report import precision_view
from monitor.report.figures import DURATIONS, HEADLINES, SHARES, Figures, Weekly, change, duration, points

KIND_NAMES = {**KIND_LABELS, "escalate_supervisor": "主管介入"}
TYPE_NAMES = {"out_of_control": "完全失控", "legal": "法律型", "demands_escalation": "要求升级投诉",
              "habitual_complainer": "抱怨成癖", "talkative": "喋喋不休", "refuses_info": "不肯留资料",
              "billing_dispute": "话费争议", "comparer": "爱比较", "expert": "专业型"}
COMPLAINT_NAMES = {"product_quality": "产品质量", "logistics": "物流", "after_sales": "售后服务",
                   "price": "价格", "wrong_info": "信息不准确"}
MONITOR_RESOLUTIONS = {"calmed": "客户情绪平复", "conversation_expired": "会话超时结束",
                       "superseded": "被更严重的标记取代", "resolved": "已结束"}
EMPTY = "本周没有数据。存储中没有这一周的消息或标记：请确认监控在运行、周次和存储地址正确。"


def fmt_value(attr: str, value: float | int | None) -> str:
    if value is None:
        return "–"
    if attr in SHARES or attr.endswith("share"):
        return f"{value * 100:.1f}%"
    if attr in DURATIONS or attr.endswith("_s"):
        return duration(float(value))
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}"


def headline_rows(this: Figures, last: Figures) -> list[dict[str, str]]:
    """Each headline with its change: shares in percentage points, volume without a verdict
    (more conversations is neither good nor bad), the rest green when better, red when worse."""
    rows = []
    for attr, name, higher_is_better in HEADLINES:
        now, before = getattr(this, attr), getattr(last, attr)
        arrow, rel = change(now, before)
        if attr in SHARES:
            diff = points(now, before)
            text = arrow + ("" if diff is None else f" {diff:+.1f} 个百分点")
        else:
            text = arrow + ("" if rel is None else f" {rel * 100:+.1f}%")
        moved = arrow in ("↑", "↓")
        good = None if higher_is_better is None or not moved else ((arrow == "↑") == higher_is_better)
        rows.append({"name": name, "this": fmt_value(attr, now), "last": fmt_value(attr, before),
                     "change": text, "tone": "" if good is None else ("good" if good else "bad")})
    return rows


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


def trend_row(f: Figures, p: Any) -> dict[str, Any]:
    return {"week": f.week, "conversations": f.conversations,
            "angry_conversation_share": f.angry_conversation_share,
            "escalations": f.escalations, "first_reply_within_target": f.first_reply_within_target,
            "reviewed": p.total.reviewed, "precision": p.total.precision}


def _pairs(items: list[tuple[str, int]], names: dict[str, str]) -> list[tuple[str, str]]:
    return [(names.get(k, k), f"{n:,}") for k, n in items]


def sections(f: Figures) -> list[tuple[str, list[tuple[str, str]]]]:
    monitor = "、".join(f"{MONITOR_RESOLUTIONS.get(k, k)} {n}"
                       for k, n in f.resolved_by_monitor.items()) or "0"
    person = duration(f.resolve_person_median_s)
    esc = [("需要主管介入", f"{f.escalations:,}"), ("尚未解决", f"{f.escalations_unresolved:,}"),
           ("由主管接手", f"{f.taken_by_person:,}（接手中位用时 {duration(f.taken_median_s)}）"),
           ("由主管标记解决", f"{f.resolved_by_person:,}（解决中位用时 {person}）"),
           ("由监控自动结束", f"{monitor}（中位 {duration(f.resolve_monitor_median_s)}，按事件时间）"),
           ("坐席安抚中位用时", duration(f.acknowledge_median_s))]
    return [
        ("标记（按类型）", _pairs(list(f.flags_by_kind.items()), KIND_NAMES)),
        ("最常见的原因", _pairs(f.top_reasons, REASON_LABELS)),
        ("升级处理（人工处理与自动结束分开统计）", esc),
        ("投诉类型（会话数）", _pairs(f.complaint_types, COMPLAINT_NAMES)),
        ("客户类型（会话数）", _pairs(f.customer_types, TYPE_NAMES)),
    ]


QUEUE_HEADER = ["队列", "会话", "客户消息", "愤怒会话占比", "标记", "主管介入", "首次回复中位"]
AGENT_HEADER = ["坐席", "会话", "回复", "辅导提醒", "主管介入", "首次回复中位"]
SEVERE_HEADER = ["严重程度", "类型", "风险", "会话（已脱敏）", "客户原话", "原因", "处理"]
TREND_HEADER = ["周", "会话", "愤怒会话占比", "主管介入", "首次回复达标率", "已复核", "精确率"]


def queue_rows(f: Figures) -> list[list[str]]:
    return [[r["queue"], f"{r['conversations']:,}", f"{r['customer_messages']:,}",
             fmt_value("share", r["angry_conversation_share"]), str(r["flags"]), str(r["escalations"]),
             duration(r["first_reply_median_s"])] for r in f.by_queue]


def agent_rows(f: Figures) -> list[list[str]]:
    return [[r["agent"], f"{r['conversations']:,}", f"{r['replies']:,}", str(r["coaching"]),
             str(r["escalations"]), duration(r["first_reply_median_s"])] for r in f.by_agent]


def trend_rows(w: Weekly) -> list[list[str]]:
    out = []
    for f, p in zip(w.trend, w.trend_precision, strict=True):
        out.append([f.week, "–" if f.empty else f"{f.conversations:,}",
                    fmt_value("share", f.angry_conversation_share), "–" if f.empty else str(f.escalations),
                    fmt_value("share", f.first_reply_within_target), str(p.total.reviewed),
                    fmt_value("share", p.total.precision)])
    return out


def severe_cells(s: dict[str, Any]) -> list[str]:
    return [SEVERITY_LABELS.get(s["severity"], s["severity"]), KIND_NAMES.get(s["kind"], s["kind"]),
            str(s["conversation_risk"]), s["conversation"], s["excerpt"], "；".join(s["reasons"])]


def flag_link(console_url: str, flag_id: str) -> str:
    return f"{console_url.rstrip('/')}/flags/{flag_id}" if console_url else ""


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
    from monitor.report.render_html import as_html

    return as_html(w)
