"""Build events and run them through the real pipeline."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

from monitor.app import build_pipeline
from monitor.config import Config
from monitor.events import RawRecord
from monitor.models.loading import with_models
from monitor.pipeline import BatchResult, Pipeline

T0 = 1_794_790_800_000  # 2026-11-16 09:00 +08:00


def records(turns: list[tuple[str, str]], cid: str = "c1", gap_s: int = 30,
            start_ms: int = T0) -> list[RawRecord]:
    """One RawRecord per (role, text), ``gap_s`` apart, message ids m1, m2, …"""
    out = []
    for i, (role, text) in enumerate(turns, 1):
        obj: dict[str, Any] = {"conversation_id": cid, "message_id": f"m{i}",
                               "ts": start_ms + (i - 1) * gap_s * 1000, "role": role, "text": text}
        out.append(RawRecord(json.dumps(obj, ensure_ascii=False).encode(), "test", i))
    return out


def pipeline(**overrides: Any) -> Pipeline:
    return build_pipeline(Config(input_path="-", **overrides))


@functools.cache
def _shipped() -> Config:
    return with_models(Config(input_path="-"))


def product_pipeline(**overrides: Any) -> Pipeline:
    """A pipeline as ``support-monitor run`` builds it: rules plus the shipped models
    (loaded once per test session)."""
    return build_pipeline(replace(_shipped(), **overrides))


def run_turns(turns: list[tuple[str, str]], **kw: Any) -> BatchResult:
    return pipeline().process(records(turns, **kw))


def flags_at(result: BatchResult) -> list[tuple[str, str, str]]:
    """(message_id, kind, severity) of every raised flag, in order."""
    return [(f.message_id, f.kind, f.severity) for f in result.flags]
