"""What a page shows, computed in Python so the templates stay plain: the transcript with
the evidence of each reason marked, a small chart of the conversation's course (SVG,
drawn here: no script, nothing loaded from anywhere), how long someone has waited.

Everything a customer wrote stays text: the templates escape it (Jinja2 autoescape),
and the marks are segments, never HTML built from the text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.records.flags import FALSE_ALARM_LABELS as VERDICT_REASONS_ZH
from monitor.records.flags import KIND_LABELS, SEVERITY_LABELS
from monitor.steps.playbook.customer_types import BY_CODE as CUSTOMER_TYPES


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    marked: bool


def segments(text: str, terms: list[str]) -> list[Segment]:
    """``text`` cut into plain and marked parts where the terms occur (case-insensitive)."""
    low = text.lower()
    marks = [False] * len(text)
    for term in terms:
        start = low.find(term.lower())
        while start >= 0:
            for i in range(start, start + len(term)):
                marks[i] = True
            start = low.find(term.lower(), start + len(term))
    out: list[Segment] = []
    for ch, marked in zip(text, marks, strict=True):
        if out and out[-1].marked == marked:
            out[-1] = Segment(out[-1].text + ch, marked)
        else:
            out.append(Segment(ch, marked))
    return out


def waited(ts_ms: int, now_ms: int | None = None) -> str:
    seconds = max(0, ((now_ms or int(time.time() * 1000)) - ts_ms) // 1000)
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    if seconds < 86400:
        return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分钟"
    return f"{seconds // 86400} 天"


def clock(ts_ms: int | None, zone: ZoneInfo) -> str:
    """A moment as the floor reads it: month-day and time in the floor's time zone."""
    if ts_ms is None:
        return ""
    return datetime.fromtimestamp(ts_ms / 1000, UTC).astimezone(zone).strftime("%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    lines: list[tuple[str, str, str]]  # (label, css class, SVG points)
    marker_x: float | None
    dots: tuple[tuple[str, float, float], ...] = ()  # (css class, x, y)


def chart(messages: list[dict[str, Any]], trigger_id: str, width: int = 560, height: int = 120) -> Chart:
    """Anger and urgency of each customer message, and conversation risk after each
    message, as polylines over the conversation."""
    if not messages:
        return Chart(width, height, [], None)
    step = (width - 20) / max(len(messages) - 1, 1)

    def y(v: float | None) -> float:
        return round(height - 10 - (height - 20) * (v or 0.0), 1)

    series: dict[str, list[str]] = {"anger": [], "urgency": [], "conversation_risk": []}
    marker = None
    for i, m in enumerate(messages):
        x = round(10 + i * step, 1)
        if m["message_id"] == trigger_id:
            marker = x
        for key, points in series.items():
            if m.get(key) is not None:
                points.append(f"{x},{y(m[key])}")
    labels = {"anger": ("愤怒", "anger"), "urgency": ("紧急", "urgency"),
              "conversation_risk": ("会话风险", "risk")}
    dots = tuple((labels[k][1], float(p.split(",")[0]), float(p.split(",")[1]))
            for k, v in series.items() for p in v)
    return Chart(width, height, [(labels[k][0], labels[k][1], " ".join(v)) for k, v in series.items()
                                 if v], marker, dots)


def customer_types(codes: list[str]) -> list[tuple[str, str]]:
    return [(CUSTOMER_TYPES[c].name, CUSTOMER_TYPES[c].tip) for c in codes if c in CUSTOMER_TYPES]


def labels() -> dict[str, Any]:
    """Names the templates show for codes."""
    return {"kind_labels": KIND_LABELS, "severities": SEVERITY_LABELS,
            "verdict_reasons": VERDICT_REASONS_ZH,
            "status_labels": {"open": "待处理", "acknowledged": "已接手", "resolved": "已结束"},
            "roles": {"supervisor": "主管", "lead": "组长", "viewer": "只读"},
            "action_labels": {"ack": "接手", "resolve": "处理完", "verdict": "判断", "missed": "报告漏报"},
            "outcome_labels": {"done": "完成", "unchanged": "未变", "refused": "被拒绝"},
            "monitor_reasons": {"calmed": "客户情绪已平复", "conversation_expired": "会话已超时结束",
                                "superseded": "已被更严重的提醒取代", "agent_acknowledged": "坐席已安抚情绪"}}
