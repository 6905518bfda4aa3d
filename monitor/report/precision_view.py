"""The precision figures as a supervisor reads them: rows of text, an HTML section, Markdown.

Every value that came from people or customers (queue names, matched terms) is escaped
in HTML and Markdown; the report never shows a conversation's text.
"""

from __future__ import annotations

import html

from monitor.records.flags import FALSE_ALARM_LABELS, KIND_LABELS, REASON_LABELS
from monitor.report.precision import Precision, Tally, points

DIMENSION_TITLES = {"kind": "按提醒类型", "reason": "按触发原因", "channel": "按渠道", "queue": "按队列"}
CHANNEL_LABELS = {"chat": "在线聊天", "email": "邮件", "app": "App", "social": "社交媒体", "phone": "电话"}
HEADER = ["", "提醒", "已复核", "确认", "误报", "精确率", "95% 区间", "漏报", "误报原因"]
# Below this many reviews a precision is shown but marked: its interval is wide.
FEW_REVIEWS = 20


def label(dimension: str, value: str) -> str:
    names = {"kind": KIND_LABELS, "reason": REASON_LABELS, "channel": CHANNEL_LABELS}.get(dimension, {})
    return names.get(value, value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def cells(name: str, t: Tally) -> list[str]:
    interval = t.interval
    span = "–" if interval is None else f"{interval[0] * 100:.0f}–{interval[1] * 100:.0f}%"
    precision = _pct(t.precision) + ("*" if 0 < t.reviewed < FEW_REVIEWS else "")
    reasons = "、".join(f"{FALSE_ALARM_LABELS.get(r, r)} {n}" for r, n in t.false_alarms.most_common())
    return [name, str(t.raised), str(t.reviewed), str(t.confirmed), str(sum(t.false_alarms.values())),
            precision, span, str(t.missed), reasons or "–"]


def tables(p: Precision) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) per dimension, the total first."""
    out = [("总计", [cells("全部提醒", p.total)])]
    for dimension, rows in p.rows.items():
        if rows:
            named = [cells(label(dimension, k), t) for k, t in rows.items()]
            out.append((DIMENSION_TITLES[dimension], named))
    return out


def week_rows(p: Precision) -> list[list[str]]:
    """Week by week: precision and its change in percentage points."""
    out: list[list[str]] = []
    before: float | None = None
    for week, t in p.weeks:
        out.append([week, str(t.raised), str(t.reviewed), _pct(t.precision),
                    points(t.precision, before) or "–", str(t.missed)])
        before = t.precision if t.precision is not None else before
    return out


WEEK_HEADER = ["周", "提醒", "已复核", "精确率", "较上周", "漏报"]


def culprits(p: Precision) -> list[tuple[str, str]]:
    """What stands behind most false alarms: reason codes and matched terms."""
    codes = "、".join(f"{REASON_LABELS.get(c, c)} {n}" for c, n in p.false_alarm_reasons) or "–"
    terms = "、".join(f"「{t}」{n}" for t, n in p.false_alarm_terms) or "–"
    return [("误报最多的规则", codes), ("误报最多的词", terms)]


NOTE = (f"精确率 = 确认 ÷ 已复核（未复核的提醒不计）；95% 区间为 Wilson 区间；带 * 的复核少于 "
        f"{FEW_REVIEWS} 条，区间很宽，仅供参考。漏报为人工报告的应提醒而未提醒的客户消息。")


def as_html(p: Precision, title: str = "提醒精确率（人工复核）") -> str:
    """A section for the weekly report or a page of its own: tables with escaped cells."""
    e = html.escape
    parts = [f"<h2>{e(title)}</h2>", f'<p class="note">{e(NOTE)}</p>']
    for heading, rows in tables(p):
        parts.append(f"<h3>{e(heading)}</h3>")
        parts.append(_table(HEADER, rows))
    parts.append("<h3>误报从何而来</h3><table>" + "".join(
        f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in culprits(p)) + "</table>")
    if p.weeks:
        parts.append("<h3>逐周变化</h3>" + _table(WEEK_HEADER, week_rows(p)))
    return "\n".join(parts)


def _table(header: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _md_cell(text: str) -> str:
    return html.escape(text).replace("|", "\\|")


def as_markdown(p: Precision, title: str = "提醒精确率（人工复核）") -> str:
    lines = [f"## {title}", "", NOTE, ""]
    for heading, rows in tables(p):
        lines += [f"### {heading}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    lines += ["### 误报从何而来", ""] + [f"- {k}：{_md_cell(v)}" for k, v in culprits(p)] + [""]
    if p.weeks:
        lines += ["### 逐周变化", "", "| " + " | ".join(WEEK_HEADER) + " |", "|" + "---|" * len(WEEK_HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in week_rows(p)]
    return "\n".join(lines) + "\n"


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}
th{{background:#f3f3f3}}.note{{color:#555}}</style></head><body>
<h1>{title}</h1><p>{period}</p>
{body}
</body></html>
"""


def page(p: Precision, period: str) -> str:
    """A self-contained HTML page (no scripts, nothing loaded from elsewhere)."""
    title = "support-monitor 提醒精确率报告"
    return PAGE.format(title=html.escape(title), period=html.escape(period), body=as_html(p, "各项精确率"))
