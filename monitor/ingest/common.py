"""What every adapter shares: the answers it can give, signature checks, the event it makes.

An adapter turns one verified webhook into contract events (CONTRACT §1) with
``conversation_id`` ``PLATFORM:ID`` and ``message_id`` ``PLATFORM:ID``, so a platform's
redelivery of a message is the same event and the monitor processes it once.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

ROLES = frozenset({"customer", "agent", "system"})


class Unauthorized(Exception):
    """A missing or bad signature or token, or a timestamp outside the window: 401."""


class Unmappable(Exception):
    """Authentic, but not something the monitor can read: 400 and a dead letter.
    ``reason`` is a short code (a metric label), ``detail`` plain words without any of
    the payload's content."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True, slots=True)
class Request:
    """What an adapter sees of an HTTP request: the raw body (signatures are over the
    raw bytes), lower-cased headers, the query string, the time it arrived."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]
    now_s: float


def hmac_hex(secret: str, message: bytes, digest: str) -> str:
    return hmac.new(secret.encode(), message, getattr(hashlib, digest)).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison (a timing difference must not reveal the secret)."""
    return hmac.compare_digest(a.encode(), b.encode())


def check_window(ts_s: float, now_s: float, window_s: float) -> None:
    if abs(now_s - ts_s) > window_s:
        raise Unauthorized("timestamp outside the window")


def json_body(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Unmappable("not_json", "the body is not JSON") from None


def epoch_s(value: Any) -> float:
    """Unix seconds (or milliseconds) or an ISO 8601 string, as platforms send times."""
    if isinstance(value, bool):
        raise Unmappable("bad_time", "a time is not a number or a date")
    if isinstance(value, int | float):
        return value / 1000 if value > 100_000_000_000 else float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise Unmappable("bad_time", "a time is not a number or a date") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    raise Unmappable("bad_time", "a time is missing")


def text_of_html(value: str) -> str:
    """A message body some platforms send as HTML (<p>…</p>) as plain text."""
    return html.unescape(re.sub(r"<[^>]+>", " ", value)).strip()


def event(platform: str, conversation: Any, message: Any, ts_s: float, role: str, text: str,
          channel: str = "chat", agent: Any = None, queue: str | None = None) -> dict[str, Any]:
    if conversation in (None, "") or message in (None, ""):
        raise Unmappable("missing_id", "a conversation or message id is missing")
    if role not in ROLES:
        raise Unmappable("bad_role", "the author is neither customer, agent nor system")
    out: dict[str, Any] = {"conversation_id": f"{platform}:{conversation}"[:128],
                           "message_id": f"{platform}:{message}"[:128], "ts": int(ts_s * 1000),
                           "role": role, "text": text, "channel": channel}
    if agent not in (None, "") and role == "agent":
        out["agent_id"] = f"{platform}:{agent}"[:128]
    if queue:
        out["queue"] = queue[:128]
    return out


def now_s() -> float:
    return time.time()
