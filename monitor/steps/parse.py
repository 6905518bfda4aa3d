"""Step 1: decode and validate one raw record into an ``Event`` (CONTRACT §1).

Raises ``InvalidMessage`` with a reason code from ``REASONS``; never returns a
half-valid event, and never raises anything else, whatever the bytes (a Kafka
tombstone, a byte-order mark, 2,000 levels of nesting, a year 9999 timestamp): every
record ends up an event or a dead letter with its reason. Text normalisation is the
next step's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import orjson

from monitor.privacy import mask
from monitor.privacy.pseudonym import BUILT_IN_KEY, pseudonym
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
    # Added in 0.2 (backward compatible): see README, "Invalid input".
    "empty_record",
    "invalid_field",
    "timestamp_out_of_range",
)

MAX_ID_LEN = 128
MAX_CHANNEL_LEN = 32
_KNOWN = frozenset(
    {"conversation_id", "message_id", "ts", "role", "text", "channel", "agent_id",
     "customer_id", "queue"}
)
# Event times accepted at all: 2000-01-01 .. 2100-01-01 UTC. A seconds value read as
# milliseconds (1794790800 → 1970-01-21) or a year-9999 date is refused with its reason;
# the pipeline also refuses events far from the stream's own time (``max_skew``).
MIN_TS_MS = 946_684_800_000
MAX_TS_MS = 4_102_444_800_000
_SECONDS = range(MIN_TS_MS // 1000, MAX_TS_MS // 1000)
# C0 and C1 control characters and DEL: no id or label has a reason to hold them, and
# PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BOM = "\ufeff"
# In a text: control characters but tab and newline, and the bidirectional overrides and
# isolates. They mean nothing in a chat message, but they act on whatever shows the text:
# ESC sequences clear or retitle a supervisor's terminal, an RLO reverses what follows,
# and PostgreSQL refuses NUL. Each becomes U+FFFD (a carriage return a newline).
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """``max_text_chars``: longer texts are cut there, marked ``truncated`` and counted
    (a 5 MB message would otherwise be scored, kept and stored whole). ``id_key``: the
    key of the pseudonyms that replace identifiers holding personal data."""

    max_text_chars: int = 16_384
    id_key: bytes = field(default=BUILT_IN_KEY, repr=False)


def parse_record(record: RawRecord, limits: ParseLimits = ParseLimits()) -> Event:
    """Return the event in ``record`` or raise ``InvalidMessage``."""
    value = record.value
    if value is None or not (value.strip() if isinstance(value, str | bytes) else True):
        raise InvalidMessage("empty_record", "the record has no value (a Kafka tombstone or an "
                                             "empty line)")
    if isinstance(value, bytes) and value.startswith(b"\xef\xbb\xbf"):
        value = value[3:]  # a UTF-8 byte-order mark (some Windows producers write one)
    elif isinstance(value, str) and value.startswith(_BOM):
        value = value[1:]
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
    return _event_from(obj, record, limits)


def _event_from(obj: dict[str, Any], record: RawRecord, limits: ParseLimits) -> Event:
    # Identifiers holding personal data (a phone number as conversation id) are replaced
    # by a keyed pseudonym before anything else sees them, dead letters included.
    conversation_id = pseudonym(_id(obj, "conversation_id"), limits.id_key)
    try:
        message_id = pseudonym(_id(obj, "message_id"), limits.id_key)
        ts_ms = _timestamp(obj)
        role = _required(obj, "role", str)
        if role not in ROLES:
            raise InvalidMessage("invalid_role", f"role must be customer, agent or system, "
                                                 f"not {role[:20]!r}")
        text = _required(obj, "text", str)
        if role != "system" and not text.strip():
            raise InvalidMessage("empty_text", f"a {role} message must have text")
        channel = (_optional(obj, "channel", MAX_CHANNEL_LEN) or "chat").strip().lower() or "chat"
        agent_id = _optional(obj, "agent_id", MAX_ID_LEN)
        if agent_id is not None:
            agent_id = pseudonym(agent_id, limits.id_key)
        customer_id = _optional(obj, "customer_id", MAX_ID_LEN)
        # A queue names a team, but producers have put phone numbers in it: it reaches
        # flags, the store and reports, so it is masked like text (PLAYBOOK §5).
        queue = _optional(obj, "queue", MAX_ID_LEN)
        if queue is not None:
            queue = mask(queue)
    except InvalidMessage as exc:
        exc.conversation_id = conversation_id  # the dead letter lands beside its conversation
        raise
    truncated = len(text) > limits.max_text_chars
    if truncated:
        text = text[: limits.max_text_chars]
    if _TEXT_CONTROL.search(text):
        text = _plain(text)
    return Event(
        conversation_id=conversation_id, message_id=message_id, ts_ms=ts_ms,
        role=cast(Role, role), text=text, channel=channel, agent_id=agent_id,
        customer_id=customer_id, queue=queue,
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
        truncated=truncated, record=record,
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


def _plain(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("\ufffd", text)


def _optional(obj: dict[str, Any], name: str, max_len: int) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMessage("wrong_type", f"{name!r} must be a string, not {type(value).__name__}")
    if len(value) > max_len or _CONTROL.search(value):
        raise InvalidMessage("invalid_field", f"{name!r} must be at most {max_len} characters "
                                              "without control characters")
    return value


def _id(obj: dict[str, Any], name: str) -> str:
    value = _required(obj, name, str)
    if not 1 <= len(value) <= MAX_ID_LEN:
        raise InvalidMessage("invalid_id", f"{name!r} must be 1-{MAX_ID_LEN} characters, not {len(value)}")
    if _CONTROL.search(value):
        raise InvalidMessage("invalid_id", f"{name!r} must not contain control characters")
    return value


def _timestamp(obj: dict[str, Any]) -> int:
    if "ts" not in obj or obj["ts"] is None:
        raise InvalidMessage("missing_field", "required field 'ts' is missing")
    ts = obj["ts"]
    if isinstance(ts, bool) or not isinstance(ts, int | str):
        kind = type(ts).__name__
        raise InvalidMessage("wrong_type", f"'ts' must be an RFC 3339 string or epoch ms, not {kind}")
    if isinstance(ts, int):
        if ts < 0:
            raise InvalidMessage("invalid_timestamp", f"epoch milliseconds out of range: {ts}")
        return _in_range(ts, f"epoch milliseconds {ts}")
    try:
        parsed = datetime.fromisoformat(ts.replace("z", "Z"))
    except ValueError:
        raise InvalidMessage("invalid_timestamp", f"not an RFC 3339 timestamp: {ts[:40]!r}") from None
    if parsed.tzinfo is None:
        raise InvalidMessage("invalid_timestamp", "the timestamp has no UTC offset")
    # Whole milliseconds by arithmetic on the difference: no float rounding, and no
    # conversion to UTC that could leave years 1..9999 (9999-12-31T23:59:59-01:00).
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return _in_range((delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000,
                     f"{ts[:40]!r}")


def _in_range(ts_ms: int, shown: str) -> int:
    if MIN_TS_MS <= ts_ms < MAX_TS_MS:
        return ts_ms
    hint = " (it looks like epoch seconds: send milliseconds)" if ts_ms in _SECONDS else ""
    raise InvalidMessage("timestamp_out_of_range",
                         f"{shown} is outside 2000-01-01 .. 2100-01-01{hint}")
