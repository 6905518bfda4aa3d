"""``support-monitor models train``: fit the conversation-risk model on dch1_train."""

from __future__ import annotations

import json
from pathlib import Path

from monitor import __version__
from monitor.app import build_pipeline
from monitor.benchmarks.dch1 import records as dch1_records
from monitor.config import Config
from monitor.errors import UsageError
from monitor.models.risk_model import FILENAME, RiskModel, file_sha256, fit
from monitor.playbook_file import PlaybookFile


def train_risk(data_dir: Path, book: PlaybookFile, out_dir: Path) -> tuple[Path, RiskModel]:
    path = data_dir / "dialogues" / "dch1_train.jsonl"
    try:
        dialogues = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror} (give --data-dir ../shared/data)") from None
    # Conversations replayed as one stream (turns 30 s apart); the features are the final
    # state of each. They rest on the rule scores and the playbook file, so both are
    # recorded: a model is only as valid as the scorer it was trained with.
    pipeline = build_pipeline(Config(input_path="-", store_url=None, playbook=book,
                                     conversation_ttl_s=10**9))
    pipeline.process(dch1_records(dialogues))
    states, labels = [], []
    for d in dialogues:
        state = pipeline.states.get(d["id"])
        if state is not None:
            states.append(state)
            labels.append(d["satisfaction_mean"] <= -0.5)
    model = fit(states, labels, {
        "data": {"file": path.name, "sha256": file_sha256(path),
                 "label": "dissatisfied = mean satisfaction <= -0.5", "licence": "CC BY 4.0"},
        "scorer": pipeline.scorer.name, "playbook_sha256": book.sha256,
        "support-monitor": __version__,
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILENAME
    model.save(target)
    return target, model
