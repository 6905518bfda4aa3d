"""The Kafka path against a real Kafka-protocol broker (tansu), monitors as real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_http
from helpers import run_file, shipped_models
from kafka_helpers import Broker, free_port, start_monitor
from test_batching import store_rows

from monitor.io.store import Store

TOPIC = "messages"


@pytest.fixture
def broker() -> Iterator[Broker]:
    b = Broker()
    b.create_topic(TOPIC, 3)
    b.create_topic("flags", 3)
    b.create_topic("dead", 1)
    try:
        yield b
    finally:
        b.close()


T0 = 1_794_790_800_000  # 2026-11-16 01:00 UTC, where the sample stream starts
LONG = 6


def stream(sample_path: Path, copies: int) -> list[bytes]:
    """The sample stream, ``copies`` times with fresh conversation ids (each copy a day
    later), plus ``LONG`` conversations that run through all copies: their flags depend on
    their whole history, so a restart that did not rebuild state would raise them anew."""
    lines = sample_path.read_bytes().splitlines()
    out: list[bytes] = []
    for n in range(copies):
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            if isinstance(obj, dict) and isinstance(obj.get("conversation_id"), str):
                obj["conversation_id"] = f"{obj['conversation_id']}-{n}"
                if isinstance(obj.get("ts"), int):
                    obj["ts"] += n * 86_400_000
                elif isinstance(obj.get("ts"), str) and obj["ts"][:4].isdigit():
                    day = int(obj["ts"][8:10]) + n
                    obj["ts"] = f"{obj['ts'][:8]}{day:02d}{obj['ts'][10:]}" if day <= 28 else obj["ts"]
            out.append(json.dumps(obj, ensure_ascii=False).encode())
        for k in range(LONG):
            at = T0 + n * 86_400_000 + 20 * 3_600_000 + k * 1000
            for i, (role, text) in enumerate([
                    ("customer", f"这是第{n + 1}次找你们了，还是没解决，太过分了！！！"),
                    ("agent", "非常抱歉给您带来不便，我们正在加急处理")]):
                out.append(json.dumps({"conversation_id": f"long-{k}", "message_id": f"{n}-{i}",
                                       "ts": at + i * 30_000, "role": role, "text": text},
                                      ensure_ascii=False).encode())
    return out


def split(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The stream cut in two halves at a copy boundary (a copy ends with the long turns)."""
    ends = [i for i, line in enumerate(lines) if b'"long-%d"' % (LONG - 1) in line]
    cut = ends[len(ends) // 2 - 1] + 1
    return lines[:cut], lines[cut:]


def file_replay(lines: list[bytes], tmp: Path) -> dict[str, dict[str, Any]]:
    """The flags the file replay of the same events gives, by flag_id."""
    path, flags = tmp / "replay-in.jsonl", tmp / "replay-flags.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    flags.unlink(missing_ok=True)
    # The same models as the monitor processes use (the repository's).
    run_file(path, shipped_models(), flags_out=str(flags), store_url=None)
    rows = [json.loads(x) for x in flags.read_text(encoding="utf-8").splitlines()]
    return {f["flag_id"]: f for f in rows}


def valid_events(lines: list[bytes], tmp: Path) -> int:
    path, scores = tmp / "count-in.jsonl", tmp / "count-scores.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    scores.unlink(missing_ok=True)  # the scores file is appended to
    run_file(path, flags_out=None, scores_out=str(scores), store_url=None)
    return len(scores.read_text(encoding="utf-8").splitlines())


def wait_for_messages(store_url: str, n: int, procs: list[subprocess.Popen[bytes]],
                      timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    got = 0
    while time.monotonic() < deadline:
        for p in procs:
            assert p.poll() is None, f"monitor exited with {p.returncode}"
        store = Store(store_url)
        try:
            got = len(store.messages())
        finally:
            store.close()
        if got >= n:
            return
        time.sleep(0.5)
    raise AssertionError(f"store has {got} of {n} messages after {timeout_s:g} s")


def wait_for_flags(store_url: str, expected: dict[str, dict[str, Any]],
                   procs: list[subprocess.Popen[bytes]], timeout_s: float = 30) -> None:
    """Reply-timer flags of the last conversations come on the monitor's next idle turn."""
    deadline = time.monotonic() + timeout_s
    got: set[str] = set()
    while time.monotonic() < deadline:
        got = {r["flag_id"] for r in store_flags(store_url)}
        if got >= set(expected):
            return
        for p in procs:
            assert p.poll() is None, f"monitor exited with {p.returncode}"
        time.sleep(0.3)
    missing = [expected[f] for f in set(expected) - got]
    raise AssertionError(
        f"missing flags: {[(f['conversation_id'], f['kind'], f['reasons']) for f in missing]}")


def count_messages(store_url: str) -> int:
    store = Store(store_url)
    try:
        return len(store.messages())
    finally:
        store.close()


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def store_flags(url: str) -> list[dict[str, Any]]:
    store = Store(url)
    try:
        return store.flags()
    finally:
        store.close()


def check_flags_topic(broker: Broker, expected: dict[str, dict[str, Any]]) -> None:
    """Every expected flag is on the topic; a flag_id seen twice is the same record."""
    on_topic = broker.read_all("flags")
    assert {f["flag_id"] for f in on_topic} == set(expected)
    for f in on_topic:
        want = {k: v for k, v in expected[f["flag_id"]].items() if k != "raised_at"}
        assert {k: v for k, v in f.items() if k != "raised_at"} == want


def test_topic_gives_the_flags_of_the_file_replay_and_dead_letters(
        broker: Broker, sample_path: Path, tmp_path: Path) -> None:
    lines = stream(sample_path, 1)
    expected = file_replay(lines, tmp_path)
    broker.produce(TOPIC, lines)
    store = str(tmp_path / "store.db")
    proc = start_monitor(broker, TOPIC, "g1", store, tmp_path, "m1")
    try:
        wait_for_messages(store, valid_events(lines, tmp_path), [proc])
        wait_for_flags(store, expected, [proc])
    finally:
        assert stop(proc) == 0, (tmp_path / "m1.log").read_text()
    check_flags_topic(broker, expected)
    assert {f["flag_id"] for f in store_flags(store)} == set(expected)
    dead = broker.read_all("dead")
    assert len(dead) == 7
    assert all(d["reason"] and d["raw"] and "partition" in d and "offset" in d for d in dead)


def wait_for_some(store_url: str, n: int, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    wait_for_messages(store_url, n, [proc], timeout_s)


def check_store(url: str, expected: dict[str, dict[str, Any]]) -> None:
    rows = store_flags(url)
    counts = Counter(r["flag_id"] for r in rows)
    assert max(counts.values()) == 1  # each flag_id once
    assert set(counts) == set(expected)


def test_kill_9_mid_stream_then_restart_loses_and_duplicates_nothing(
        broker: Broker, sample_path: Path, tmp_path: Path) -> None:
    lines = stream(sample_path, 12)
    first, rest = split(lines)
    expected = file_replay(lines, tmp_path)
    # The same stream from a file into a store: Kafka, cut by polls, a kill -9 and a
    # rebuild, must leave the very same rows (flags, their lifecycle, every message).
    replay_store = tmp_path / "replay.db"
    (tmp_path / "all.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    run_file(tmp_path / "all.jsonl", shipped_models(), flags_out=None, store_url=str(replay_store))
    total = valid_events(lines, tmp_path)
    broker.produce(TOPIC, first)
    store = str(tmp_path / "store.db")
    monitor = start_monitor(broker, TOPIC, "g1", store, tmp_path, "first")
    wait_for_messages(store, valid_events(first, tmp_path), [monitor])
    feed = threading.Thread(target=broker.produce, args=(TOPIC, rest, 300.0))  # still arriving
    feed.start()
    time.sleep(0.7)
    monitor.kill()  # kill -9 in the middle of it: no flush, no commit, no leaving the group
    monitor.wait()
    assert count_messages(store) < total
    feed.join(timeout=120)
    second = start_monitor(broker, TOPIC, "g1", store, tmp_path, "second")
    try:
        wait_for_messages(store, total, [second])
        wait_for_flags(store, expected, [second])
    finally:
        assert stop(second) == 0, (tmp_path / "second.log").read_text()
    check_store(store, expected)
    check_flags_topic(broker, expected)
    assert store_rows(store) == store_rows(str(replay_store))


@pytest.mark.postgres
def test_two_instances_one_stopped_mid_stream(broker: Broker, sample_path: Path, tmp_path: Path,
                                              postgres_url: str) -> None:
    lines = stream(sample_path, 12)
    first, rest = split(lines)
    expected = file_replay(lines, tmp_path)
    broker.produce(TOPIC, first)
    a = start_monitor(broker, TOPIC, "g2", postgres_url, tmp_path, "a")
    b = start_monitor(broker, TOPIC, "g2", postgres_url, tmp_path, "b")
    try:
        wait_for_messages(postgres_url, valid_events(first, tmp_path), [a, b])
        assert stop(a) == 0, (tmp_path / "a.log").read_text()  # leaves the group cleanly
        broker.produce(TOPIC, rest)  # the stream goes on: b takes over a's partitions
        wait_for_messages(postgres_url, valid_events(lines, tmp_path), [b])
        wait_for_flags(postgres_url, expected, [b])
    finally:
        for p in (a, b):
            if p.poll() is None:
                assert stop(p) == 0, (tmp_path / "b.log").read_text()
    check_store(postgres_url, expected)
    check_flags_topic(broker, expected)


def test_broker_outage_mid_stream(broker: Broker, sample_path: Path, tmp_path: Path) -> None:
    lines = stream(sample_path, 12)
    first, rest = split(lines)
    expected = file_replay(lines, tmp_path)
    broker.produce(TOPIC, first)
    store = str(tmp_path / "store.db")
    proc = start_monitor(broker, TOPIC, "g3", store, tmp_path, "m")
    try:
        wait_for_messages(store, valid_events(first, tmp_path), [proc])
        # The rest arrives slowly; the broker stops answering (SIGSTOP) in the middle of it.
        feed = threading.Thread(target=broker.produce, args=(TOPIC, rest, 300.0))
        feed.start()
        time.sleep(1.0)
        broker.pause()
        time.sleep(8)
        assert proc.poll() is None  # the monitor waits, it does not die
        broker.resume()
        feed.join(timeout=120)
        wait_for_messages(store, valid_events(lines, tmp_path), [proc])
        wait_for_flags(store, expected, [proc])
    finally:
        assert stop(proc) == 0, (tmp_path / "m.log").read_text()
    check_store(store, expected)
    check_flags_topic(broker, expected)


def committed_total(broker: Broker, group: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group,
                             enable_auto_commit=False)
    try:
        return sum(consumer.committed(TopicPartition(TOPIC, p)) or 0 for p in range(3))
    finally:
        consumer.close()


@pytest.mark.postgres
def test_failing_store_stops_loudly_and_commits_nothing_unwritten(
        broker: Broker, sample_path: Path, tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    lines = stream(sample_path, 12)
    first, rest = split(lines)
    expected = file_replay(lines, tmp_path)
    total = valid_events(lines, tmp_path)
    broker.produce(TOPIC, first)
    port = free_port()
    proc = start_monitor(broker, TOPIC, "g4", postgres_url, tmp_path, "m", "--metrics-port",
                         str(port))
    wait_http(f"http://127.0.0.1:{port}/readyz")  # assigned and rebuilt
    deadline = time.monotonic() + 30
    while True:  # the lag gauge appears with the first written batch
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as resp:
            if b"monitor_consumer_lag_messages{" in resp.read():
                break
        assert time.monotonic() < deadline, "no consumer lag metric"
        time.sleep(0.3)
    wait_for_some(postgres_url, valid_events(first, tmp_path), proc)
    name = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")  # the store goes away mid-stream
    broker.produce(TOPIC, rest, 300.0)  # and the stream goes on
    assert proc.wait(timeout=60) != 0  # loudly: a traceback and a non-zero exit
    assert "Traceback" in (tmp_path / "m.log").read_text()
    written = committed_total(broker, "g4")
    assert written < len(lines)  # nothing committed past what the store took
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    again = start_monitor(broker, TOPIC, "g4", postgres_url, tmp_path, "again")
    try:
        deadline = time.monotonic() + 120
        while committed_total(broker, "g4") < len(lines) and time.monotonic() < deadline:
            assert again.poll() is None
            time.sleep(0.5)
        assert committed_total(broker, "g4") == len(lines)
        while time.monotonic() < deadline and not (
                {f["flag_id"] for f in broker.read_all("flags", settle_s=0.5)} >= set(expected)):
            time.sleep(0.3)  # the last reply-timer flags come on an idle turn
    finally:
        assert stop(again) == 0, (tmp_path / "again.log").read_text()
    # The restart went on from the last commit: the new store has the rest, and the flags
    # topic has every flag of the stream, duplicates only as identical redeliveries.
    assert {r["flag_id"] for r in store_flags(postgres_url)} <= set(expected)
    assert count_messages(postgres_url) >= total - written
    check_flags_topic(broker, expected)
