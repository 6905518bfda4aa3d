"""The typed records that flow between pipeline steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Role = Literal["customer", "agent", "system"]
ROLES: frozenset[str] = frozenset({"customer", "agent", "system"})
CHANNELS: frozenset[str] = frozenset({"chat", "email", "app", "social", "phone"})


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One undecoded input record and where it came from (for dead letters and commits)."""

    value: bytes | str | None  # None: a Kafka tombstone
    source: str
    position: int
    position_kind: Literal["line", "offset"] = "line"
    partition: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One validated chat message event (CONTRACT §1).

    ``text`` is as received (excerpts are cut from it, masked), cut at the text limit
    when ``truncated``; ``norm_text`` is filled by the normalise step and is what scorers
    read; ``record`` is where it came from (for a dead letter after parsing).
    """

    conversation_id: str
    message_id: str
    ts_ms: int
    role: Role
    text: str
    channel: str = "chat"
    agent_id: str | None = None
    customer_id: str | None = None
    queue: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    norm_text: str = ""
    truncated: bool = False
    record: RawRecord | None = None

    @property
    def channel_label(self) -> str:
        """The channel as a bounded value, safe for metric labels."""
        return self.channel if self.channel in CHANNELS else "other"


def format_ts(ts_ms: int) -> str:
    """Event time as RFC 3339 in UTC with milliseconds."""
    return (
        datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
