"""The weekly figures, computed from the store's rows in event time (001 ch.8: satisfaction,
response time, complaint handling; 002 ch.9.3: statistics and analysis).

Pure functions of the rows: the report's numbers can be checked against an independent
computation, and the same code serves HTML, Markdown and JSON.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.privacy import mask
from monitor.records.flags import SEVERITY_RANK
from monitor.report import breakdown
from monitor.report.precision import Precision


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in a time zone: [start, end)."""

    year: int
    number: int
    tz: str

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> datetime:
        return datetime.combine(date.fromisocalendar(self.year, self.number, 1), datetime.min.time(),
                                ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)

    def ms(self) -> tuple[int, int]:
        return int(self.start.timestamp() * 1000), int(self.end.timestamp() * 1000)

    def previous(self) -> Week:
        y, w, _ = (self.start - timedelta(days=7)).isocalendar()
        return Week(y, w, self.tz)

    @staticmethod
    def parse(text: str, tz: str) -> Week:
        """``YYYY-Www`` (ISO week), e.g. 2026-W47."""
        try:
            year, _, number = text.upper().partition("-W")
            week = Week(int(year), int(number), tz)
            _ = week.start  # validates the week number
            return week
        except ValueError:
            raise ValueError(f"not an ISO week like 2026-W47: {text!r}") from None

    @staticmethod
    def containing(moment: datetime, tz: str) -> Week:
        y, w, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
        return Week(y, w, tz)


@dataclass(frozen=True, slots=True)
class Targets:
    first_reply_s: float = 60.0
    reply_s: float = 180.0
    anger_high: float = 0.5


@dataclass(slots=True)
class Figures:
    week: str
    start: str
    end: str  # exclusive: the next Monday 00:00
    timezone: str
    last_day: str = ""  # the Sunday the week ends on
    empty: bool = True
    messages: int = 0
    customer_messages: int = 0
    conversations: int = 0
    volume_by_day: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> channel -> n
    mean_anger: float | None = None
    angry_conversations: int = 0
    angry_conversation_share: float | None = None
    flags_by_kind: dict[str, int] = field(default_factory=dict)
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    escalations: int = 0
    escalations_unresolved: int = 0
    acknowledge_median_s: float | None = None  # the agent acknowledged the emotion (event time)
    resolve_median_s: float | None = None  # every resolved escalation, whoever resolved it
    # What people did (wall clock, from the flag being raised) and what the monitor did
    # (event time): counted apart, a conversation that expired is not a resolved case.
    taken_by_person: int = 0
    taken_median_s: float | None = None
    resolved_by_person: int = 0
    resolve_person_median_s: float | None = None
    resolved_by_monitor: dict[str, int] = field(default_factory=dict)  # calmed | expired | …
    resolve_monitor_median_s: float | None = None
    first_reply_median_s: float | None = None
    first_reply_within_target: float | None = None
    response_mean_s: float | None = None
    response_within_target: float | None = None
    first_reply_by_day: dict[str, float | None] = field(default_factory=dict)  # day -> median s
    complaint_types: list[tuple[str, int]] = field(default_factory=list)  # conversations
    customer_types: list[tuple[str, int]] = field(default_factory=list)  # conversations
    coaching_by_agent: list[tuple[str, int]] = field(default_factory=list)
    coaching_by_queue: list[tuple[str, int]] = field(default_factory=list)
    severe: list[dict[str, Any]] = field(default_factory=list)
    by_queue: list[dict[str, Any]] = field(default_factory=list)
    by_agent: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


HEADLINES: tuple[tuple[str, str, bool | None], ...] = (
    # (attribute, Chinese name, higher is better; None: neutral, e.g. volume)
    ("conversations", "会话数", None),
    ("customer_messages", "客户消息数", None),
    ("mean_anger", "平均愤怒分", False),
    ("angry_conversation_share", "愤怒会话占比", False),
    ("escalations", "需要主管介入", False),
    ("first_reply_median_s", "首次回复中位数", False),
    ("first_reply_within_target", "首次回复达标率（≤1 分钟）", True),
    ("response_mean_s", "平均响应时间", False),
    ("response_within_target", "响应达标率（≤3 分钟）", True),
)
SHARES = frozenset({"angry_conversation_share", "first_reply_within_target", "response_within_target"})
DURATIONS = frozenset({"first_reply_median_s", "response_mean_s"})
WEEKDAYS = "一二三四五六日"


def duration(seconds: float | None) -> str:
    """A wait as a person says it: 45 秒, 3 分 20 秒, 2 小时 5 分, 1 天 13 小时."""
    if seconds is None:
        return "–"
    s = round(seconds)
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分" + (f" {s % 60} 秒" if s % 60 else "")
    if s < 86_400:
        return f"{s // 3600} 小时" + (f" {s % 3600 // 60} 分" if s % 3600 // 60 else "")
    return f"{s // 86_400} 天" + (f" {s % 86_400 // 3600} 小时" if s % 86_400 // 3600 else "")


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(week: Week, messages: list[dict[str, Any]], flags: list[dict[str, Any]],
            targets: Targets) -> Figures:
    """The week's figures from its message and flag rows (event time within the week)."""
    tz = ZoneInfo(week.tz)
    fig = Figures(week.label, week.start.isoformat(), week.end.isoformat(), week.tz,
                  (week.end - timedelta(days=1)).date().isoformat())
    if not messages and not flags:
        return fig
    fig.empty = False

    def day(ts_ms: int) -> str:
        return _day_label(datetime.fromtimestamp(ts_ms / 1000, tz))

    # Every day of the week, so a day without traffic shows as a zero, not as a gap.
    days = [_day_label(week.start + timedelta(days=i)) for i in range(7)]

    by_conv: dict[str, list[dict[str, Any]]] = defaultdict(list)
    volume: dict[str, Counter[str]] = defaultdict(Counter)
    angers: list[float] = []
    for m in messages:
        by_conv[m["conversation_id"]].append(m)
        if m["role"] in ("customer", "agent"):
            fig.messages += 1
            volume[day(m["ts_ms"])][m["channel"]] += 1
        if m["role"] == "customer":
            fig.customer_messages += 1
            if m["anger"] is not None:
                angers.append(m["anger"])
    fig.volume_by_day = {d: dict(volume.get(d, {})) for d in days}
    fig.conversations = len(by_conv)
    fig.mean_anger = round(statistics.fmean(angers), 4) if angers else None

    peak = {c: max((m["anger"] or 0.0) for m in ms if m["role"] == "customer")
            for c, ms in by_conv.items() if any(m["role"] == "customer" for m in ms)}
    fig.angry_conversations = sum(1 for v in peak.values() if v >= targets.anger_high)
    fig.angry_conversation_share = _share(fig.angry_conversations, len(peak))

    first_waits, waits, first_by_day = _reply_times(by_conv)
    fig.first_reply_median_s = _median(first_waits)
    fig.first_reply_within_target = _share(sum(w <= targets.first_reply_s for w in first_waits),
                                           len(first_waits))
    fig.response_mean_s = round(statistics.fmean(waits), 1) if waits else None
    fig.response_within_target = _share(sum(w <= targets.reply_s for w in waits), len(waits))
    per_day: dict[str, list[float]] = defaultdict(list)
    for ts, wait in first_by_day:
        per_day[day(ts)].append(wait)
    fig.first_reply_by_day = {d: round(statistics.median(per_day[d]), 1) if per_day.get(d) else None
                              for d in days}

    complaint: dict[str, str] = {}
    for m in messages:
        if m["role"] == "customer" and m["complaint_type"]:
            complaint[m["conversation_id"]] = m["complaint_type"]
    fig.complaint_types = Counter(complaint.values()).most_common(5)
    _flag_figures(fig, flags)
    fig.by_queue = breakdown.by_queue(by_conv, flags, targets.anger_high)
    fig.by_agent = breakdown.by_agent(by_conv, flags)
    return fig


def _day_label(moment: datetime) -> str:
    return f"{moment:%m-%d} 周{WEEKDAYS[moment.weekday()]}"


def _reply_times(by_conv: dict[str, list[dict[str, Any]]]
                 ) -> tuple[list[float], list[float], list[tuple[int, float]]]:
    """First-reply waits, all reply waits, and (ts, first wait) — as the monitor counts
    them: from the oldest customer message still waiting, closing words excluded."""
    first_waits: list[float] = []
    waits: list[float] = []
    first_at: list[tuple[int, float]] = []
    for ms in by_conv.values():
        waiting: int | None = None
        replied = False
        for m in sorted(ms, key=lambda r: r["ts_ms"]):
            if m["role"] == "customer" and waiting is None and "closing" not in (m["signals"] or []):
                waiting = m["ts_ms"]
            elif m["role"] == "agent" and waiting is not None:
                wait = (m["ts_ms"] - waiting) / 1000
                waits.append(wait)
                if not replied:
                    first_waits.append(wait)
                    first_at.append((waiting, wait))
                replied, waiting = True, None
            elif m["role"] == "agent":
                replied = True
    return first_waits, waits, first_at


def _flag_figures(fig: Figures, flags: list[dict[str, Any]]) -> None:
    fig.flags_by_kind = dict(Counter(f["kind"] for f in flags).most_common())
    fig.top_reasons = Counter(r["code"] for f in flags for r in f["reasons"]).most_common(8)
    esc = [f for f in flags if f["kind"] == "escalate_supervisor"]
    fig.escalations = len(esc)
    fig.escalations_unresolved = sum(1 for f in esc if f["status"] != "resolved")
    fig.acknowledge_median_s = _median([(f["acknowledged_ts_ms"] - f["ts_ms"]) / 1000
                                        for f in esc if f["acknowledged_ts_ms"]])
    fig.resolve_median_s = _median([(f["resolved_ts_ms"] - f["ts_ms"]) / 1000
                                    for f in esc if f["resolved_ts_ms"]])
    _who_resolved(fig, esc)
    types: dict[str, set[str]] = defaultdict(set)
    for f in flags:
        for t in f["customer_types"] or []:
            types[t].add(f["conversation_id"])
    fig.customer_types = sorted(((t, len(c)) for t, c in types.items()), key=lambda x: -x[1])[:5]
    coaching = [f for f in flags if f["kind"] == "agent_coaching"]
    fig.coaching_by_agent = Counter(f["agent_id"] for f in coaching if f["agent_id"]).most_common(5)
    fig.coaching_by_queue = Counter(mask(f["queue"]) for f in coaching if f["queue"]).most_common(5)

    worst: dict[str, dict[str, Any]] = {}
    for f in flags:
        key = (SEVERITY_RANK[f["severity"]], f["conversation_risk"])
        best = worst.get(f["conversation_id"])
        if best is None or key > best["_key"]:
            worst[f["conversation_id"]] = {"_key": key, **f}
    fig.severe = [{
        "flag_id": f["flag_id"],
        "conversation": mask(f["conversation_id"]), "severity": f["severity"], "kind": f["kind"],
        "conversation_risk": round(f["conversation_risk"], 2), "excerpt": f["excerpt"],
        "reasons": [r["detail"] for r in f["reasons"]][:3], "channel": f["channel"],
    } for f in sorted(worst.values(), key=lambda f: f["_key"], reverse=True)[:5]]


def _who_resolved(fig: Figures, esc: list[dict[str, Any]]) -> None:
    """Escalations taken and resolved by a person vs resolved by the monitor itself."""
    def raised_ms(f: dict[str, Any]) -> int:
        raised = f["raised_at"]
        if raised.tzinfo is None:  # SQLite returns naive datetimes: they were written in UTC
            raised = raised.replace(tzinfo=UTC)
        return int(raised.timestamp() * 1000)

    taken = [f for f in esc if f.get("taken_at_ms")]
    fig.taken_by_person = len(taken)
    fig.taken_median_s = _median([max(0, f["taken_at_ms"] - raised_ms(f)) / 1000 for f in taken])
    person = [f for f in esc if f.get("resolved_by")]
    fig.resolved_by_person = len(person)
    fig.resolve_person_median_s = _median([max(0, f["resolved_at_ms"] - raised_ms(f)) / 1000 for f in person])
    monitor = [f for f in esc if not f.get("resolved_by") and f["resolved_ts_ms"]]
    fig.resolved_by_monitor = dict(Counter(f["status_reason"] or "resolved" for f in monitor).most_common())
    fig.resolve_monitor_median_s = _median([(f["resolved_ts_ms"] - f["ts_ms"]) / 1000 for f in monitor])


def change(this: float | int | None, last: float | int | None) -> tuple[str, float | None]:
    """Arrow and relative change of a headline figure, week over week (for a share, the
    change in percentage points is ``points``)."""
    if this is None or last is None:
        return "–", None
    if last == 0:
        return ("↑", None) if this > 0 else ("→", 0.0)
    rel = (this - last) / abs(last)
    arrow = "→" if abs(rel) < 0.005 else ("↑" if rel > 0 else "↓")
    return arrow, round(rel, 4)


def points(this: float | None, last: float | None) -> float | None:
    """The change of a share in percentage points."""
    return None if this is None or last is None else round((this - last) * 100, 2)


@dataclass(frozen=True, slots=True)
class Weekly:
    """Everything one weekly report shows: the week, the one before, the last eight weeks
    (oldest first, this one last), the floor's precision, where the console is."""

    this: Figures
    last: Figures
    trend: list[Figures]
    precision: Precision
    trend_precision: list[Precision]
    console_url: str = ""
