"""What one batch produced: processed messages, flags, lifecycle moves, dead letters.

Every sink, the metrics and the alerts read a ``BatchResult``; they need nothing else of
the pipeline.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from monitor.records.errors import InvalidMessage
from monitor.records.events import Event, RawRecord
from monitor.records.flags import Flag, Transition
from monitor.records.scores import MessageScores


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An input record that could not be processed, with its reason (``parse.REASONS``)
    and, when it could be read, its conversation (the dead-letter topic's key)."""

    reason: str
    detail: str
    record: RawRecord
    conversation_id: str | None = None

    @classmethod
    def of(cls, error: InvalidMessage, record: RawRecord) -> DeadLetter:
        return cls(error.reason, error.detail, record, error.conversation_id)

    def to_json(self) -> dict[str, object]:
        """The record exactly as it came (UTF-8 text as ``raw``, anything else as
        ``raw_base64``), for a replay after the fix. Sinks mask ``raw`` unless told to keep
        it (``monitor/io/dead_letters.py``)."""
        raw = self.record.value
        out: dict[str, object] = {"reason": self.reason, "detail": self.detail}
        if raw is None:
            out["raw"] = None
        elif isinstance(raw, str):
            out["raw"] = raw
        else:
            try:
                out["raw"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                out["raw_base64"] = base64.b64encode(raw).decode("ascii")
        out["source"] = self.record.source
        out[self.record.position_kind] = self.record.position
        if self.record.partition is not None:
            out["partition"] = self.record.partition
        return out


@dataclass(frozen=True, slots=True)
class Processed:
    event: Event
    scores: MessageScores
    conversation_risk: float
    # For an agent reply: how long the customer had waited for it (event time).
    reply_wait_s: float | None = None
    first_reply: bool = False


@dataclass(slots=True)
class BatchResult:
    """Everything one batch produced; sinks take what they need from it."""

    processed: list[Processed] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    duplicates: int = 0
    blank_lines: int = 0  # of the input, skipped (set by the stream processor)

    def extend(self, other: BatchResult) -> None:
        """Append everything of ``other`` (one partition's part of a batch)."""
        self.processed.extend(other.processed)
        self.flags.extend(other.flags)
        self.transitions.extend(other.transitions)
        self.dead_letters.extend(other.dead_letters)
        self.duplicates += other.duplicates
        self.blank_lines += other.blank_lines
