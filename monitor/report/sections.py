"""The weekly report's sections as text, built once for every format (JSON, Markdown, HTML)."""

from __future__ import annotations

from typing import Any

from monitor.records.flags import KIND_LABELS, REASON_LABELS, SEVERITY_LABELS
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


