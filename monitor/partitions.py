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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from monitor.events import RawRecord
from monitor.pipeline import BatchResult, Pipeline

PartitionKey = tuple[str, int]  # (topic, partition)


def _merge(into: BatchResult, part: BatchResult) -> None:
    into.processed.extend(part.processed)
    into.flags.extend(part.flags)
    into.transitions.extend(part.transitions)
    into.dead_letters.extend(part.dead_letters)
    into.duplicates += part.duplicates


class PartitionedPipeline:
    """One ``Pipeline`` per assigned partition, created by ``factory``."""

    def __init__(self, factory: Callable[[], Pipeline]) -> None:
        self._factory = factory
        self._parts: dict[PartitionKey, Pipeline] = {}
        self.caught_up: Callable[[], set[PartitionKey]] = set  # set by the source

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
            _merge(result, self._get(key).process(group))
        return result

    def advance_clock(self, now_ms: int) -> BatchResult:
        """Idle turn: caught-up partitions to this instance's stream time, then the wall clock."""
        result = BatchResult()
        top = self.watermark_ms()
        for key in self.caught_up():
            pipeline = self._parts.get(key)
            if pipeline is not None:
                _merge(result, pipeline.advance_watermark(top))
        for pipeline in self._parts.values():
            _merge(result, pipeline.advance_clock(now_ms))
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
