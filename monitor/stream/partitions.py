"""Conversation state per input partition, for partitioned sources (Kafka).

Producers key records by ``conversation_id``, so a conversation lives in one partition
and its state belongs to whoever owns that partition. Each partition gets its own
``Pipeline``: its own conversation states, reply timers and stream time (the highest
event time seen in that partition, as in Kafka Streams). A lagging partition therefore
never fires another partition's timers early, a partition can be dropped on revocation
and rebuilt on assignment without touching the others, and the flags of a partition
do not depend on which instance owns it.

A partition that is idle and fully caught up (nothing left to read) cannot receive an
event older than what the other partitions have shown, so on idle turns its stream time
moves up to the highest of this instance's partitions: a customer left waiting in a
quiet partition is flagged when the rest of the floor's time has passed, as in a file
replay of the same events. A lagging partition is never moved on.

``PartitionedRunner`` is the stream processor for such a source, in the manner of
arroyo's ``StreamProcessor``: the source only reports assignments and revocations and
reads history; the runner applies them to the pipelines here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from monitor.io.sinks import Sink
from monitor.io.sources import PartitionedSource, PartitionKey
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult
from monitor.steps.pipeline import Pipeline
from monitor.stream.rebuild import rebuild_start
from monitor.stream.runner import Runner


class PartitionedPipeline:
    """One ``Pipeline`` per assigned partition, created by ``factory``."""

    def __init__(self, factory: Callable[[], Pipeline]) -> None:
        self._factory = factory
        self._parts: dict[PartitionKey, Pipeline] = {}

    def watermark_ms(self) -> int:
        return max((p.states.watermark_ms for p in self._parts.values()), default=0)

    def partitions(self) -> list[PartitionKey]:
        return sorted(self._parts)

    def open_conversations(self) -> int:
        return sum(p.open_conversations() for p in self._parts.values())

    def process(self, records: list[RawRecord]) -> BatchResult:
        groups: dict[PartitionKey, list[RawRecord]] = {}
        for record in records:
            groups.setdefault((record.source, record.partition or 0), []).append(record)
        result = BatchResult()
        for key, group in groups.items():
            result.extend(self._get(key).process(group))
        return result

    def advance_clock(self, now_ms: int, caught_up: Collection[PartitionKey] = ()) -> BatchResult:
        """Idle turn: caught-up partitions to this instance's stream time, then the wall clock."""
        result = BatchResult()
        top = self.watermark_ms()
        for key in caught_up:
            pipeline = self._parts.get(key)
            if pipeline is not None:
                result.extend(pipeline.advance_watermark(top))
        for pipeline in self._parts.values():
            result.extend(pipeline.advance_clock(now_ms))
        return result

    def finish(self, now_ms: int = 0, caught_up: Collection[PartitionKey] = ()) -> BatchResult:
        """A clean stop: the idle advance once more, then every partition's timers already
        due at its own stream time."""
        result = self.advance_clock(now_ms, caught_up) if now_ms else BatchResult()
        for pipeline in self._parts.values():
            result.extend(pipeline.finish())
        return result

    def rebuild(self, key: PartitionKey, history: Iterable[list[RawRecord]]) -> int:
        """Fresh state for a newly assigned partition, from its already committed records.

        The outputs are discarded: those records' flags were written (and committed) by
        the previous owner; replaying them only restores conversation state, open flags
        (so an episode is not raised twice) and pending reply timers.
        """
        pipeline = self._factory()
        replayed = 0
        for batch in history:
            pipeline.process(batch)
            replayed += len(batch)
        self._parts[key] = pipeline
        return replayed

    def revoke(self, key: PartitionKey) -> None:
        self._parts.pop(key, None)

    def _get(self, key: PartitionKey) -> Pipeline:
        pipeline = self._parts.get(key)
        if pipeline is None:  # assigned without a rebuild (e.g. a brand-new partition)
            pipeline = self._parts[key] = self._factory()
        return pipeline


class PartitionedRunner(Runner):
    """The runner of a partitioned source: rebuilds newly assigned partitions before their
    first records are processed, drops revoked ones (everything of them was already
    flushed and committed: the loop commits every batch before the next poll)."""

    def __init__(self, source: PartitionedSource, factory: Callable[[], Pipeline],
                 sinks: Sequence[Sink], batch_size: int, rebuild_window_s: int | None = None,
                 set_ready: Callable[[bool], None] = lambda ready: None, **hooks: Any) -> None:
        self.partitions = PartitionedPipeline(factory)
        super().__init__(source, self.partitions, sinks, batch_size, **hooks)
        self._partitioned = source
        self._set_ready = set_ready
        self._ttl_ms = factory().states.ttl_ms
        self._window_ms = self._ttl_ms if rebuild_window_s is None else rebuild_window_s * 1000
        self.rebuilt_records = 0

    def before_batch(self) -> None:
        change = self._partitioned.take_rebalance()
        if change is None:
            return
        kept = set(self.partitions.partitions())
        for key in change.revoked - change.assigned:
            self.partitions.revoke(key)
        self._set_ready(False)
        for key in sorted(change.assigned):
            if key in change.revoked and key in kept:
                continue  # ours before and after the rebalance: the state is current
            self.rebuilt_records += self.partitions.rebuild(key, self._history(key))
        self._set_ready(True)

    def _history(self, key: PartitionKey) -> Iterable[list[RawRecord]]:
        """The partition's committed records to replay (``rebuild.py`` says from where)."""
        begin, committed = self._partitioned.offsets(key)
        if committed is None or committed <= begin:
            return ()

        def read(start: int, end: int) -> Iterable[list[RawRecord]]:
            return self._partitioned.read(key, start, end)

        start = rebuild_start(read, begin, committed, self._window_ms, self._ttl_ms)
        return read(start, committed)

    def advance_idle(self, now_ms: int) -> BatchResult:
        return self.partitions.advance_clock(now_ms, self._partitioned.caught_up())

    def finish(self) -> BatchResult:
        return self.partitions.finish(int(time.time() * 1000), self._partitioned.caught_up())
