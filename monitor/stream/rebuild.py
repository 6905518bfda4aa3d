"""Where a newly assigned partition's state rebuild starts: found by offsets and event
time, never by broker timestamps or the wall clock.

The rebuild replays the partition's committed records from a start offset up to the
committed offset. Going back from the committed offset in chunks, a chunk is needed
while it holds an event of the last ``window`` of the partition's own event time (its
latest event at the commit point, not the wall clock: after a long outage the window is
still the last day of the stream), or while a conversation still open at the commit
point may have an earlier event there: an open conversation's event can be at most one
TTL before the next one (else the live run had expired it in between), so the scan goes
back a TTL before the earliest event seen of any open conversation, and never more than
``window + TTL`` before the end. The state at the commit point is then the live run's
for every open conversation whose events lie within that, as they do unless a
conversation has been continuously active for longer. Records that are not valid events
are skipped. Broker timestamps play no part, so a producer that sets old record
timestamps (or none) does not shorten the rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from monitor.records.errors import InvalidMessage
from monitor.records.events import RawRecord
from monitor.steps.parse import parse_record

Reader = Callable[[int, int], Iterable[list[RawRecord]]]  # (start, end) -> batches
CHUNK = 2000


def rebuild_start(read: Reader, begin: int, end: int, window_ms: int, ttl_ms: int,
                  chunk: int = CHUNK) -> int:
    """The offset in ``begin..end`` to replay from so that the state at ``end`` is the
    live run's for every conversation open there."""
    top: int | None = None  # the partition's latest event time
    earliest: dict[str, int] = {}  # open conversation -> its earliest event time seen so far
    start = end
    while start > begin:
        low = max(begin, start - chunk)
        events: list[tuple[str, int]] = []
        for batch in read(low, start):
            for record in batch:
                try:
                    event = parse_record(record)
                except InvalidMessage:
                    continue
                events.append((event.conversation_id, event.ts_ms))
        if not events:
            start = low  # nothing readable here: no reason to stop
            continue
        newest = max(ts for _, ts in events)
        top = newest if top is None else max(top, newest)
        reach = max(min(earliest.values(), default=top) - ttl_ms, top - window_ms - ttl_ms)
        if newest < top - window_ms and newest < reach:
            break  # nothing of the window, and older than any open conversation can reach
        for cid, ts in events:
            first = earliest.get(cid)
            if first is not None and ts >= first - ttl_ms:
                earliest[cid] = min(first, ts)  # the same life of an open conversation
            elif first is None and ts >= top - ttl_ms:
                earliest[cid] = ts  # open at the commit point
        start = low
    return start
