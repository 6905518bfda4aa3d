"""Step 6: sinks. Each takes what it needs from a ``BatchResult``; ``flush`` makes it durable.

The runner flushes every sink before it commits the batch (quix-streams order), so a
crash never commits past outputs that were not written.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from typing import Any, Protocol, TextIO

import orjson

from monitor.io.dead_letters import dead_letter_json
from monitor.io.store import Store
from monitor.privacy import mask
from monitor.records.flags import Flag, Transition
from monitor.records.results import BatchResult, Processed


class Sink(Protocol):
    def write(self, batch: BatchResult) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


# Characters that many readers (Python's str.splitlines, JavaScript) take for line
# breaks: escaped, so one record is always one line. They occur only inside JSON strings.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


_EXPONENT_OR_TINY = re.compile(rb"\de|0\.0000")


def json_line(obj: dict[str, Any]) -> str:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``, line breaks escaped —
    by orjson, several times faster and byte for byte the same (property-tested), except
    for floats Python writes with an exponent (``6.1e-05``, ``7e-07``, ``1e+16``), which
    orjson writes otherwise: then by json."""
    data = orjson.dumps(obj)
    if _EXPONENT_OR_TINY.search(data):  # maybe such a float (or a text like it): json decides
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS)
    text = data.decode()
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = text.translate(_LINE_BREAKS)
    return text


class _JsonLines:
    """JSON Lines to a file (appended) or stdout (``-``), fsynced on flush."""

    def __init__(self, path: str, overwrite: bool = False) -> None:
        """Appends to an existing file unless ``overwrite`` (``--overwrite``)."""
        self._out: TextIO = (sys.stdout if path == "-" else
                             open(path, "w" if overwrite else "a", encoding="utf-8"))  # noqa: SIM115
        # Only a regular file can be fsynced (not /dev/null, a pipe or a terminal).
        self._sync = self._out is not sys.stdout and stat.S_ISREG(os.fstat(self._out.fileno()).st_mode)

    def _line(self, obj: dict[str, Any]) -> None:
        self._out.write(json_line(obj) + "\n")

    def flush(self) -> None:
        self._out.flush()
        if self._sync:
            os.fsync(self._out.fileno())

    def close(self) -> None:
        self.flush()
        if self._out is not sys.stdout:
            self._out.close()


class FlagsFile(_JsonLines):
    def write(self, batch: BatchResult) -> None:
        for flag in batch.flags:
            self._line(flag.to_json())


class ScoresFile(_JsonLines):
    def write(self, batch: BatchResult) -> None:
        for p in batch.processed:
            customer = p.event.role == "customer"
            self._line({
                "conversation_id": p.event.conversation_id,
                "message_id": p.event.message_id,
                "role": p.event.role,
                "anger": p.scores.anger if customer else None,
                "urgency": p.scores.urgency if customer else None,
                "conversation_risk": p.conversation_risk,
                "complaint_type": p.scores.complaint_type,
                **({"truncated": True} if p.event.truncated else {}),
            })


class DeadLetterFile(_JsonLines):
    """Dead letters with the raw record masked (PLAYBOOK §5), or verbatim with
    ``keep_raw`` (``--dead-letter-raw``; non-UTF-8 bytes then exactly, as base64)."""

    def __init__(self, path: str, keep_raw: bool = False, overwrite: bool = False) -> None:
        super().__init__(path, overwrite)
        self.keep_raw = keep_raw

    def write(self, batch: BatchResult) -> None:
        for dead in batch.dead_letters:
            self._line(dead_letter_json(dead, self.keep_raw))


class StoreSink:
    """Buffers a batch's rows and writes them in one transaction on flush."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[BatchResult] = []

    def write(self, batch: BatchResult) -> None:
        self._pending.append(batch)

    def flush(self) -> None:
        if not self._pending:
            return
        rows: list[dict[str, Any]] = []
        new_flags: list[Flag] = []
        transitions: list[Transition] = []
        for batch in self._pending:
            rows.extend(_message_row(p) for p in batch.processed)
            new_flags.extend(batch.flags)
            transitions.extend(batch.transitions)
        self.store.write(rows, new_flags, transitions)  # may raise Backpressure: kept pending
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self.store.close()


def _message_row(p: Processed) -> dict[str, Any]:
    e, s = p.event, p.scores
    customer = e.role == "customer"
    return {
        "conversation_id": e.conversation_id, "message_id": e.message_id, "ts_ms": e.ts_ms,
        "role": e.role, "channel": e.channel, "queue": e.queue, "agent_id": e.agent_id,
        "text_masked": mask(e.text),
        "anger": s.anger if customer else None, "urgency": s.urgency if customer else None,
        "conversation_risk": p.conversation_risk, "complaint_type": s.complaint_type,
        "signals": sorted(s.codes()),
        "truncated": e.truncated,
    }
