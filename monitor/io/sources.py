"""Where raw records come from: the ``Source`` interface, the file/stdin source, and the
interface of a partitioned source (Kafka, ``kafka_source.py``).

A source yields small batches and is told, after the batch's outputs are flushed,
that the batch may be committed. A partitioned source also reports which partitions
it was assigned and lost, and reads a partition's history; what to do with that is the
stream processor's job (``monitor/stream``), not the source's.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from monitor.records.events import RawRecord


class Source(Protocol):
    """A stream of raw records in batches, with commit after the batch is safely written."""

    def batches(self, max_size: int) -> Iterator[list[RawRecord]]:
        """Batches of up to ``max_size`` records; an empty batch means the input is idle."""
        ...

    def commit(self, batch: list[RawRecord]) -> None: ...

    def progress(self) -> tuple[int, int | None]:
        """(done, total) in the source's own unit, total None when unknown."""
        ...

    def blank_lines(self) -> int:
        """Blank lines skipped so far (they are not events, but they are counted)."""
        ...

    def stop(self) -> None:
        """Stop at the next safe point; ``batches`` then ends."""
        ...

    def idle(self, seconds: float) -> None:
        """Wait while a sink applies backpressure, staying alive (a consumer keeps its group)."""
        ...

    def close(self) -> None: ...


PartitionKey = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True, slots=True)
class Rebalance:
    """Partitions assigned and revoked since the last look. A partition in both was
    revoked and assigned back in the same rebalance."""

    assigned: frozenset[PartitionKey]
    revoked: frozenset[PartitionKey]


class PartitionedSource(Source, Protocol):
    """A source whose partitions are assigned and revoked while it runs (Kafka)."""

    def take_rebalance(self) -> Rebalance | None:
        """The changes since the last call, or None; called after every batch is read."""
        ...

    def offsets(self, key: PartitionKey) -> tuple[int, int | None]:
        """The partition's first offset still kept, and the group's committed offset
        (None when the group has not committed there)."""
        ...

    def read(self, key: PartitionKey, start: int, end: int) -> Iterator[list[RawRecord]]:
        """Records ``start`` .. ``end - 1`` of the partition, in batches, without the group."""
        ...

    def caught_up(self) -> set[PartitionKey]:
        """Assigned partitions with nothing left to read."""
        ...

    def lag(self) -> dict[PartitionKey, int]:
        """Records behind the partition's end, per assigned partition."""
        ...


class JsonLinesSource:
    """JSON Lines from a file, or from stdin (``-``) where a batch is cut when input pauses."""

    def __init__(self, path: str, idle_cut_s: float = 0.2, follow: bool = False) -> None:
        self.name = "stdin" if path == "-" else path
        self._stream: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        self._idle_cut_s = idle_cut_s
        self.total_bytes: int | None = None if path == "-" else os.fstat(self._stream.fileno()).st_size
        self.bytes_read = 0
        self.committed_line = 0
        self.blank = 0
        self._stopping = False
        self._follow = follow and path != "-"

    def stop(self) -> None:
        """Stop reading at the next pause in the input (used on SIGTERM)."""
        self._stopping = True

    def idle(self, seconds: float) -> None:
        time.sleep(seconds)

    def batches(self, max_size: int) -> Iterator[list[RawRecord]]:
        batch: list[RawRecord] = []
        for number, line in self._lines():
            if line is None:  # input paused: hand over what we have (empty: an idle tick)
                yield batch
                batch = []
                continue
            self.bytes_read += len(line)
            if not line.strip():
                self.blank += 1  # not an event: counted, not dead-lettered
                continue
            batch.append(RawRecord(line.rstrip(b"\r\n"), self.name, number, "line"))
            if len(batch) >= max_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _lines(self) -> Iterator[tuple[int, bytes | None]]:
        number = 0
        if self._follow:
            yield from self._follow_file()
            return
        if self._stream is not sys.stdin.buffer or not self._is_pipe_or_tty():
            for number, line in enumerate(self._stream, start=1):
                yield number, line
            return
        # Live stdin: read what is there; when nothing arrives for a moment, cut the batch
        # so flags are not held back waiting for a full batch.
        fd = self._stream.fileno()
        buf = b""
        while not self._stopping:
            ready, _, _ = select.select([fd], [], [], self._idle_cut_s)
            if not ready:
                yield number, None
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                number += 1
                yield number, line + b"\n"
        if buf:
            yield number + 1, buf

    def _follow_file(self) -> Iterator[tuple[int, bytes | None]]:
        """A file that grows (``tail -f``): whole lines only — a line still being written
        waits for its newline; at the end, an idle tick, then look again."""
        fd = self._stream.fileno()
        number, buf = 0, b""
        while not self._stopping:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                yield number, None
                time.sleep(self._idle_cut_s)
                continue
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                number += 1
                yield number, line + b"\n"

    def _is_pipe_or_tty(self) -> bool:
        try:
            mode = os.fstat(self._stream.fileno()).st_mode
            return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)
        except (OSError, ValueError):
            return False

    def commit(self, batch: list[RawRecord]) -> None:
        # A file has no broker to commit to; remember how far outputs are safe.
        if batch:
            self.committed_line = batch[-1].position

    def progress(self) -> tuple[int, int | None]:
        return self.bytes_read, self.total_bytes

    def blank_lines(self) -> int:
        return self.blank

    def close(self) -> None:
        if self._stream is not sys.stdin.buffer:
            self._stream.close()
