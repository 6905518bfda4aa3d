"""The Kafka source: a consumer group member with manual commits (a ``PartitionedSource``).

- Reads batches with ``poll``; commits a batch's offsets only when the runner says its
  outputs are flushed (``commit``), never automatically.
- Reports assignments and revocations (``take_rebalance``), a partition's first and
  committed offsets, and reads any range of it with a separate, group-less reader
  (``read``); the stream processor decides what to replay and rebuilds state from it
  (``monitor/stream/rebuild.py``). This module imports no processing code.
- kafka-python calls rebalance listeners inside ``poll``, where blocking calls are not
  allowed: the listener only notes the change; the processor takes it right after
  ``poll`` returns, before the polled records are handed on.
- While a sink applies backpressure, ``idle`` pauses every partition and keeps polling,
  so the member stays in its group without reading more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError, UnsupportedCodecError
from kafka.structs import OffsetAndMetadata

from monitor.io.sources import PartitionKey, Rebalance
from monitor.records.errors import UsageError
from monitor.records.events import RawRecord

log = logging.getLogger(__name__)
# The library kafka-python reads each compression codec with (setup.cfg installs them).
_CODEC_PACKAGES = {"lz4": "lz4", "snappy": "python-snappy", "zstd": "zstandard"}


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    bootstrap: str
    topics: tuple[str, ...]
    group: str
    start: str = "earliest"  # where a group without committed offsets starts
    max_poll_interval_ms: int = 300_000
    session_timeout_ms: int = 45_000
    # How long a fetch may wait for data: short, so a live floor's messages are handed
    # on in small batches instead of piling up behind a long fetch wait.
    fetch_max_wait_ms: int = 50
    # Passed through to kafka-python as is: security_protocol, sasl_mechanism,
    # sasl_plain_username, sasl_plain_password, ssl_cafile, ssl_certfile, ssl_keyfile, …
    options: Mapping[str, Any] = field(default_factory=dict)

    def client_options(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap.split(","), **self.options}


class KafkaSource:
    """Consumer-group source with manual commits."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self._stopping = False
        self.consumed = 0
        self.rebuilt_records = 0
        try:
            self._consumer = KafkaConsumer(
                group_id=settings.group, enable_auto_commit=False,
                auto_offset_reset=settings.start,
                max_poll_interval_ms=settings.max_poll_interval_ms,
                session_timeout_ms=settings.session_timeout_ms,
                fetch_max_wait_ms=settings.fetch_max_wait_ms,
                heartbeat_interval_ms=max(1000, settings.session_timeout_ms // 5),
                **settings.client_options(),
            )
        except KafkaError as exc:
            raise UsageError(f"cannot connect to Kafka at {settings.bootstrap}: {exc}") from None
        self._history_reader: KafkaConsumer | None = None
        self._assigned_pending: set[TopicPartition] = set()
        self._revoked_pending: set[TopicPartition] = set()
        self._consumer.subscribe(list(settings.topics), listener=_Listener(self))

    # --- Source protocol ------------------------------------------------------------
    def batches(self, max_size: int) -> Iterator[list[RawRecord]]:
        while not self._stopping:
            try:
                polled = self._consumer.poll(timeout_ms=500, max_records=max_size)
            except UnsupportedCodecError as exc:
                # Nothing of the batch was processed or committed: after the install, a
                # restart reads it again.
                package = next((p for codec, p in _CODEC_PACKAGES.items() if codec in str(exc)),
                               "lz4, python-snappy and zstandard")
                raise UsageError(f"records on {', '.join(self.settings.topics)} are compressed with a "
                                 f"codec this installation cannot read ({exc}): pip install "
                                 f"{package}") from None
            batch = [RawRecord(r.value, tp.topic, r.offset, "offset", tp.partition)
                     for tp, records in polled.items() for r in records]
            self.consumed += len(batch)
            yield batch  # empty: idle, lets the wall clock fire reply timers

    def commit(self, batch: list[RawRecord]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in batch:
            tp = TopicPartition(r.source, r.partition or 0)
            if tp not in offsets or offsets[tp].offset <= r.position:
                offsets[tp] = OffsetAndMetadata(r.position + 1, "", -1)
        try:
            self._consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced while the batch was written: its partitions now belong
            # to another member, which re-reads from the last committed offset. Our
            # outputs are flushed and their flag ids are deterministic, so the redelivery
            # writes the same flags again (idempotent in the store, identical ids on the
            # flags topic). Nothing is lost; this member carries on with its new partitions.
            log.warning("commit refused after a rebalance; %d records will be redelivered",
                        len(batch))

    def progress(self) -> tuple[int, int | None]:
        return self.consumed, None

    def blank_lines(self) -> int:
        return 0  # an empty record value is a dead letter (empty_record), not a blank line

    def stop(self) -> None:
        self._stopping = True

    def idle(self, seconds: float) -> None:
        assigned = self._consumer.assignment()
        self._consumer.pause(*assigned)
        deadline = time.monotonic() + seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                if self._consumer.poll(timeout_ms=int(min(left, 0.5) * 1000)):
                    raise RuntimeError("paused partitions returned records")
        finally:
            self._consumer.resume(*[tp for tp in assigned if tp in self._consumer.assignment()])

    def close(self) -> None:
        if self._history_reader is not None:
            self._history_reader.close()
        self._consumer.close()  # leaves the group: its partitions move at once

    # --- partitions: lag, rebalances, history --------------------------------------
    def lag(self) -> dict[PartitionKey, int]:
        """Records behind the partition's end, per assigned partition."""
        out = {}
        for tp in self._consumer.assignment():
            end = self._consumer.highwater(tp)
            if end is None:
                continue  # no fetch answered yet for this partition
            out[(tp.topic, tp.partition)] = max(0, end - self._consumer.position(tp))
        return out

    def caught_up(self) -> set[PartitionKey]:
        """Assigned partitions with nothing left to read."""
        return {key for key, n in self.lag().items() if n == 0}

    def take_rebalance(self) -> Rebalance | None:
        if not (self._assigned_pending or self._revoked_pending):
            return None
        change = Rebalance(frozenset((tp.topic, tp.partition) for tp in self._assigned_pending),
                           frozenset((tp.topic, tp.partition) for tp in self._revoked_pending))
        self._assigned_pending, self._revoked_pending = set(), set()
        return change

    def offsets(self, key: PartitionKey) -> tuple[int, int | None]:
        tp = TopicPartition(*key)
        begin = self._reader().beginning_offsets([tp])[tp]
        return begin, self._consumer.committed(tp)

    def read(self, key: PartitionKey, start: int, end: int) -> Iterator[list[RawRecord]]:
        """Records ``start`` .. ``end - 1``, with a group-less reader of its own (a fetch
        returns whole record batches: records outside the range are left out)."""
        tp = TopicPartition(*key)
        reader = self._reader()
        reader.assign([tp])
        reader.seek(tp, start)
        while reader.position(tp) < end:
            polled = reader.poll(timeout_ms=1000, max_records=500)
            batch = [RawRecord(r.value, tp.topic, r.offset, "offset", tp.partition)
                     for r in polled.get(tp, []) if start <= r.offset < end]
            if batch:
                yield batch

    def _reader(self) -> KafkaConsumer:
        if self._history_reader is None:
            self._history_reader = KafkaConsumer(enable_auto_commit=False, group_id=None,
                                                 **self.settings.client_options())
        return self._history_reader


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: KafkaSource) -> None:
        self._source = source

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self._source._revoked_pending.update(revoked)

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._source._assigned_pending.update(assigned)
