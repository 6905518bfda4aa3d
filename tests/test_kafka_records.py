"""Records as real producers write them: every compression codec, null keys, headers,
a byte-order mark, and poison — a tombstone, 2,000 levels of nesting, a year-9999 time,
bytes that are not UTF-8 — on a real Kafka-protocol broker. Each record ends up
processed or dead-lettered with its reason; the committed offset reaches the end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers import run_file, shipped_models
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka_helpers import Broker, start_monitor
from test_kafka import stop, store_flags, wait_for_flags, wait_for_messages

from monitor.io.store import Store

CODECS = ("gzip", "snappy", "lz4", "zstd")
TOPIC = "messages"


def conversations(sample: Path) -> list[list[bytes]]:
    by_id: dict[str, list[bytes]] = {}
    for line in sample.read_bytes().splitlines():
        try:
            obj = json.loads(line)
            cid = obj["conversation_id"] if isinstance(obj, dict) else None
        except (ValueError, KeyError):
            continue  # the sample's malformed lines: the poison below covers them
        if isinstance(cid, str):
            by_id.setdefault(cid, []).append(line)
    return list(by_id.values())


def event(cid: str, text: str, n: int = 1) -> bytes:
    return json.dumps({"conversation_id": cid, "message_id": f"m{n}", "ts": 1_794_790_800_000 + n,
                       "role": "customer", "text": text}, ensure_ascii=False).encode()


POISON = [  # (value, what the monitor makes of it)
    (None, "empty_record"),  # a tombstone
    (b"[" * 2000 + b"]" * 2000, "invalid_json"),
    (b'{"conversation_id":"p1","message_id":"m1","ts":"9999-12-31T23:59:59-01:00",'
     b'"role":"customer","text":"hi"}', "timestamp_out_of_range"),
    (b'{"conversation_id":"p2","message_id":"m1","ts":"0001-01-01T00:00:00+01:00",'
     b'"role":"customer","text":"hi"}', "timestamp_out_of_range"),
    (b'{"conversation_id":"p3","text":"\xff\xfe not utf-8"}', "invalid_encoding"),
    (b"", "empty_record"),
]


@pytest.fixture
def broker():  # type: ignore[no-untyped-def]
    b = Broker()
    b.create_topic(TOPIC, 3)
    b.create_topic("flags", 3)
    b.create_topic("dead", 1)
    try:
        yield b
    finally:
        b.close()


def test_every_codec_and_every_poison_record(broker: Broker, sample_path: Path, tmp_path: Path) -> None:
    convs = conversations(sample_path)
    produced: list[bytes] = []
    for i, codec in enumerate(CODECS):
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type=codec, acks="all")
        for conv in convs[i::len(CODECS)]:
            for line in conv:
                producer.send(TOPIC, key=json.loads(line)["conversation_id"].encode(), value=line)
                produced.append(line)
        producer.flush()
        producer.close()
    plain = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    bom = b"\xef\xbb\xbf" + event("bom", "你好，请问几点发货")
    keyless = event("nokey", "气死了！！！什么破服务")
    headed = event("headers", "叫你们经理来")
    long_text = event("long", "我要投诉" * 5000)
    for value in (bom, keyless, headed, long_text):
        produced.append(value)
    plain.send(TOPIC, key=b"bom", value=bom)
    plain.send(TOPIC, value=keyless)  # a null key
    plain.send(TOPIC, key=b"headers", value=headed, headers=[("trace", b"abc"), ("source", b"crm")])
    plain.send(TOPIC, key=b"long", value=long_text)
    for value, _ in POISON:
        plain.send(TOPIC, key=b"poison", value=value)
    plain.flush()
    plain.close()

    expected_flags_file = tmp_path / "expected.jsonl"
    expected_flags_file.write_bytes(b"\n".join(produced) + b"\n")
    flags_out, scores_out = tmp_path / "replay-flags.jsonl", tmp_path / "replay-scores.jsonl"
    dead_out = tmp_path / "replay-dead.jsonl"
    run_file(expected_flags_file, shipped_models(), flags_out=str(flags_out),
             scores_out=str(scores_out), dead_letter_out=str(dead_out), store_url=None)
    sample_dead = [json.loads(x)["reason"] for x in dead_out.read_text().splitlines()]
    processed = len(scores_out.read_text().splitlines())  # the sample's own bad lines aside
    expected = {f["flag_id"]: f for f in map(json.loads, flags_out.read_text().splitlines())}
    assert expected

    store = str(tmp_path / "store.db")
    monitor = start_monitor(broker, TOPIC, "g-records", store, tmp_path, "m")
    try:
        wait_for_messages(store, processed, [monitor])
        wait_for_flags(store, expected, [monitor])
        deadline = time.monotonic() + 30
        while (len(broker.read_all("dead", settle_s=0.5)) < len(POISON) + len(sample_dead)
               and time.monotonic() < deadline):
            time.sleep(0.3)
    finally:
        assert stop(monitor) == 0, (tmp_path / "m.log").read_text()
    assert {f["flag_id"] for f in store_flags(store)} == set(expected)
    dead = broker.read_all("dead")
    assert sorted(d["reason"] for d in dead) == sorted(sample_dead + [r for _, r in POISON])
    assert all(d.get("raw_masked") or d["raw"] is None for d in dead)
    s = Store(store)
    try:
        rows = {(r["conversation_id"], r["message_id"]): r for r in s.messages()}
    finally:
        s.close()
    assert rows[("long", "m1")]["truncated"] is True and len(rows[("long", "m1")]["text_masked"]) == 16_384
    assert {("bom", "m1"), ("nokey", "m1"), ("headers", "m1")} <= set(rows)
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="g-records",
                             enable_auto_commit=False)
    try:
        committed = sum(consumer.committed(TopicPartition(TOPIC, p)) or 0 for p in range(3))
    finally:
        consumer.close()
    assert committed == len(produced) + len(POISON)  # nothing stuck behind a poison pill
