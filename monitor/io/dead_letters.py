"""How a dead letter is written: with its raw record masked (PLAYBOOK §5: a dead letter
is read by people fixing the producer), or verbatim for a replay (``--dead-letter-raw``)."""

from __future__ import annotations

from typing import Any

import orjson

from monitor.privacy import mask
from monitor.records.results import DeadLetter


def dead_letter_json(dead: DeadLetter, keep_raw: bool) -> dict[str, object]:
    out = dead.to_json()
    if keep_raw or (out.get("raw") is None and "raw_base64" not in out):
        return out
    raw = dead.record.value
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    out.pop("raw_base64", None)
    out["raw"] = mask_raw(text)
    out["raw_masked"] = True
    return out


def mask_raw(text: str) -> str:
    """The record with personal data masked. A JSON record is masked value by value (a
    value escaped as ``\\u0031\\u0033…`` is masked too) and written back as JSON; anything
    else is masked as text."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return mask(text)
    masked = _mask_values(obj)
    # Nothing personal in it: the record stays byte for byte as it came, ready to replay.
    return text if masked == obj else orjson.dumps(masked).decode("utf-8")


def _mask_values(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask(str(k)): _mask_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_values(v) for v in value]
    return value  # numbers, booleans, null: a number is masked where it is a string
