"""The run loop: for each batch, process, write to every sink, flush every sink,
then commit the batch at the source (quix-streams order: outputs before offsets).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol

from monitor.io.sinks import Sink
from monitor.io.sources import Source
from monitor.records.errors import Backpressure
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult

MAX_BACKPRESSURE_WAIT_S = 300.0


class Processor(Protocol):
    """What the runner drives: a ``Pipeline``, or one pipeline per partition."""

    def process(self, records: list[RawRecord]) -> BatchResult: ...

    def advance_clock(self, now_ms: int) -> BatchResult: ...

    def finish(self) -> BatchResult: ...

    def open_conversations(self) -> int: ...


@dataclass(slots=True)
class RunStats:
    messages: int = 0
    by_role: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    dead_letters: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    blank_lines: int = 0
    truncated: int = 0
    batches: int = 0
    started: float = field(default_factory=time.perf_counter)
    elapsed_s: float = 0.0
    progress: tuple[int, int | None] = (0, None)  # (done, total) as the source counts it

    def add(self, batch: BatchResult) -> None:
        self.batches += 1
        self.messages += len(batch.processed)
        self.by_role.update(p.event.role for p in batch.processed)
        self.flags.update(f.kind for f in batch.flags)
        self.dead_letters.update(d.reason for d in batch.dead_letters)
        self.duplicates += batch.duplicates
        self.blank_lines += batch.blank_lines
        self.truncated += sum(1 for p in batch.processed if p.event.truncated)
        self.elapsed_s = time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else 0.0


def flush_all(sinks: Sequence[Sink], sleep: Callable[[float], None] = time.sleep) -> None:
    """Flush every sink; on backpressure pause and retry, up to a bound, then fail loudly."""
    for sink in sinks:
        waited = 0.0
        while True:
            try:
                sink.flush()
                break
            except Backpressure as bp:
                if waited >= MAX_BACKPRESSURE_WAIT_S:
                    raise
                sleep(bp.retry_after_s)
                waited += bp.retry_after_s


class Runner:
    """Drives a source through the pipeline into the sinks until the input ends or SIGTERM."""

    def __init__(self, source: Source, pipeline: Processor, sinks: Sequence[Sink],
                 batch_size: int, on_batch: Callable[[RunStats], None] | None = None,
                 observe: Callable[[BatchResult, float], None] | None = None,
                 heartbeat: Callable[[], None] | None = None) -> None:
        """``observe(batch, seconds)`` is called once a batch is durably written, with the
        seconds from reading it to its outputs being flushed (metrics);
        ``heartbeat()`` on every turn of the loop, idle ones included (liveness)."""
        self.source = source
        self.pipeline = pipeline
        self.sinks = sinks
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.observe = observe
        self.heartbeat = heartbeat
        self.stats = RunStats()
        self._stopping = False
        self._blank = 0

    def stop(self, *_: object) -> None:
        """Finish the current batch, flush, commit and return (SIGTERM/SIGINT)."""
        self._stopping = True
        self.source.stop()

    def run(self) -> RunStats:
        """Until the input ends or SIGTERM/SIGINT; then one final advance of stream time
        (``finish``), so reply timers already due are not lost by a clean stop."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for records in self.source.batches(self.batch_size):
                read_at = time.perf_counter()
                if self.heartbeat:
                    self.heartbeat()
                self.before_batch()
                if not records:  # idle live input: let the wall clock fire reply timers
                    result = self.advance_idle(int(time.time() * 1000))
                else:
                    result = self.pipeline.process(records)
                self._write(result, records, read_at)
                if self._stopping:
                    break
            self._write(self.finish(), [], time.perf_counter())
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        self.stats.elapsed_s = time.perf_counter() - self.stats.started
        return self.stats

    def _write(self, result: BatchResult, records: list[RawRecord], read_at: float) -> None:
        """Write the batch to every sink, flush them all, then commit its records."""
        blank = self.source.blank_lines()
        result.blank_lines, self._blank = blank - self._blank, blank
        if not (records or result.flags or result.transitions or result.blank_lines):
            return  # an idle turn with nothing to say: no sink writes or fsyncs
        for sink in self.sinks:
            sink.write(result)
        flush_all(self.sinks, self.source.idle)
        written_s = time.perf_counter() - read_at
        if records:
            self.source.commit(records)
        if self.observe:
            self.observe(result, written_s)
        self.stats.add(result)
        self.stats.progress = self.source.progress()
        if self.on_batch:
            self.on_batch(self.stats)

    def before_batch(self) -> None:
        """Called on every turn before the batch is processed (partitioned runners apply
        rebalances here)."""

    def advance_idle(self, now_ms: int) -> BatchResult:
        """An idle turn of a live source: the wall clock may fire reply timers."""
        return self.pipeline.advance_clock(now_ms)

    def finish(self) -> BatchResult:
        """The clean end: fire every reply timer already due at stream time."""
        return self.pipeline.finish()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop()
