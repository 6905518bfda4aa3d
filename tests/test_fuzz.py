"""Whatever the bytes, every record ends up processed or dead-lettered with a reason:
the parser never raises anything but ``InvalidMessage``, and the whole pipeline — steps,
the files, the store, the dead letters — never stops on a record (no poison pill).
A fixed budget here; ``python tests/fuzz_long.py --examples N`` runs longer."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fuzzing import records
from helpers import run_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kafka import stop  # at import: importing a test module inside @given trips a health check

from monitor.records.errors import InvalidMessage
from monitor.records.events import RawRecord
from monitor.steps.parse import REASONS, parse_record

# The suite's fixed budget; tests/fuzz_long.py raises it through $FUZZ_EXAMPLES.
BUDGET = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FAST = settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=max(25, BUDGET // 12), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(value=st.one_of(st.none(), records))
def test_parser_gives_an_event_or_a_reason(value: bytes | None) -> None:
    try:
        event = parse_record(RawRecord(value, "fuzz", 1))
    except InvalidMessage as exc:
        assert exc.reason in REASONS and exc.detail
    else:
        assert 1 <= len(event.conversation_id) <= 128 and event.role in ("customer", "agent", "system")
        assert "\x00" not in event.text and len(event.text) <= 16_384


@SLOW
@given(lines=st.lists(records, min_size=1, max_size=25))
def test_the_whole_run_accounts_for_every_record(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        # One record per line: a record's own newlines would make more lines.
        lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
        path.write_bytes(b"\n".join(lines) + b"\n")
        dead, scores = Path(tmp) / "dead.jsonl", Path(tmp) / "scores.jsonl"
        stats = run_file(path, batch_size=4, flags_out=str(Path(tmp) / "flags.jsonl"),
                         scores_out=str(scores), dead_letter_out=str(dead),
                         store_url=str(Path(tmp) / "store.db"))
        nonblank = sum(1 for line in lines if line.strip())
        dead_rows = [json.loads(x) for x in dead.read_text(encoding="utf-8").splitlines()]
        assert len(scores.read_text(encoding="utf-8").splitlines()) == stats.messages
        assert stats.messages + len(dead_rows) + stats.duplicates == nonblank
        assert all(d["reason"] in REASONS for d in dead_rows)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), records), min_size=20, max_size=60))
def test_kafka_commits_past_every_record(values: list[bytes | None], tmp_path: Path) -> None:
    """The same on a real broker: a monitor process reads hostile records, dead-letters
    what it cannot process, and its committed offsets reach the end of the topic."""
    import uuid

    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka_helpers import Broker, start_monitor

    broker = Broker()
    topic, group = f"fuzz-{uuid.uuid4().hex[:6]}", "g-fuzz"
    try:
        for name, parts in ((topic, 2), ("flags", 1), ("dead", 1)):
            broker.create_topic(name, parts)
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        for i, value in enumerate(values):
            producer.send(topic, key=str(i % 3).encode(), value=value)
        producer.flush()
        producer.close()
        store = str(tmp_path / f"{topic}.db")
        monitor = start_monitor(broker, topic, group, store, tmp_path, topic)
        watcher = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group,
                                enable_auto_commit=False)
        tps = [TopicPartition(topic, p) for p in range(2)]
        try:
            import time

            deadline = time.monotonic() + 90
            while sum(watcher.committed(tp) or 0 for tp in tps) < len(values):
                assert monitor.poll() is None, (tmp_path / f"{topic}.log").read_text()
                assert time.monotonic() < deadline, "offsets did not reach the end"
                time.sleep(0.3)
        finally:
            watcher.close()
            assert stop(monitor) == 0, (tmp_path / f"{topic}.log").read_text()
        dead = broker.read_all("dead", settle_s=1.0)
        from monitor.io.store import Store

        s = Store(store)
        try:
            stored = len(s.messages())
        finally:
            s.close()
        assert all(d["reason"] in REASONS for d in dead)
        assert stored + len(dead) <= len(values)  # duplicates are neither
        assert len(dead) >= sum(1 for v in values if v is None or not v.strip())
    finally:
        broker.close()
