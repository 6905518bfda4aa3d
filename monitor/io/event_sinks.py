"""Where the ingest service writes contract events: the message topic or a JSON Lines file.

``write`` returns only once every event is durable — acknowledged by all in-sync
replicas (``acks=all``, idempotent producer) or written and fsync'd — and raises
``Backpressure`` while the sink cannot take them (the service answers 503 with
``Retry-After``, and the platform retries). Events are keyed by ``conversation_id``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson
from kafka import KafkaProducer
from kafka.errors import KafkaError

from monitor.io.dead_letters import mask_raw
from monitor.records.errors import Backpressure, UsageError

Event = tuple[str, bytes]  # (conversation_id, the event as JSON)


class EventSink(Protocol):
    def write(self, events: Sequence[Event]) -> None: ...
    def ready(self) -> bool: ...
    def close(self) -> None: ...


class KafkaEvents:
    """The message topic. A send that is not acknowledged within ``timeout_s`` is
    backpressure: the request gets 503 and nothing is claimed written."""

    def __init__(self, bootstrap: str, topic: str, timeout_s: float = 10.0, **options: Any) -> None:
        self.topic, self.timeout_s = topic, timeout_s
        try:
            self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                           linger_ms=2, max_block_ms=int(timeout_s * 1000),
                                           request_timeout_ms=int(timeout_s * 1000), **options)
        except KafkaError as exc:
            raise UsageError(f"cannot connect the Kafka producer to {bootstrap}: {exc}") from None

    def write(self, events: Sequence[Event]) -> None:
        try:
            futures = [self._producer.send(self.topic, key=key.encode(), value=value)
                       for key, value in events]
            self._producer.flush(timeout=self.timeout_s)
            for future in futures:
                future.get(timeout=0)
        except KafkaError:
            raise Backpressure(self.topic, 5.0) from None

    def ready(self) -> bool:
        try:
            return bool(self._producer.partitions_for(self.topic))
        except KafkaError:
            return False

    def close(self) -> None:
        self._producer.close(timeout=self.timeout_s)


class FileEvents:
    """A JSON Lines file that ``support-monitor run --input PATH`` follows. One writer
    at a time (a lock); every write is flushed and fsync'd before it returns."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._fh = self.path.open("ab")
        except OSError as exc:
            raise UsageError(f"cannot open {path} for appending: {exc.strerror}") from None

    def write(self, events: Sequence[Event]) -> None:
        data = b"".join(value + b"\n" for _, value in events)
        with self._lock:
            try:
                self._fh.write(data)
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError:
                raise Backpressure(str(self.path), 5.0) from None

    def ready(self) -> bool:
        return not self._fh.closed and os.access(self.path, os.W_OK)

    def close(self) -> None:
        with self._lock:
            self._fh.close()


class DeadLetterFile:
    """Payloads that were authentic but could not be mapped: masked, with the reason."""

    def __init__(self, path: str) -> None:
        self._sink = FileEvents(path)

    def write(self, platform: str, reason: str, detail: str, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        line = orjson.dumps({"source": f"ingest:{platform}", "reason": reason, "detail": detail,
                             "raw": mask_raw(text), "raw_masked": True})
        self._sink.write([("", line)])

    def close(self) -> None:
        self._sink.close()
