"""The store's tables and their migrations.

A new store gets every table at the current ``SCHEMA_VERSION``; an older one is brought
up to it at start-up, one numbered migration after the other, in one transaction that
holds the schema row locked (several instances may start at once on one PostgreSQL
database). A store newer than this code is refused: downgrading is never silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from monitor.records.errors import UsageError

metadata = MetaData()

messages = Table(
    "messages", metadata,
    Column("conversation_id", String(128), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("role", String(16), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("queue", String(128)),
    Column("agent_id", String(128)),
    Column("text_masked", Text, nullable=False),
    Column("anger", Float),
    Column("urgency", Float),
    Column("conversation_risk", Float),
    Column("complaint_type", String(32)),
    Column("signals", JSON, nullable=False),
    Column("truncated", Boolean, nullable=False, server_default="0"),  # v2
    Index("ix_messages_ts", "ts_ms"),
)

flags = Table(
    "flags", metadata,
    Column("flag_id", String(36), primary_key=True),
    Column("conversation_id", String(128), nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("anger", Float, nullable=False),
    Column("urgency", Float, nullable=False),
    Column("conversation_risk", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("complaint_type", String(32)),
    Column("customer_types", JSON, nullable=False),
    Column("suggestion", Text, nullable=False),
    Column("playbook_ref", String(200), nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("queue", String(128)),
    Column("agent_id", String(128)),
    # The status of CONTRACT §5: what the monitor and the people did, together.
    Column("status", String(16), nullable=False),
    # What the monitor did (event time): the agent acknowledged the emotion; the
    # conversation calmed, expired, or a more severe flag superseded this one.
    Column("acknowledged_ts_ms", BigInteger),
    Column("resolved_ts_ms", BigInteger),
    Column("status_reason", String(64)),
    # What people did (wall clock, v3): took it, resolved it, gave a verdict.
    Column("taken_by", String(128)),
    Column("taken_at_ms", BigInteger),
    Column("resolved_by", String(128)),
    Column("resolved_at_ms", BigInteger),
    Column("resolution_note", Text),
    Column("verdict", String(16)),  # confirmed | false_alarm
    Column("verdict_reason", String(32)),
    Column("verdict_note", Text),
    Column("verdict_by", String(128)),
    Column("verdict_at_ms", BigInteger),
    # When the row last changed (writer's wall clock, ms): the console's live updates.
    Column("changed_ms", BigInteger, nullable=False, server_default="0"),
    Index("ix_flags_ts", "ts_ms"),
    Index("ix_flags_status", "status"),
    Index("ix_flags_conversation", "conversation_id"),
    Index("ix_flags_changed", "changed_ms"),
)

# Every action of a person, kept (CONTRACT §5: who, when, what, from which client).
flag_actions = Table(
    "flag_actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("client", String(200), nullable=False),
    Column("action", String(16), nullable=False),  # ack | resolve | verdict | missed
    Column("outcome", String(16), nullable=False),  # done | unchanged | refused
    Column("flag_id", String(36)),
    Column("conversation_id", String(128)),
    Column("message_id", String(128)),
    Column("details", JSON, nullable=False),
    Index("ix_flag_actions_flag", "flag_id"),
)

# A customer message that should have raised a kind and did not.
missed_reports = Table(
    "missed_reports", metadata,
    Column("conversation_id", String(128), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("reported_by", String(128), nullable=False),
    Column("reported_at_ms", BigInteger, nullable=False),
    Column("note", Text),
)

schema_info = Table(
    "schema_info", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)
SCHEMA_VERSION = 3


def _v2(conn: Connection) -> None:
    """messages.truncated: the text was cut at the text limit."""
    default = "false" if conn.dialect.name == "postgresql" else "0"
    conn.execute(text(f"ALTER TABLE messages ADD COLUMN truncated BOOLEAN NOT NULL DEFAULT {default}"))


def _v3(conn: Connection) -> None:
    """What people did with a flag (the console), and when a row last changed."""
    for name, kind in (("taken_by", "VARCHAR(128)"), ("taken_at_ms", "BIGINT"),
                       ("resolved_by", "VARCHAR(128)"), ("resolved_at_ms", "BIGINT"),
                       ("resolution_note", "TEXT"), ("verdict", "VARCHAR(16)"),
                       ("verdict_reason", "VARCHAR(32)"), ("verdict_note", "TEXT"),
                       ("verdict_by", "VARCHAR(128)"), ("verdict_at_ms", "BIGINT"),
                       ("changed_ms", "BIGINT NOT NULL DEFAULT 0")):
        conn.execute(text(f"ALTER TABLE flags ADD COLUMN {name} {kind}"))
    conn.execute(text("CREATE INDEX ix_flags_changed ON flags (changed_ms)"))


# version -> what brings a store of version - 1 up to it (only ALTERs of tables that
# existed before: new tables come from ``create_all``).
MIGRATIONS: dict[int, Callable[[Connection], None]] = {2: _v2, 3: _v3}


def create_or_upgrade(engine: Engine) -> int:
    """Create what is missing and migrate an older store; return the version before."""
    # Several instances may start at once on one database: when another one creates a
    # table between our check and our CREATE, look again (then it exists).
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return _upgrade(engine)
        except (OperationalError, IntegrityError, ProgrammingError) as exc:
            raced = any(s in str(exc.orig) for s in ("already exists", "duplicate key",
                                                      "duplicate column"))
            if not raced or attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _upgrade(engine: Engine) -> int:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE schema_info IN EXCLUSIVE MODE"))
        row = conn.execute(select(schema_info.c.version)).first()
        if row is None:  # a new store: create_all made every table at this version
            conn.execute(schema_info.insert().values(id=1, version=SCHEMA_VERSION))
            return SCHEMA_VERSION
        version = int(row.version)
        if version > SCHEMA_VERSION:
            raise UsageError(f"store schema version {version} is newer than this version of "
                             f"support-monitor reads ({SCHEMA_VERSION}): upgrade support-monitor")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
        if version < SCHEMA_VERSION:
            conn.execute(update(schema_info).values(version=SCHEMA_VERSION))
        return version
