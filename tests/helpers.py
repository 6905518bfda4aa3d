"""Build events and run them through the real pipeline."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from monitor import app
from monitor.app import build_pipeline
from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig
from monitor.models.bundle import ModelBundle, load_models
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult
from monitor.steps.pipeline import Pipeline

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
    return build_pipeline(ProcessingConfig(**overrides))


@functools.cache
def shipped_models() -> ModelBundle:
    """The repository's models, loaded once per test session."""
    return load_models()


def product_pipeline(**overrides: Any) -> Pipeline:
    """A pipeline as ``support-monitor run`` builds it: rules plus the shipped models."""
    return build_pipeline(ProcessingConfig(**overrides), shipped_models())


def run_file(path: Path | str, models: ModelBundle | None = None, batch_size: int = 200,
             processing: ProcessingConfig | None = None, metrics: Any = None,
             **outputs: Any) -> app.RunStats:
    """``support-monitor run --input PATH`` with these outputs (``OutputConfig`` fields)."""
    return app.run(RunConfig(SourceConfig(input_path=str(path), batch_size=batch_size),
                             OutputConfig(**outputs), processing or ProcessingConfig(),
                             models or ModelBundle()), metrics=metrics)


def run_turns(turns: list[tuple[str, str]], **kw: Any) -> BatchResult:
    return pipeline().process(records(turns, **kw))


def flags_at(result: BatchResult) -> list[tuple[str, str, str]]:
    """(message_id, kind, severity) of every raised flag, in order."""
    return [(f.message_id, f.kind, f.severity) for f in result.flags]
