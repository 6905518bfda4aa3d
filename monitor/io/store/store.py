"""The store: processed-message scores (masked text) and flags with their lifecycle.

SQLAlchemy Core; SQLite file by default, PostgreSQL by URL. Writes are idempotent
(primary keys on message and flag ids), so a replay or a redelivery stores nothing twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, create_engine, event, make_url, select, update
from sqlalchemy.exc import DatabaseError, OperationalError

from monitor.io.store.bulk import BulkInsert
from monitor.io.store.schema import create_or_upgrade, flags, messages
from monitor.records.errors import Backpressure, UsageError
from monitor.records.flags import Flag, Status, Transition


def store_url(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    if "://" in value:
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value[len("postgresql://"):]
        return value
    return f"sqlite:///{value}"


def shown_url(url: str) -> str:
    """``url`` as it may be printed or logged: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparseable: it could hold anything
        return "(the store URL given)"


def _redacted(text: str, url: str) -> str:
    """An error's text without the URL's password (drivers quote the URL they were given)."""
    try:
        password = make_url(url).password
    except Exception:
        return text.replace(url, shown_url(url))
    text = text.replace(url, shown_url(url))
    return text.replace(str(password), "***") if password else text


def _dt(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


class Store:
    """Idempotent writes of messages and flags, and flag lifecycle updates.

    ``create=False`` for the commands that only read (reports, the console): a SQLite
    file that does not exist is then an error, not a new empty store.
    """

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = store_url(url)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except Exception as exc:  # bad URL or missing driver: a usage error, not a crash
            raise UsageError(f"cannot use store {shown_url(url)!r}: {_redacted(str(exc), url)}") from None
        if self.engine.dialect.name == "sqlite":
            path = self.engine.url.database
            if not create and path not in (None, "", ":memory:") and not os.path.exists(path):
                raise UsageError(f"no store at {path}: give --store the file or URL the monitor "
                                 "writes to")
            event.listen(self.engine, "connect", _sqlite_pragmas)
        dialect = self.engine.dialect.name
        self._messages, self._flags = BulkInsert(messages, dialect), BulkInsert(flags, dialect)
        try:
            self.migrated_from = create_or_upgrade(self.engine)
        except DatabaseError as exc:  # OperationalError, or "file is not a database"
            self.engine.dispose()
            raise UsageError(f"cannot open store {shown_url(self.url)!r}: "
                             f"{_redacted(str(exc.orig).strip(), self.url)}") from None

    def write(self, message_rows: Sequence[dict[str, Any]], new_flags: Sequence[Flag],
              transitions: Sequence[Transition]) -> None:
        """Write one batch in one transaction. ``message_rows`` text must already be masked."""
        try:
            with self.engine.begin() as conn:
                if message_rows:
                    self._messages.run(conn, [{**r, "ts": _dt(r["ts_ms"])} for r in message_rows])
                if new_flags:
                    self._flags.run(conn, [_flag_row(f) for f in new_flags])
                for t in transitions:
                    conn.execute(_transition_stmt(t))
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "could not serialize" in str(exc.orig):
                raise Backpressure("store", 0.5) from exc
            raise

    def set_status(self, flag_id: str, status: Status, ts_ms: int, reason: str) -> bool:
        """Acknowledge or resolve a flag by hand (supervisor action). True if it changed."""
        with self.engine.begin() as conn:
            result = conn.execute(_transition_stmt(Transition(flag_id, status, ts_ms, reason)))
            return bool(result.rowcount)

    def flags(self, status: str | None = None) -> list[dict[str, Any]]:
        query = select(flags).order_by(flags.c.ts_ms, flags.c.flag_id)
        if status:
            query = query.where(flags.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def between(self, table: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Rows of ``messages`` or ``flags`` with event time in [start_ms, end_ms)."""
        t = {"messages": messages, "flags": flags}[table]
        query = select(t).where(t.c.ts_ms >= start_ms, t.c.ts_ms < end_ms).order_by(t.c.ts_ms)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def messages(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            query = select(messages).order_by(messages.c.ts_ms, messages.c.message_id)
            return [dict(r._mapping) for r in conn.execute(query)]

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (reports, Grafana) do not block the writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _flag_row(f: Flag) -> dict[str, Any]:
    return {
        "flag_id": f.flag_id, "conversation_id": f.conversation_id, "message_id": f.message_id,
        "ts_ms": f.ts_ms, "ts": _dt(f.ts_ms),
        "raised_at": datetime.fromisoformat(f.raised_at.replace("Z", "+00:00")),
        "kind": f.kind, "severity": f.severity,
        "anger": f.scores["anger"], "urgency": f.scores["urgency"],
        "conversation_risk": f.scores["conversation_risk"],
        "reasons": [{"code": r.code, "detail": r.detail} for r in f.reasons],
        "complaint_type": f.complaint_type, "customer_types": list(f.customer_types),
        "suggestion": f.suggestion, "playbook_ref": f.playbook_ref, "excerpt": f.excerpt,
        "channel": f.channel, "queue": f.queue, "agent_id": f.agent_id, "status": "open",
        "changed_ms": now_ms(),
    }


def now_ms() -> int:
    return int(time.time() * 1000)


def _transition_stmt(t: Transition) -> Any:
    """The monitor's own move of a flag. Kept in its own columns, whatever a person did
    with the flag meanwhile (the console shows both); ``status`` combines them."""
    stmt = update(flags).where(flags.c.flag_id == t.flag_id, flags.c.resolved_ts_ms.is_(None))
    if t.status == "acknowledged":
        return (stmt.where(flags.c.acknowledged_ts_ms.is_(None))
                .values(status=case((flags.c.status == "open", "acknowledged"), else_=flags.c.status),
                        acknowledged_ts_ms=t.ts_ms, status_reason=t.reason, changed_ms=now_ms()))
    return stmt.values(status="resolved", resolved_ts_ms=t.ts_ms, status_reason=t.reason,
                       changed_ms=now_ms())
