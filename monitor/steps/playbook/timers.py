"""Event-time timers for response-time rules.

A customer message starts a timer; the stream's watermark (highest event time seen,
advanced per event, so results do not depend on batch boundaries) fires it when no
agent reply came in time. Stale timers (the agent replied, the conversation expired)
are dropped lazily when they come due.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass(order=True, frozen=True, slots=True)
class Timer:
    due_ms: int
    conversation_id: str = field(compare=True)
    waiting_since_ms: int = field(compare=True)
    message_id: str = field(compare=True)
    rule: str = field(compare=True)


class Timers:
    def __init__(self) -> None:
        # (due, conversation, rule, timer): tuples compare in C, far faster than the
        # dataclass order, and give the same deterministic firing order.
        self._heap: list[tuple[int, str, str, Timer]] = []

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, timer: Timer) -> None:
        heapq.heappush(self._heap, (timer.due_ms, timer.conversation_id, timer.rule, timer))

    def any_due(self, watermark_ms: int) -> bool:
        """Cheap check for the per-event hot path."""
        return bool(self._heap) and self._heap[0][0] < watermark_ms

    def due(self, watermark_ms: int) -> list[Timer]:
        """Pop every timer due before ``watermark_ms`` (a reply right at the target is on time)."""
        out = []
        while self._heap and self._heap[0][0] < watermark_ms:
            out.append(heapq.heappop(self._heap)[3])
        return out
