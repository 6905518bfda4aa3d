"""Step 1: decode and validate one raw record into an ``Event`` (CONTRACT §1).

Raises ``InvalidMessage`` with a reason code from ``REASONS``; never returns a
half-valid event. Text normalisation is the next step's job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, cast

import orjson

from monitor.records.errors import InvalidMessage
from monitor.records.events import ROLES, Event, RawRecord, Role

# Bounded vocabulary: these become the `reason` label of support_invalid_events_total.
REASONS = (
    "invalid_encoding",
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_id",
    "invalid_timestamp",
    "invalid_role",
    "empty_text",
)

MAX_ID_LEN = 128
_KNOWN = frozenset(
    {"conversation_id", "message_id", "ts", "role", "text", "channel", "agent_id",
     "customer_id", "queue"}
)
# Epoch milliseconds accepted: 1970 .. 9999-12-31, so a seconds value is not misread silently.
_MAX_TS_MS = 253_402_300_799_999

T = TypeVar("T")


def parse_record(record: RawRecord) -> Event:
    """Return the event in ``record`` or raise ``InvalidMessage``."""
    value = record.value
    try:
        obj = orjson.loads(value)  # parses UTF-8 bytes directly, several times faster than json
    except orjson.JSONDecodeError as exc:
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise InvalidMessage("invalid_encoding", f"not UTF-8: {bad.reason}") from None
        raise InvalidMessage("invalid_json", f"not valid JSON: {str(exc).split(':')[0]}") from None
    if not isinstance(obj, dict):
        raise InvalidMessage("not_an_object", "the event must be a JSON object")
    return _event_from(obj)


def _event_from(obj: dict[str, Any]) -> Event:
    conversation_id = _id(obj, "conversation_id")
    message_id = _id(obj, "message_id")
    ts_ms = _timestamp(obj)
    role = _required(obj, "role", str)
    if role not in ROLES:
        raise InvalidMessage("invalid_role", f"role must be customer, agent or system, not {role!r}")
    text = _required(obj, "text", str)
    if role != "system" and not text.strip():
        raise InvalidMessage("empty_text", f"a {role} message must have text")
    channel = _optional(obj, "channel") or "chat"
    return Event(
        conversation_id=conversation_id,
        message_id=message_id,
        ts_ms=ts_ms,
        role=cast(Role, role),
        text=text,
        channel=channel.strip().lower() or "chat",
        agent_id=_optional(obj, "agent_id"),
        customer_id=_optional(obj, "customer_id"),
        queue=_optional(obj, "queue"),
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
    )


def _required(obj: dict[str, Any], name: str, kind: type[T]) -> T:
    if name not in obj or obj[name] is None:
        raise InvalidMessage("missing_field", f"required field {name!r} is missing")
    value = obj[name]
    if not isinstance(value, kind):
        raise InvalidMessage(
            "wrong_type", f"{name!r} must be {kind.__name__}, not {type(value).__name__}"
        )
    return value


def _optional(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMessage("wrong_type", f"{name!r} must be a string, not {type(value).__name__}")
    return value


def _id(obj: dict[str, Any], name: str) -> str:
    value = _required(obj, name, str)
    if not 1 <= len(value) <= MAX_ID_LEN:
        raise InvalidMessage("invalid_id", f"{name!r} must be 1-{MAX_ID_LEN} characters, not {len(value)}")
    return value


def _timestamp(obj: dict[str, Any]) -> int:
    if "ts" not in obj or obj["ts"] is None:
        raise InvalidMessage("missing_field", "required field 'ts' is missing")
    ts = obj["ts"]
    if isinstance(ts, bool) or not isinstance(ts, int | str):
        kind = type(ts).__name__
        raise InvalidMessage("wrong_type", f"'ts' must be an RFC 3339 string or epoch ms, not {kind}")
    if isinstance(ts, int):
        if not 0 <= ts <= _MAX_TS_MS:
            raise InvalidMessage("invalid_timestamp", f"epoch milliseconds out of range: {ts}")
        return ts
    try:
        parsed = datetime.fromisoformat(ts.replace("z", "Z"))
    except ValueError:
        raise InvalidMessage("invalid_timestamp", f"not an RFC 3339 timestamp: {ts[:40]!r}") from None
    if parsed.tzinfo is None:
        raise InvalidMessage("invalid_timestamp", "the timestamp has no UTC offset")
    return int(parsed.timestamp() * 1000)
