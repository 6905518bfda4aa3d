"""dch1_train for the conversation-risk model: the dialogues, and their replay through the
pipeline with the scorers in use (what ``risk_fit.py`` learns from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.models.anger_model import AngerModel
from monitor.models.bundle import ModelBundle
from monitor.models.support_model import SupportModel
from monitor.offline.benchmarks.dch1 import DISSATISFIED
from monitor.offline.benchmarks.dch1 import records as dch1_records
from monitor.offline.risk_fit import Dialogues
from monitor.records.errors import UsageError
from monitor.steps.playbook.file import PlaybookFile


def dch1_dialogues(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "dialogues" / "dch1_train.jsonl"
    try:
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror} (give --data-dir ../shared/data)") from None


def risk_data(dialogues: list[dict[str, Any]], book: PlaybookFile, anger: AngerModel | None,
              support: SupportModel | None) -> Dialogues:
    """Conversations replayed as one stream (turns 30 s apart) with the scorers in use: the
    customer texts as the scorer saw them and the final state of each. The features rest
    on the scorers and the playbook file, so both are recorded with the model."""
    pipeline = build_pipeline(ProcessingConfig(playbook=book, conversation_ttl_s=10**9),
                              ModelBundle(anger=anger, support=support))
    result = pipeline.process(dch1_records(dialogues))
    messages: dict[str, list[str]] = {d["id"]: [] for d in dialogues}
    for p in result.processed:
        e = p.event
        if e.role == "customer" and e.text.strip():
            messages[e.conversation_id].append(e.norm_text or e.text)
    kept = [d for d in dialogues if pipeline.states.get(d["id"]) is not None]
    return Dialogues([messages[d["id"]] for d in kept],
                     [s for d in kept if (s := pipeline.states.get(d["id"])) is not None],
                     [d["satisfaction_mean"] <= DISSATISFIED for d in kept])
