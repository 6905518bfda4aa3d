"""The weekly report as one self-contained HTML file (inline CSS, charts as data URIs, no
scripts, table layout mail clients understand), as Markdown, or as JSON."""

from __future__ import annotations

import html
import json
from typing import Any

from monitor.report.charts import KIND_NAMES
from monitor.report.figures import HEADLINES, Figures, change

REASON_NAMES = {
    "legal_threat": "法律威胁", "regulator_threat": "监管投诉威胁", "media_threat": "媒体曝光威胁",
    "supervisor_request": "要求找主管", "insult": "辱骂", "out_of_control": "安抚后仍失控",
    "repeat_angry": "重复联系且愤怒", "response_breach_angry": "久未回复且愤怒", "cites_law": "引用法律",
    "anger_high": "愤怒分高", "anger_rising": "愤怒上升", "anger_words": "愤怒用语",
    "punctuation_run": "连续标点", "not_acknowledged": "未安抚", "urgency_high": "紧急度高",
    "deadline": "时间紧迫", "occasion": "特殊场合", "money_at_risk": "资金风险",
    "health_safety": "健康安全", "long_wait": "已等待很久", "no_reply": "未回复",
    "slow_first_reply": "首次回复慢", "slow_reply": "回复慢", "no_empathy": "未表达理解",
    "rhetorical_challenge": "反问质疑", "cold_reply": "冷处理", "slang": "网络用语",
    "joking_with_upset": "对不满客户开玩笑", "mechanical_reply": "机械回复",
    "anger_with_risk": "愤怒且对话风险高", "risk_high": "对话风险高", "review_threat": "退货/差评威胁",
    "anger_model": "模型判为不满", "urgency_model": "模型判为紧急",
}
TYPE_NAMES = {"out_of_control": "完全失控", "legal": "法律型", "demands_escalation": "要求升级投诉",
              "habitual_complainer": "抱怨成癖", "talkative": "喋喋不休", "refuses_info": "不肯留资料",
              "billing_dispute": "话费争议", "comparer": "爱比较", "expert": "专业型"}
SEVERITY_NAMES = {"critical": "严重", "warning": "警告", "info": "提示"}
COMPLAINT_NAMES = {"product_quality": "产品质量", "logistics": "物流", "after_sales": "售后服务",
                   "price": "价格", "wrong_info": "信息不准确"}


def _fmt(attr: str, value: float | int | None) -> str:
    if value is None:
        return "–"
    if attr.endswith(("share", "target")):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}" if attr == "mean_anger" else f"{value:.1f}"
    return f"{value:,}"


def headline_rows(this: Figures, last: Figures) -> list[dict[str, str]]:
    rows = []
    for attr, name, higher_is_better in HEADLINES:
        now, before = getattr(this, attr), getattr(last, attr)
        arrow, rel = change(now, before)
        good = None if rel in (None, 0.0) or arrow == "→" else ((arrow == "↑") == higher_is_better)
        rows.append({"name": name, "this": _fmt(attr, now), "last": _fmt(attr, before),
                     "change": arrow + ("" if rel is None else f" {rel * 100:+.1f}%"),
                     "tone": "" if good is None else ("good" if good else "bad")})
    return rows


def as_json(this: Figures, last: Figures) -> str:
    body = {"report": "support-monitor weekly", **this.to_json(),
            "previous_week": last.to_json(),
            "week_over_week": {a: dict(zip(("arrow", "relative_change"), change(getattr(this, a),
                                                                               getattr(last, a)),
                                           strict=True))
                               for a, _, _ in HEADLINES}}
    return json.dumps(body, ensure_ascii=False, indent=2)


def _pairs(items: list[tuple[str, int]], names: dict[str, str]) -> list[tuple[str, str]]:
    return [(names.get(k, k), f"{n:,}") for k, n in items]


def as_markdown(this: Figures, last: Figures) -> str:
    out = [f"# 客服情绪与升级周报 {this.week}", "",
           f"时间范围：{this.start[:10]} 至 {this.end[:10]}（{this.timezone}，按事件时间）", ""]
    if this.empty:
        out += ["**本周没有数据。** 存储中没有这一周的消息或标记：请确认监控在运行、周次和存储地址正确。", ""]
        return "\n".join(out)
    out += ["## 核心指标（与上周对比）", "", "| 指标 | 本周 | 上周 | 变化 |", "|---|---|---|---|"]
    out += [f"| {r['name']} | {r['this']} | {r['last']} | {r['change']} |"
            for r in headline_rows(this, last)]
    for title, rows in _sections(this):
        out += ["", f"## {title}", ""]
        out += [f"- {k}：{v}" for k, v in rows] or ["- 无"]
    out += ["", "## 本周最严重的会话（已脱敏）", ""]
    for s in this.severe:
        severity = SEVERITY_NAMES.get(s["severity"], s["severity"])
        kind = KIND_NAMES.get(s["kind"], s["kind"])
        out.append(f"- **{severity}** {kind} · 风险 {s['conversation_risk']} · {s['conversation']}："
                   f"“{s['excerpt']}”（" + "；".join(s["reasons"]) + "）")
    return "\n".join(out) + "\n"


def _sections(f: Figures) -> list[tuple[str, list[tuple[str, str]]]]:
    esc = [("需要主管介入", f"{f.escalations:,}"), ("尚未解决", f"{f.escalations_unresolved:,}"),
           ("确认中位时间（秒）", _fmt("x", f.acknowledge_median_s)),
           ("解决中位时间（秒）", _fmt("x", f.resolve_median_s))]
    return [
        ("标记（按类型）", _pairs(list(f.flags_by_kind.items()), KIND_NAMES)),
        ("最常见的原因", _pairs(f.top_reasons, REASON_NAMES)),
        ("升级处理", esc),
        ("投诉类型（会话数）", _pairs(f.complaint_types, COMPLAINT_NAMES)),
        ("客户类型（会话数）", _pairs(f.customer_types, TYPE_NAMES)),
        ("坐席辅导最多的坐席", _pairs(f.coaching_by_agent, {})),
        ("坐席辅导最多的队列", _pairs(f.coaching_by_queue, {})),
    ]


_CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
sans-serif;color:#222;max-width:860px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;border-bottom:2px solid #e5e7eb;
padding-bottom:4px;margin-top:28px}.muted{color:#6b7280;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border:1px solid #e5e7eb;
padding:6px 8px;text-align:left}th{background:#f3f4f6}.good{color:#15803d}.bad{color:#b91c1c}
.empty{background:#fff7ed;border:1px solid #fdba74;padding:12px;border-radius:6px}
img{max-width:100%}.excerpt{color:#374151}"""


def as_html(this: Figures, last: Figures, charts: dict[str, str]) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
             f"<title>客服情绪与升级周报 {e(this.week)}</title><style>{_CSS}</style></head><body>",
             f"<h1>客服情绪与升级周报 {e(this.week)}</h1>",
             f"<p class='muted'>时间范围：{e(this.start[:10])} 至 {e(this.end[:10])}"
             f"（{e(this.timezone)}，按事件时间）· 由 support-monitor 生成 · 客户信息已脱敏</p>"]
    if this.empty:
        parts.append("<p class='empty'><b>本周没有数据。</b>存储中没有这一周的消息或标记："
                     "请确认监控在运行、周次和存储地址正确。</p></body></html>")
        return "".join(parts)
    parts.append("<h2>核心指标（与上周对比）</h2><table><tr><th>指标</th><th>本周</th><th>上周</th>"
                 "<th>变化</th></tr>")
    for r in headline_rows(this, last):
        parts.append(f"<tr><td>{e(r['name'])}</td><td><b>{e(r['this'])}</b></td><td>{e(r['last'])}</td>"
                     f"<td class='{r['tone']}'>{e(r['change'])}</td></tr>")
    parts.append("</table>")
    for key, title in (("volume", "消息量"), ("flags", "标记"), ("first_reply", "响应时间")):
        if key in charts:
            parts.append(f"<h2>{title}</h2><img alt='{title}' src='{charts[key]}'>")
    for title, rows in _sections(this):
        parts.append(f"<h2>{e(title)}</h2><table>")
        parts += [f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows] or ["<tr><td>无</td></tr>"]
        parts.append("</table>")
    parts.append("<h2>本周最严重的会话（已脱敏）</h2><table><tr><th>严重程度</th><th>类型</th>"
                 "<th>风险</th><th>客户原话</th><th>原因</th></tr>")
    for s in this.severe:
        severity = SEVERITY_NAMES.get(s["severity"], s["severity"])
        kind = KIND_NAMES.get(s["kind"], s["kind"])
        parts.append(f"<tr><td>{e(severity)}</td><td>{e(kind)}</td>"
                     f"<td>{s['conversation_risk']}</td><td class='excerpt'>{e(s['excerpt'])}</td>"
                     f"<td>{e('；'.join(s['reasons']))}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def render(fmt: str, this: Figures, last: Figures, charts: dict[str, Any]) -> str:
    if fmt == "json":
        return as_json(this, last)
    if fmt == "md":
        return as_markdown(this, last)
    return as_html(this, last, charts)
