from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from monitor.records.errors import InvalidMessage
from monitor.records.events import RawRecord
from monitor.steps.parse import REASONS, parse_record


def rec(obj: object) -> RawRecord:
    return RawRecord(json.dumps(obj, ensure_ascii=False).encode(), "test", 1)


GOOD = {"conversation_id": "c1", "message_id": "m1", "ts": "2026-11-16T09:00:00+08:00",
        "role": "customer", "text": "你好"}


def test_valid_event_with_rfc3339_offset() -> None:
    event = parse_record(rec(GOOD))
    expected = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # 09:00 at +08:00
    assert event.ts_ms == int(expected.timestamp() * 1000)
    assert (event.role, event.channel, event.text) == ("customer", "chat", "你好")


def test_epoch_ms_and_optional_fields_and_extras_kept() -> None:
    event = parse_record(rec({**GOOD, "ts": 1763254800123, "channel": "Phone", "queue": "售后",
                              "agent_id": "a1", "customer_id": "u1", "crm": {"x": 1}}))
    assert event.ts_ms == 1763254800123
    assert event.channel == "phone" and event.queue == "售后" and event.agent_id == "a1"
    assert event.extra == {"crm": {"x": 1}}


def test_system_message_may_have_empty_text() -> None:
    assert parse_record(rec({**GOOD, "role": "system", "text": ""})).text == ""


@pytest.mark.parametrize(("raw", "reason"), [
    (b"\xff\xfe{", "invalid_encoding"),
    (b'{"conversation_id": "c1"', "invalid_json"),
    (b"[1, 2]", "not_an_object"),
    (b'"text"', "not_an_object"),
])
def test_undecodable_records(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidMessage) as exc:
        parse_record(RawRecord(raw, "test", 7))
    assert exc.value.reason == reason


@pytest.mark.parametrize(("change", "reason"), [
    ({"conversation_id": None}, "missing_field"),
    ({"message_id": None}, "missing_field"),
    ({"ts": None}, "missing_field"),
    ({"role": None}, "missing_field"),
    ({"text": None}, "missing_field"),
    ({"conversation_id": 42}, "wrong_type"),
    ({"text": ["a"]}, "wrong_type"),
    ({"ts": 1.5}, "wrong_type"),
    ({"ts": True}, "wrong_type"),
    ({"agent_id": 7}, "wrong_type"),
    ({"channel": 1}, "wrong_type"),
    ({"conversation_id": ""}, "invalid_id"),
    ({"message_id": "x" * 129}, "invalid_id"),
    ({"ts": "yesterday"}, "invalid_timestamp"),
    ({"ts": "2026-11-16T09:00:00"}, "invalid_timestamp"),  # no offset
    ({"ts": -5}, "invalid_timestamp"),
    ({"role": "bot"}, "invalid_role"),
    ({"text": "   "}, "empty_text"),
])
def test_invalid_fields(change: dict[str, object], reason: str) -> None:
    obj = {**GOOD, **change}
    obj = {k: v for k, v in obj.items() if v is not None}
    with pytest.raises(InvalidMessage) as exc:
        parse_record(rec(obj))
    assert exc.value.reason == reason
    assert exc.value.reason in REASONS
    assert exc.value.detail


def test_id_of_exactly_128_chars_is_accepted() -> None:
    assert len(parse_record(rec({**GOOD, "message_id": "m" * 128})).message_id) == 128


@pytest.mark.parametrize(("text", "kept"), [
    ("叫你们经理来\x1b[2J\x1b]0;PWNED\x07", "叫你们经理来\ufffd[2J\ufffd]0;PWNED\ufffd"),
    ("太过分了\u202e了分过太", "太过分了\ufffd了分过太"),
    ("第一行\r\n第二行\r第三行\t完", "第一行\n第二行\n第三行\t完"),
    ("a\x00b\x85c\x7fd", "a\ufffdb\ufffdc\ufffdd"),
    ("普通的一句话，没有控制字符。", "普通的一句话，没有控制字符。"),
])
def test_a_text_keeps_no_character_a_screen_would_act_on(text: str, kept: str) -> None:
    assert parse_record(rec({**GOOD, "text": text})).text == kept
