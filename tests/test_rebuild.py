"""Rebuilding a partition's state on assignment, and the clean stop, against a partition
double of the test's own: an in-memory list of records with offsets and a committed
offset. tansu (the suite's broker) answers ``offsets_for_times`` with offset 0 for every
time, so the window logic cannot be seen through it; the rebuild uses no timestamps any
more, and ``tests/test_kafka.py`` runs the same code against tansu end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from helpers import T0, pipeline

from monitor.io.sources import PartitionKey, Rebalance
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult
from monitor.stream.partitions import PartitionedRunner
from monitor.stream.rebuild import rebuild_start

DAY = 86_400_000
TTL = DAY


def line(cid: str, mid: str, ts: int, role: str = "customer", text: str = "你好") -> bytes:
    return json.dumps({"conversation_id": cid, "message_id": mid, "ts": ts, "role": role,
                       "text": text}, ensure_ascii=False).encode()


class Partitions:
    """In-memory partitions (a broker double): records, commits, a scripted rebalance."""

    def __init__(self, data: dict[PartitionKey, list[bytes]]) -> None:
        self.data = data
        self.committed: dict[PartitionKey, int] = {}
        self.rebalances: list[Rebalance] = [Rebalance(frozenset(data), frozenset())]
        self.batches_left: dict[PartitionKey, int] = {}
        self.reads: list[tuple[int, int]] = []
        self.position = dict.fromkeys(data, 0)
        self.stop_after: int | None = None

    def batches(self, max_size: int) -> Iterator[list[RawRecord]]:
        turns = 0
        while True:
            batch = []
            for key, lines in self.data.items():
                start = max(self.position[key], self.committed.get(key, 0))
                chunk = lines[start:start + max_size]
                batch += [RawRecord(v, key[0], start + i, "offset", key[1]) for i, v in enumerate(chunk)]
                self.position[key] = start + len(chunk)
            turns += 1
            if not batch and (self.stop_after is None or turns > self.stop_after):
                return
            yield batch

    def commit(self, batch: list[RawRecord]) -> None:
        for r in batch:
            key = (r.source, r.partition or 0)
            self.committed[key] = max(self.committed.get(key, 0), r.position + 1)

    def take_rebalance(self) -> Rebalance | None:
        return self.rebalances.pop(0) if self.rebalances else None

    def offsets(self, key: PartitionKey) -> tuple[int, int | None]:
        return 0, self.committed.get(key)

    def read(self, key: PartitionKey, start: int, end: int) -> Iterator[list[RawRecord]]:
        self.reads.append((start, end))
        lines = self.data[key]
        yield [RawRecord(lines[i], key[0], i, "offset", key[1]) for i in range(start, end)]

    def caught_up(self) -> set[PartitionKey]:
        return {k for k, lines in self.data.items() if self.position[k] >= len(lines)}

    def lag(self) -> dict[PartitionKey, int]:
        return {}

    def progress(self) -> tuple[int, int | None]:
        return 0, None

    def blank_lines(self) -> int:
        return 0

    def stop(self) -> None:
        pass

    def idle(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class Collect:
    def __init__(self) -> None:
        self.result = BatchResult()

    def write(self, batch: BatchResult) -> None:
        self.result.extend(batch)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def reader(lines: list[bytes]):  # type: ignore[no-untyped-def]
    def read(start: int, end: int) -> Iterator[list[RawRecord]]:
        yield [RawRecord(lines[i], "t", i, "offset", 0) for i in range(start, end)]
    return read


def test_start_is_found_by_event_time_not_by_the_wall_clock() -> None:
    # A month-old stream (or one whose producer set old record timestamps): a window
    # taken from the wall clock would replay nothing of it.
    old = T0 - 30 * DAY
    lines = [line(f"c{i}", "m1", old + i * 3_600_000) for i in range(60)]  # one an hour
    start = rebuild_start(reader(lines), 0, len(lines), window_ms=TTL, ttl_ms=TTL, chunk=7)
    # The last day of the stream's own time, and a TTL before the earliest event of a
    # conversation open at the end (one that may have had an earlier message): 48 hours.
    first_needed = next(i for i in range(60) if old + i * 3_600_000 >= old + 59 * 3_600_000 - 2 * TTL)
    assert start <= first_needed and first_needed - start < 7  # at most one chunk more


def test_a_conversation_open_at_the_commit_is_followed_back_beyond_the_window() -> None:
    lines = [line("long", "m0", T0, text="我要投诉")]
    lines += [line(f"x{i}", "m", T0 + i * 600_000) for i in range(1, 200)]  # 33 hours of others
    lines += [line("long", "m1", T0 + 20 * 3_600_000), line("long", "m2", T0 + 40 * 3_600_000)]
    start = rebuild_start(reader(lines), 0, len(lines), window_ms=TTL, ttl_ms=TTL, chunk=10)
    assert start == 0  # back to "long"'s first message, 40 h before the end


def test_following_stops_at_a_gap_longer_than_the_ttl() -> None:
    lines = [line("c", "old", T0)]  # the conversation's earlier life: it expired after it
    lines += [line(f"x{i}", "m", T0 + i * 3_600_000) for i in range(1, 60)]
    lines += [line("c", "new", T0 + 60 * 3_600_000)]
    start = rebuild_start(reader(lines), 0, len(lines), window_ms=TTL, ttl_ms=TTL, chunk=5)
    assert start > 0


def test_unreadable_records_do_not_stop_the_scan() -> None:
    lines = [line("c", "m1", T0), *[b"not json"] * 30, line("c", "m2", T0 + 1000)]
    assert rebuild_start(reader(lines), 0, len(lines), TTL, TTL, chunk=4) == 0


def factory():  # type: ignore[no-untyped-def]
    return lambda: pipeline()


def test_rebuild_after_a_restart_gives_the_flags_of_one_uninterrupted_run() -> None:
    # A month-old stream: an angry customer, the agent's apology, then later a
    # supervisor demand. The new owner must know the episode and the acknowledgement.
    old = T0 - 30 * DAY
    lines = [line("c", "m1", old, text="气死了！！！什么破服务"),
             line("c", "m2", old + 30_000, "agent", "非常抱歉给您带来不便"),
             line("c", "m3", old + 60_000, text="气死了！！！还是没解决"),
             line("c", "m4", old + 90_000, "agent", "马上为您处理"),
             line("c", "m5", old + 120_000, text="叫你们经理来，气死了！！！")]
    key = ("t", 0)

    def run(source: Partitions, size: int) -> BatchResult:
        sink = Collect()
        PartitionedRunner(source, factory(), [sink], size).run()
        return sink.result

    whole = run(Partitions({key: lines}), 500)
    first = Partitions({key: lines[:3]})
    run(first, 1)
    second = Partitions({key: lines})
    second.committed = dict(first.committed)  # a new owner, from the committed offset
    later = run(second, 1)
    assert second.reads and second.reads[-1] == (0, 3)  # replayed the month-old history
    ids = {f.flag_id for f in whole.flags}
    assert {f.flag_id for f in later.flags} == {f.flag_id for f in whole.flags if f.message_id in
                                                ("m4", "m5")} and ids


def test_a_clean_stop_right_after_the_last_record_still_raises_a_due_timer() -> None:
    # Partition 0: a customer waiting. Partition 1: later traffic. Both caught up; a
    # SIGTERM right after the batch (no idle turn in between) used to lose the flag.
    a, b = ("t", 0), ("t", 1)
    source = Partitions({a: [line("w", "m1", T0, text="请问怎么退货")],
                         b: [line("x", "m1", T0 + 120_000, text="你好")]})
    sink = Collect()
    runner = PartitionedRunner(source, factory(), [sink], 50, on_batch=lambda stats: runner.stop())
    runner.run()
    assert [(f.conversation_id, f.reasons[0].code) for f in sink.result.flags] == [("w", "no_reply")]


def test_partition_double_reads_what_it_was_given(tmp_path: Path) -> None:
    source = Partitions({("t", 0): [line("c", "m1", T0)]})
    assert [len(b) for b in source.batches(10)] == [1]
