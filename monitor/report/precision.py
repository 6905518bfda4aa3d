"""How often the monitor is right on this floor: the floor's verdicts, counted.

For every flag kind, reason code, channel and queue: flags raised, reviewed, confirmed,
false alarms by the reviewer's reason, precision (confirmed / reviewed) with a 95 %
Wilson interval, and the missed cases people reported; the reason codes and matched
terms behind most false alarms; and the same precision week by week. One module for
``support-monitor feedback report`` and the weekly report's precision section.

Precision counts reviewed flags only: an unreviewed flag is neither right nor wrong. The
interval says how far that can be from the floor's true precision when few were reviewed.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.privacy import mask
from monitor.records.flags import reason_terms

DIMENSIONS = ("kind", "reason", "channel", "queue")
NO_QUEUE = "(无队列)"


def wilson(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95 % by default); None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(slots=True)
class Tally:
    """One row: a kind, reason code, channel or queue."""

    raised: int = 0
    reviewed: int = 0
    confirmed: int = 0
    false_alarms: Counter[str] = field(default_factory=Counter)
    missed: int = 0

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.reviewed if self.reviewed else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.confirmed, self.reviewed)

    def add(self, flag: Mapping[str, Any]) -> None:
        self.raised += 1
        if flag.get("verdict") == "confirmed":
            self.reviewed += 1
            self.confirmed += 1
        elif flag.get("verdict") == "false_alarm":
            self.reviewed += 1
            self.false_alarms[str(flag.get("verdict_reason") or "other")] += 1

    def to_json(self) -> dict[str, Any]:
        interval = self.interval
        return {"raised": self.raised, "reviewed": self.reviewed, "confirmed": self.confirmed,
                "false_alarms": sum(self.false_alarms.values()),
                "false_alarms_by_reason": dict(sorted(self.false_alarms.items())),
                "precision": None if self.precision is None else round(self.precision, 4),
                "precision_95": None if interval is None else [round(v, 4) for v in interval],
                "missed": self.missed}


@dataclass(frozen=True, slots=True)
class Precision:
    """The figures of one period."""

    rows: dict[str, dict[str, Tally]]  # dimension -> value -> tally
    total: Tally
    false_alarm_reasons: list[tuple[str, int]]  # reason codes of the flags, most false alarms first
    false_alarm_terms: list[tuple[str, int]]  # matched terms, the same
    weeks: list[tuple[str, Tally]]  # ISO week label -> all kinds together, oldest first

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total.to_json(),
                **{d: {k: t.to_json() for k, t in rows.items()} for d, rows in self.rows.items()},
                "false_alarm_reason_codes": [{"code": c, "false_alarms": n}
                                             for c, n in self.false_alarm_reasons],
                "false_alarm_terms": [{"term": t, "false_alarms": n} for t, n in self.false_alarm_terms],
                "weeks": [{"week": w, **t.to_json()} for w, t in self.weeks]}


def week_label(ts_ms: int, tz: str) -> str:
    year, week, _ = datetime.fromtimestamp(ts_ms / 1000, ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def week_labels(start_ms: int, end_ms: int, tz: str) -> list[str]:
    """Every ISO week the period [start, end) touches, so a week without flags still shows."""
    out: list[str] = []
    day = datetime.fromtimestamp(start_ms / 1000, ZoneInfo(tz))
    last = datetime.fromtimestamp(max(start_ms, end_ms - 1) / 1000, ZoneInfo(tz))
    while day <= last:
        label = week_label(int(day.timestamp() * 1000), tz)
        if label not in out:
            out.append(label)
        day += timedelta(days=1)
    return out


def compute(flags: Iterable[Mapping[str, Any]], missed: Iterable[Mapping[str, Any]],
            weeks: list[str] | None = None, tz: str = "UTC", top: int = 10) -> Precision:
    """Count the flags and missed reports of one period (``missed``: rows with the kind and
    the message's channel and queue, as ``Reader.missed`` reads them)."""
    rows: dict[str, dict[str, Tally]] = {d: defaultdict(Tally) for d in DIMENSIONS}
    total = Tally()
    by_week: dict[str, Tally] = {w: Tally() for w in weeks or []}
    fa_codes: Counter[str] = Counter()
    fa_terms: Counter[str] = Counter()
    for f in flags:
        total.add(f)
        rows["kind"][str(f["kind"])].add(f)
        rows["channel"][str(f["channel"])].add(f)
        rows["queue"][_queue(f.get("queue"))].add(f)
        codes = sorted({str(r["code"]) for r in f["reasons"]})
        for code in codes:
            rows["reason"][code].add(f)
        by_week.setdefault(week_label(int(f["ts_ms"]), tz), Tally()).add(f)
        if f.get("verdict") == "false_alarm":
            fa_codes.update(codes)
            fa_terms.update(reason_terms(list(f["reasons"])))
    for m in missed:
        total.missed += 1
        rows["kind"][str(m["kind"])].missed += 1
        rows["channel"][str(m["channel"])].missed += 1
        rows["queue"][_queue(m.get("queue"))].missed += 1
    ordered = {d: dict(sorted(r.items())) for d, r in rows.items()}
    return Precision(ordered, total, fa_codes.most_common(top), fa_terms.most_common(top),
                     sorted(by_week.items()))


def _queue(name: object) -> str:
    """A queue name as reports show it: masked (a web form's free field can carry a number)."""
    return mask(str(name)) if name else NO_QUEUE


def points(now: float | None, before: float | None) -> str:
    """A change of a share in percentage points ("+3.0 个百分点"); empty if either is unknown."""
    if now is None or before is None:
        return ""
    return f"{(now - before) * 100:+.1f} 个百分点"
