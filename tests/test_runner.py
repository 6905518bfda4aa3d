from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import pipeline, records

from monitor.records.errors import Backpressure
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult
from monitor.stream.runner import MAX_BACKPRESSURE_WAIT_S, Runner, flush_all


class ListSource:
    def __init__(self, batches: list[list[RawRecord]]) -> None:
        self._batches = batches
        self.committed: list[int] = []
        self.idled: list[float] = []

    def batches(self, max_size: int) -> Iterator[list[RawRecord]]:
        yield from self._batches

    def commit(self, batch: list[RawRecord]) -> None:
        self.committed.append(batch[-1].position)

    def progress(self) -> tuple[int, int | None]:
        return len(self.committed), len(self._batches)

    def blank_lines(self) -> int:
        return 0

    def idle(self, seconds: float) -> None:
        self.idled.append(seconds)

    def stop(self) -> None:
        pass


class BusySink:
    """Refuses ``busy`` flushes with Backpressure, then accepts; records what it got."""

    def __init__(self, busy: int = 0, broken: bool = False) -> None:
        self.busy, self.broken = busy, broken
        self.pending: list[BatchResult] = []
        self.flushed: list[BatchResult] = []

    def write(self, batch: BatchResult) -> None:
        self.pending.append(batch)

    def flush(self) -> None:
        if self.broken:
            raise RuntimeError("disk gone")
        if self.busy:
            self.busy -= 1
            raise Backpressure("busy", 1.0)
        self.flushed += self.pending
        self.pending.clear()

    def close(self) -> None:
        pass


def test_backpressure_pauses_and_retries_the_flush() -> None:
    sink, slept = BusySink(busy=3), []
    sink.write(BatchResult())
    flush_all([sink], sleep=slept.append)
    assert slept == [1.0, 1.0, 1.0] and len(sink.flushed) == 1


def test_backpressure_that_never_ends_fails_loudly() -> None:
    sink = BusySink(busy=10**9)
    with pytest.raises(Backpressure):
        flush_all([sink], sleep=lambda s: None)
    assert sink.busy == 10**9 - int(MAX_BACKPRESSURE_WAIT_S) - 1


def test_commit_only_after_every_sink_flushed() -> None:
    batches = [records([("customer", "你好")], cid="a"), records([("customer", "在吗")], cid="b")]
    source, good, broken = ListSource(batches), BusySink(), BusySink(broken=True)
    with pytest.raises(RuntimeError, match="disk gone"):
        Runner(source, pipeline(), [good, broken], batch_size=10).run()
    assert source.committed == []  # the failing sink stopped the run before any commit


def test_runner_commits_each_batch_in_order() -> None:
    batches = [records([("customer", "你好")], cid=c) for c in "abc"]
    source, sink = ListSource(batches), BusySink(busy=1)
    stats = Runner(source, pipeline(), [sink], batch_size=10).run()
    assert source.committed == [1, 1, 1] and stats.messages == 3 and stats.batches == 3
    assert stats.progress == (3, 3)
