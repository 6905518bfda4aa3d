"""What the floor's reviews left in the store, read for replaying and retraining.

The store keeps every message masked (PLAYBOOK §5), so a replay runs on the masked text:
its flags can differ from the live run's where a masked number or address mattered, and
repeat contact (which needs ``customer_id``, not stored) cannot recur. Both the "before"
and the "after" of a proposal come from such a replay, so they compare like with like;
the table says how many of the reviewed flags the replay reproduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.io.store import Store
from monitor.io.store.queries import Reader
from monitor.models.bundle import ModelBundle
from monitor.records.events import RawRecord
from monitor.records.flags import Flag
from monitor.steps.playbook.file import PlaybookFile

Key = tuple[str, str, str]  # conversation_id, message_id, kind


@dataclass(frozen=True, slots=True)
class Review:
    verdict: str  # confirmed | false_alarm
    reason: str | None
    flag: dict[str, Any]


@dataclass(slots=True)
class Floor:
    """The stored conversations and what people said about the monitor's flags."""

    records: list[RawRecord] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    reviews: dict[Key, Review] = field(default_factory=dict)
    missed: set[Key] = field(default_factory=set)

    @property
    def confirmed(self) -> set[Key]:
        return {k for k, r in self.reviews.items() if r.verdict == "confirmed"}

    @property
    def false_alarms(self) -> set[Key]:
        return {k for k, r in self.reviews.items() if r.verdict == "false_alarm"}


def read_floor(store_url: str, start_ms: int = 0, end_ms: int = 2**62) -> Floor:
    """Messages, verdicts and missed reports with event time in [start_ms, end_ms)."""
    store = Store(store_url, create=False)
    try:
        rows = store.between("messages", start_ms, end_ms)
        flags = store.between("flags", start_ms, end_ms)
        missed = Reader(store).missed(start_ms, end_ms)
    finally:
        store.close()
    floor = Floor()
    # Event time, then the conversation and message ids: a fixed order however the
    # store returns rows (the pipeline's flags depend only on the events).
    rows.sort(key=lambda r: (r["ts_ms"], r["conversation_id"], r["message_id"]))
    for i, r in enumerate(rows, 1):
        floor.messages[(r["conversation_id"], r["message_id"])] = r
        event = {"conversation_id": r["conversation_id"], "message_id": r["message_id"], "ts": r["ts_ms"],
                 "role": r["role"], "text": r["text_masked"], "channel": r["channel"]}
        if r["queue"] is not None:
            event["queue"] = r["queue"]
        if r["agent_id"] is not None:
            event["agent_id"] = r["agent_id"]
        floor.records.append(RawRecord(orjson.dumps(event), "store", i))
    for f in flags:
        if f["verdict"] in ("confirmed", "false_alarm"):
            key = (f["conversation_id"], f["message_id"], f["kind"])
            floor.reviews[key] = Review(f["verdict"], f["verdict_reason"], f)
    floor.missed = {(m["conversation_id"], m["message_id"], m["kind"]) for m in missed}
    return floor


def replay(records: Sequence[RawRecord], book: PlaybookFile, models: ModelBundle) -> list[Flag]:
    """Every flag the pipeline raises on these events with this playbook."""
    pipeline = build_pipeline(ProcessingConfig(playbook=book), models)
    result = pipeline.process(list(records))
    return result.flags + pipeline.finish().flags


def keys(flags: Sequence[Flag]) -> set[Key]:
    return {(f.conversation_id, f.message_id, f.kind) for f in flags}
