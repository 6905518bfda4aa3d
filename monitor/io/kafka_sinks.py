"""Sinks on Kafka: the flags topic and the dead-letter topic (CONTRACT §2, §1).

Records are keyed by ``conversation_id`` and produced with ``acks=all`` and the
idempotent producer. ``flush`` waits for every record of the batch to be acknowledged:
a broker that is slow to answer is backpressure (the runner pauses and retries, bounded);
any other send error fails loudly, so offsets are never committed past lost outputs.
"""

from __future__ import annotations

import json
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.producer.future import FutureRecordMetadata

from monitor.io.dead_letters import dead_letter_json
from monitor.records.errors import Backpressure, UsageError
from monitor.records.results import BatchResult


def make_producer(options: dict[str, Any]) -> KafkaProducer:
    try:
        return KafkaProducer(acks="all", enable_idempotence=True, linger_ms=5,
                             max_block_ms=10_000, **options)
    except KafkaError as exc:
        raise UsageError(f"cannot connect the Kafka producer: {exc}") from None


class _TopicSink:
    FLUSH_TIMEOUT_S = 10.0

    def __init__(self, producer: KafkaProducer, topic: str) -> None:
        self._producer = producer
        self.topic = topic
        self._pending: list[FutureRecordMetadata] = []

    def _send(self, key: str, value: dict[str, Any]) -> None:

        try:
            future = self._producer.send(
                self.topic, key=key.encode(),
                value=json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
        except KafkaTimeoutError:  # the producer's buffer is full: the broker is slow
            raise Backpressure(self.topic, 1.0) from None
        self._pending.append(future)

    def flush(self) -> None:
        try:
            self._producer.flush(timeout=self.FLUSH_TIMEOUT_S)
        except KafkaTimeoutError:
            raise Backpressure(self.topic, 1.0) from None
        for future in self._pending:
            future.get(timeout=0)  # raises the send's error, if any: fail loudly
        self._pending.clear()

    def close(self) -> None:
        self.flush()


class FlagsTopic(_TopicSink):
    def write(self, batch: BatchResult) -> None:
        for flag in batch.flags:
            self._send(flag.conversation_id, flag.to_json())


class DeadLetterTopic(_TopicSink):
    """Keyed by the record's conversation when it could be read (so a dead letter lands
    beside its conversation), else by a fixed key."""

    def __init__(self, producer: KafkaProducer, topic: str, keep_raw: bool = False) -> None:
        super().__init__(producer, topic)
        self.keep_raw = keep_raw

    def write(self, batch: BatchResult) -> None:
        for dead in batch.dead_letters:
            self._send(dead.conversation_id or "invalid", dead_letter_json(dead, self.keep_raw))
