"""What people do with a flag (CONTRACT §5): take it, resolve it, give a verdict, report
a message that should have raised a flag. The command line and the console both call
these, so they agree.

Each action is one transaction: a conditional update (safe when two supervisors click
at once: the second is told who has the flag) and an audit row — who, when, what, from
which client, and how it ended (done, unchanged, refused). Actions are idempotent: the
same action again changes nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from monitor.io.store.schema import flag_actions, flags, messages, missed_reports
from monitor.io.store.store import Store, now_ms
from monitor.privacy import mask
from monitor.records.errors import UsageError
from monitor.records.flags import KINDS

VERDICTS = ("confirmed", "false_alarm")
FALSE_ALARM_REASONS = ("not_angry", "not_urgent", "no_reply_needed", "already_handled",
                       "wrong_kind", "other")
MAX_NOTE = 2000


class ActionRefused(UsageError):
    """The action cannot be done (taken by someone else, unknown reason code…)."""


class UnknownFlag(ActionRefused):
    """No flag (or no message) with that id in the store."""


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str  # done | unchanged
    message: str


class FlagActions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, flag_id: str, by: str, client: str) -> Outcome:
        def act(conn: Connection) -> Outcome:
            changed = conn.execute(
                update(flags).where(flags.c.flag_id == flag_id, flags.c.taken_by.is_(None),
                                    flags.c.status != "resolved")
                .values(taken_by=by, taken_at_ms=now_ms(), changed_ms=now_ms(),
                        status="acknowledged")).rowcount
            if changed:
                return Outcome("done", "已接手")
            row = _flag(conn, flag_id)
            if row["taken_by"] == by:
                return Outcome("unchanged", "你已接手这个提醒")
            if row["taken_by"]:
                raise ActionRefused(f"已由 {row['taken_by']} 接手")
            raise ActionRefused(f"提醒已结束（{row['status_reason'] or row['status']}）")

        return self._run("ack", by, client, act, {"flag_id": flag_id})

    def resolve(self, flag_id: str, by: str, client: str, note: str | None = None) -> Outcome:
        note = _note(note)

        def act(conn: Connection) -> Outcome:
            row = _flag(conn, flag_id)
            if row["resolved_by"] == by:
                return Outcome("unchanged", "你已处理完这个提醒")
            if row["resolved_by"]:
                raise ActionRefused(f"已由 {row['resolved_by']} 处理完")
            conn.execute(update(flags).where(flags.c.flag_id == flag_id, flags.c.resolved_by.is_(None))
                         .values(resolved_by=by, resolved_at_ms=now_ms(), resolution_note=note,
                                 status="resolved", changed_ms=now_ms(),
                                 taken_by=row["taken_by"] or by,
                                 taken_at_ms=row["taken_at_ms"] or now_ms()))
            return Outcome("done", "已处理完")

        return self._run("resolve", by, client, act, {"flag_id": flag_id, "note": note})

    def verdict(self, flag_id: str, by: str, client: str, verdict: str, reason: str | None = None,
                note: str | None = None) -> Outcome:
        note = _note(note)
        if verdict == "confirmed":
            reason = None

        def act(conn: Connection) -> Outcome:
            row = _flag(conn, flag_id)
            if verdict not in VERDICTS:
                raise ActionRefused(f"verdict must be one of {', '.join(VERDICTS)}")
            if verdict == "false_alarm" and reason not in FALSE_ALARM_REASONS:
                raise ActionRefused("a false alarm needs a reason: " + ", ".join(FALSE_ALARM_REASONS))
            if (row["verdict"], row["verdict_reason"], row["verdict_note"]) == (verdict, reason, note):
                return Outcome("unchanged", "判断未变")
            conn.execute(update(flags).where(flags.c.flag_id == flag_id).values(
                verdict=verdict, verdict_reason=reason, verdict_note=note, verdict_by=by,
                verdict_at_ms=now_ms(), changed_ms=now_ms()))
            return Outcome("done", "已记录判断")

        return self._run("verdict", by, client, act, {"flag_id": flag_id, "verdict": verdict,
                                                       "reason": reason, "note": note})

    def missed(self, conversation_id: str, message_id: str, kind: str, by: str, client: str,
               note: str | None = None, allowed_queues: Sequence[str] | None = None) -> Outcome:
        """``allowed_queues``: the queues the reporter may see (None: every queue); a
        message of another queue is answered as if it did not exist."""
        note = _note(note)

        def act(conn: Connection) -> Outcome:
            message = conn.execute(select(messages.c.role, messages.c.queue).where(
                messages.c.conversation_id == conversation_id,
                messages.c.message_id == message_id)).first()
            if message is None or (allowed_queues is not None and message.queue not in allowed_queues):
                raise UnknownFlag(f"no message {message_id!r} in conversation {conversation_id!r}")
            if kind not in KINDS:
                raise ActionRefused(f"kind must be one of {', '.join(KINDS)}")
            if message.role != "customer":
                raise ActionRefused("only a customer message can have missed a flag")
            exists = conn.execute(select(missed_reports.c.kind).where(
                missed_reports.c.conversation_id == conversation_id,
                missed_reports.c.message_id == message_id, missed_reports.c.kind == kind)).first()
            if exists:
                return Outcome("unchanged", "已报告过")
            conn.execute(missed_reports.insert().values(
                conversation_id=conversation_id, message_id=message_id, kind=kind, reported_by=by,
                reported_at_ms=now_ms(), note=note))
            return Outcome("done", "已报告漏报")

        return self._run("missed", by, client, act, {"conversation_id": conversation_id,
                                                      "message_id": message_id, "kind": kind,
                                                      "note": note})

    def _run(self, action: str, by: str, client: str, act: Callable[[Connection], Outcome],
             what: dict[str, Any]) -> Outcome:
        """``act`` and its audit row in one transaction; a refusal is audited on its own."""
        try:
            with self.store.engine.begin() as conn:
                outcome = act(conn)
                _audit(conn, action, by, client, outcome.outcome, outcome.message, what)
                return outcome
        except ActionRefused as exc:
            with self.store.engine.begin() as conn:
                _audit(conn, action, by, client, "refused", str(exc), what)
            raise


def _flag(conn: Connection, flag_id: str) -> Any:
    row = conn.execute(select(flags).where(flags.c.flag_id == flag_id)).mappings().first()
    if row is None:
        raise UnknownFlag(f"no flag {flag_id!r} in the store")
    return row


def _audit(conn: Connection, action: str, by: str, client: str, outcome: str, message: str,
           what: dict[str, Any]) -> None:
    ids = {k: what.get(k) for k in ("flag_id", "conversation_id", "message_id")}
    details = {k: v for k, v in what.items() if k not in ids and v is not None}
    conn.execute(flag_actions.insert().values(
        at_ms=now_ms(), actor=by[:128], client=client[:200], action=action, outcome=outcome,
        **ids, details={"message": message, **details}))


def _note(note: str | None) -> str | None:
    """A supervisor's note, masked like customer text (a note may quote a phone number)."""
    if note is None or not note.strip():
        return None
    return mask(note.strip()[:MAX_NOTE])
