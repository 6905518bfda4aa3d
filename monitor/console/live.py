"""Live updates: one poller per console reads what changed in the store (any monitor
instance, any console, the command line) every half second and hands it to every open
page, which the page shows without a reload (server-sent events).

The store's ``changed_ms`` comes from each writer's wall clock, so the poller looks a
little back (``LOOKBACK_MS``) and remembers what it already sent: a writer whose
transaction committed late, or whose clock is a few seconds behind, is not missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from monitor.io.store.queries import Reader

LOOKBACK_MS = 30_000
HEARTBEAT_S = 15.0
REPLAY_S = 10.0


class Changes:
    def __init__(self, reader: Reader, interval_s: float = 0.5, page: int = 1000) -> None:
        self.reader = reader
        self.interval_s = interval_s
        self.page = page
        self.cursor = int(time.time() * 1000)
        self._sent: dict[tuple[str, int], int] = {}  # (flag_id, changed_ms) -> changed_ms
        self._recent: deque[tuple[float, dict[str, Any]]] = deque(maxlen=2000)
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._primed = False

    async def run(self) -> None:
        while True:
            # The store may be down for a moment: /healthz says so; the poller goes on.
            with contextlib.suppress(Exception):
                await self.poll_once()
            await asyncio.sleep(self.interval_s)

    async def poll_once(self) -> None:
        """Everything changed since the cursor (minus the look-back), page by page; what
        changed before the console started is on the pages already (primed, not sent)."""
        at, after_id = self.cursor - LOOKBACK_MS, ""
        while True:
            rows = await anyio.to_thread.run_sync(self.reader.changed_since, at, after_id, self.page)
            for row in rows:
                self._publish(row)
            if len(rows) < self.page:
                break
            at, after_id = int(rows[-1]["changed_ms"]), rows[-1]["flag_id"]
        self._primed = True
        horizon = self.cursor - 2 * LOOKBACK_MS
        if len(self._sent) > 20_000:
            self._sent = {k: v for k, v in self._sent.items() if v >= horizon}

    def _publish(self, row: dict[str, Any]) -> None:
        key = (row["flag_id"], int(row["changed_ms"]))
        if key in self._sent:
            return
        self._sent[key] = key[1]
        self.cursor = max(self.cursor, key[1])
        if not self._primed:
            return
        self._recent.append((time.monotonic(), row))
        for queue in list(self._subscribers):
            if queue.qsize() < 1000:  # a stalled page loses updates, not the server
                queue.put_nowait(row)

    @contextlib.contextmanager
    def subscription(self) -> Any:
        """A new page also gets what changed in the last seconds (it may have been drawn
        just before): the page replaces a row it already has."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        since = time.monotonic() - REPLAY_S
        for at, row in self._recent:
            if at >= since:
                queue.put_nowait(row)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)


async def event_stream(changes: Changes, visible: Callable[[dict[str, Any]], dict[str, Any] | None],
                       disconnected: Callable[[], Any]) -> AsyncIterator[bytes]:
    """Server-sent events: each visible change as ``event: flag``, a heartbeat between."""
    import json

    with changes.subscription() as queue:
        yield b"retry: 2000\n\n"
        while True:
            try:
                row = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_S)
            except TimeoutError:
                if await disconnected():
                    return
                yield b": heartbeat\n\n"
                continue
            shown = visible(row)
            if shown is not None:
                data = json.dumps(shown, ensure_ascii=False, default=str)
                yield f"event: flag\ndata: {data}\n\n".encode()
