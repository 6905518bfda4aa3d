"""Reads of the store for people: the queue of flags (most urgent first), one flag with
its conversation and history, what changed since a moment (live updates), counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import case, func, select

from monitor.io.store.schema import flag_actions, flags, messages, missed_reports
from monitor.io.store.store import Store
from monitor.records.errors import UsageError
from monitor.records.events import format_ts

STATUSES = ("open", "acknowledged", "resolved", "all")
_SEVERITY = case((flags.c.severity == "critical", 2), (flags.c.severity == "warning", 1), else_=0)


@dataclass(frozen=True, slots=True)
class FlagFilter:
    """Which flags a person sees: by status, kind, queue, channel; ``allowed_queues`` is
    the person's own restriction (None: every queue)."""

    status: str = "open"
    kinds: Sequence[str] = ()
    queues: Sequence[str] = ()
    channels: Sequence[str] = ()
    allowed_queues: Sequence[str] | None = None
    limit: int = 200
    offset: int = 0

    def where(self) -> list[Any]:
        if self.status not in STATUSES:
            raise UsageError(f"status must be one of {', '.join(STATUSES)}")
        out: list[Any] = []
        if self.status != "all":
            out.append(flags.c.status == self.status)
        for column, values in ((flags.c.kind, self.kinds), (flags.c.queue, self.queues),
                               (flags.c.channel, self.channels)):
            if values:
                out.append(column.in_(list(values)))
        if self.allowed_queues is not None:
            out.append(flags.c.queue.in_(list(self.allowed_queues)))
        return out


@dataclass(slots=True)
class FlagDetail:
    flag: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)  # all of the conversation
    actions: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)


class Reader:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def queue(self, f: FlagFilter) -> list[dict[str, Any]]:
        """Most urgent first: severity, then conversation risk, then the longest waiting."""
        query = (select(flags).where(*f.where())
                 .order_by(_SEVERITY.desc(), flags.c.conversation_risk.desc(), flags.c.ts_ms,
                           flags.c.flag_id)
                 .limit(max(1, min(f.limit, 5000))).offset(max(0, f.offset)))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def counts_by_kind(self, f: FlagFilter) -> dict[str, int]:
        query = select(flags.c.kind, func.count()).where(*f.where()).group_by(flags.c.kind)
        with self.engine.connect() as conn:
            return {kind: int(n) for kind, n in conn.execute(query)}

    def unreviewed(self, f: FlagFilter, limit: int = 2000) -> list[dict[str, Any]]:
        """Flags without a verdict the person may see, newest first (whatever their status)."""
        where = [*FlagFilter("all", f.kinds, f.queues, f.channels, f.allowed_queues).where(),
                 flags.c.verdict.is_(None)]
        query = select(flags).where(*where).order_by(flags.c.ts_ms.desc(), flags.c.flag_id).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def reviews_by_reason(self) -> dict[str, int]:
        """How many reviewed flags name each reason code."""
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for (reasons,) in conn.execute(select(flags.c.reasons).where(flags.c.verdict.is_not(None))):
                for code in {str(r["code"]) for r in reasons}:
                    counts[code] = counts.get(code, 0) + 1
        return counts

    def missed(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Missed reports on customer messages with event time in [start_ms, end_ms), with
        the message's channel, queue and time."""
        m = messages
        query = (select(missed_reports, m.c.channel, m.c.queue, m.c.ts_ms)
                 .join(m, (m.c.conversation_id == missed_reports.c.conversation_id)
                       & (m.c.message_id == missed_reports.c.message_id))
                 .where(m.c.ts_ms >= start_ms, m.c.ts_ms < end_ms)
                 .order_by(m.c.ts_ms, missed_reports.c.kind))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def counts_by_status(self) -> dict[tuple[str, str], int]:
        query = select(flags.c.status, flags.c.kind, func.count()).group_by(flags.c.status, flags.c.kind)
        with self.engine.connect() as conn:
            return {(status, kind): int(n) for status, kind, n in conn.execute(query)}

    def flag(self, flag_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(flags).where(flags.c.flag_id == flag_id)).mappings().first()
            return dict(row) if row else None

    def detail(self, flag_id: str) -> FlagDetail | None:
        flag = self.flag(flag_id)
        if flag is None:
            return None
        cid = flag["conversation_id"]
        with self.engine.connect() as conn:
            return FlagDetail(
                flag,
                [dict(r) for r in conn.execute(select(messages).where(messages.c.conversation_id == cid)
                                               .order_by(messages.c.ts_ms, messages.c.message_id))
                 .mappings()],
                [dict(r) for r in conn.execute(select(flags).where(flags.c.conversation_id == cid)
                                               .order_by(flags.c.ts_ms)).mappings()],
                [dict(r) for r in conn.execute(select(flag_actions).where(
                    (flag_actions.c.flag_id == flag_id)
                    | ((flag_actions.c.conversation_id == cid) & (flag_actions.c.action == "missed")))
                    .order_by(flag_actions.c.id)).mappings()],
                [dict(r) for r in conn.execute(select(missed_reports).where(
                    missed_reports.c.conversation_id == cid)).mappings()])

    def changed_since(self, changed_ms: int, after_id: str = "", limit: int = 1000) -> list[dict[str, Any]]:
        """Flags stored or changed after (``changed_ms``, ``after_id``) — the writers' wall
        clocks, then the id, so a page of many rows of the same moment goes on where the
        last one ended."""
        query = (select(flags).where((flags.c.changed_ms > changed_ms)
                                     | ((flags.c.changed_ms == changed_ms) & (flags.c.flag_id > after_id)))
                 .order_by(flags.c.changed_ms, flags.c.flag_id).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def readable(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(select(func.count()).select_from(flags).where(flags.c.flag_id == ""))
        return True


def _ts(ms: int | None) -> str | None:
    return None if ms is None else format_ts(ms)


def flag_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored flag as CONTRACT §2, plus its lifecycle (§5): ``status``, who took it
    (``acknowledged_by``), the ``verdict``; the monitor's own moves under ``monitor``."""
    raised = row["raised_at"]
    out: dict[str, Any] = {
        "flag_id": row["flag_id"], "conversation_id": row["conversation_id"],
        "message_id": row["message_id"], "ts": format_ts(row["ts_ms"]),
        "raised_at": raised.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if raised.tzinfo else raised.isoformat(timespec="milliseconds") + "Z",
        "kind": row["kind"], "severity": row["severity"],
        "scores": {"anger": row["anger"], "urgency": row["urgency"],
                   "conversation_risk": row["conversation_risk"]},
        "reasons": row["reasons"], "suggestion": row["suggestion"],
        "playbook_ref": row["playbook_ref"], "excerpt": row["excerpt"], "channel": row["channel"],
        "status": row["status"], "acknowledged_by": row["taken_by"], "verdict": row["verdict"],
    }
    for key in ("complaint_type", "queue", "agent_id"):
        if row[key] is not None:
            out[key] = row[key]
    if row["customer_types"]:
        out["customer_types"] = row["customer_types"]
    if row["verdict"]:
        out["verdict_reason"] = row["verdict_reason"]
        out["verdict_by"] = row["verdict_by"]
        out["verdict_at"] = _ts(row["verdict_at_ms"])
    if row["taken_by"]:
        out["acknowledged_at"] = _ts(row["taken_at_ms"])
    if row["resolved_by"]:
        out["resolved_by"] = row["resolved_by"]
        out["resolved_at"] = _ts(row["resolved_at_ms"])
        if row["resolution_note"]:
            out["resolution_note"] = row["resolution_note"]
    out["monitor"] = {"reason": row["status_reason"], "acknowledged_ts": _ts(row["acknowledged_ts_ms"]),
                      "resolved_ts": _ts(row["resolved_ts_ms"])}
    return out
