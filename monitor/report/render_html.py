"""The weekly report as one self-contained HTML file: inline CSS, charts as inline SVG whose
text the reader's browser draws, no scripts, nothing loaded from elsewhere. Everything
that came from the store is escaped."""

from __future__ import annotations

from html import escape as e

from monitor.records.flags import KINDS
from monitor.report import precision_view, svg
from monitor.report.figures import Figures, Weekly
from monitor.report.sections import (
    AGENT_HEADER,
    EMPTY,
    KIND_NAMES,
    QUEUE_HEADER,
    SEVERE_HEADER,
    TREND_HEADER,
    agent_rows,
    flag_link,
    headline_rows,
    queue_rows,
    sections,
    severe_cells,
    trend_rows,
)

_CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
sans-serif;color:#222;max-width:900px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;border-bottom:2px solid #e5e7eb;
padding-bottom:4px;margin-top:28px}h3{font-size:15px}.muted,.note{color:#6b7280;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px;margin-bottom:8px}td,th{border:1px solid #e5e7eb;
padding:6px 8px;text-align:left}th{background:#f3f4f6}.good{color:#15803d}.bad{color:#b91c1c}
.empty{background:#fff7ed;border:1px solid #fdba74;padding:12px;border-radius:6px}
svg{max-width:100%;height:auto}.excerpt{color:#374151}"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p>无</p>"
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def charts(w: Weekly) -> list[tuple[str, str]]:
    """(heading, SVG) of the week: volume, flags, first reply; and of the last 8 weeks."""
    this, last = w.this, w.last
    days = list(this.volume_by_day)
    short = [d.split(" ")[0] + " " + d.split(" ")[1][-1] for d in days]  # 11-16 一
    channels = sorted({c for v in this.volume_by_day.values() for c in v})
    volume = svg.bars("每日消息量（按渠道）", short, [
        svg.Series(precision_view.CHANNEL_LABELS.get(c, c), [this.volume_by_day[d].get(c, 0) for d in days])
        for c in channels], stacked=True)
    flags = svg.bars("标记数量：本周与上周", [KIND_NAMES[k] for k in KINDS], [
        svg.Series("上周", [last.flags_by_kind.get(k, 0) for k in KINDS], "#b0b7c3"),
        svg.Series("本周", [this.flags_by_kind.get(k, 0) for k in KINDS], "#d9534f")])
    out = [("消息量", volume), ("标记", flags)]
    if any(v is not None for v in this.first_reply_by_day.values()):
        out.append(("响应时间", svg.lines("每日首次回复中位数（秒）", short, [
            svg.Series("首次回复中位数", list(this.first_reply_by_day.values()))], target=60,
            target_label="目标 60 秒")))
    weeks = [f.week[5:] for f in w.trend]
    out.append(("近 8 周趋势", svg.lines("近 8 周：愤怒会话占比、首次回复达标率、精确率（%）", weeks, [
        svg.Series("愤怒会话占比", [_pct(f.angry_conversation_share) for f in w.trend]),
        svg.Series("首次回复达标率", [_pct(f.first_reply_within_target) for f in w.trend]),
        svg.Series("精确率（已复核）", [_pct(p.total.precision) for p in w.trend_precision])], unit="%")))
    out.append(("", svg.bars("近 8 周：会话数与主管介入", weeks, [
        svg.Series("会话数", [_count(f, f.conversations) for f in w.trend]),
        svg.Series("主管介入", [_count(f, f.escalations) for f in w.trend])])))
    return out


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _count(f: Figures, value: int) -> float | None:
    return None if f.empty else float(value)


def as_html(w: Weekly) -> str:
    this, last = w.this, w.last
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
             f"<title>客服情绪与升级周报 {e(this.week)}</title><style>{_CSS}</style></head><body>",
             f"<h1>客服情绪与升级周报 {e(this.week)}</h1>",
             f"<p class='muted'>时间范围：{e(this.start[:10])} 至 {e(this.last_day)}"
             f"（{e(this.timezone)}，按事件时间）· 由 support-monitor 生成 · 客户信息已脱敏</p>"]
    if this.empty:
        parts.append(f"<p class='empty'><b>{e(EMPTY)}</b></p></body></html>")
        return "".join(parts)
    parts.append("<h2>核心指标（与上周对比）</h2><table><tr><th>指标</th><th>本周</th><th>上周</th>"
                 "<th>变化</th></tr>")
    for r in headline_rows(this, last):
        parts.append(f"<tr><td>{e(r['name'])}</td><td><b>{e(r['this'])}</b></td><td>{e(r['last'])}</td>"
                     f"<td class='{r['tone']}'>{e(r['change'])}</td></tr>")
    parts.append("</table><p class='note'>会话数、消息数只表示工作量，不标好坏；占比的变化以百分点计。</p>")
    for title, chart in charts(w):
        parts.append((f"<h2>{e(title)}</h2>" if title else "") + chart)
    parts.append("<h2>近 8 周趋势</h2>" + _table(TREND_HEADER, trend_rows(w)))
    for title, pairs in sections(this):
        parts.append(f"<h2>{e(title)}</h2>" + _table(["项目", "数值"], [list(r) for r in pairs]))
    parts.append("<h2>按队列</h2>" + _table(QUEUE_HEADER, queue_rows(this)))
    parts.append("<h2>按坐席</h2>" + _table(AGENT_HEADER, agent_rows(this)))
    parts.append("<h2>本周最严重的会话（已脱敏）</h2>")
    rows: list[str] = []
    for s in this.severe:
        cells = "".join(f"<td>{e(c)}</td>" for c in severe_cells(s))
        link = flag_link(w.console_url, s["flag_id"])
        action = (f"<a href='{e(link)}'>在控制台处理</a>" if link
                  else f"<code>support-monitor flags show {e(s['flag_id'])}</code>")
        rows.append(f"<tr>{cells}<td>{action}</td></tr>")
    head = "".join(f"<th>{e(h)}</th>" for h in SEVERE_HEADER)
    parts.append(f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else "<p>无</p>")
    parts.append(precision_view.as_html(w.precision, "本周提醒精确率（人工复核）"))
    parts.append("</body></html>")
    return "".join(parts)
