"""Evaluation (not a test): the playbook's escalations against real satisfaction votes.

Replays NTCIR-14 DCH-1 (real customer ↔ helpdesk dialogues on Weibo, each with 19
annotators' satisfaction votes) as one stream through the real pipeline steps and
reports which share of dissatisfied dialogues (mean satisfaction ≤ -0.5) and of
satisfied ones (≥ 0.5) got ``escalate_supervisor``, with the reasons, plus the ROC AUC
of the peak anger and conversation risk for telling dissatisfied dialogues apart.

The dialogues carry no timestamps: all start together and their turns are 30 s apart,
so the response-time rules never reach the 600 s breach and the figures measure what
the messages and the conversation's course say.

    python -m monitor.offline.benchmarks.dch1 --data ../shared/data/dialogues/dch1_train.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.models.bundle import ModelBundle, load_models
from monitor.records.events import RawRecord
from monitor.records.results import BatchResult
from monitor.steps.playbook import file as playbook_file

T0 = 1_794_790_800_000
DISSATISFIED, SATISFIED = -0.5, 0.5


def records(dialogues: list[dict[str, Any]]) -> list[RawRecord]:
    """All dialogues as one stream in event-time order (turn by turn, side by side)."""
    out: list[RawRecord] = []
    longest = max(len(d["turns"]) for d in dialogues)
    for j in range(longest):
        for d in dialogues:
            turns = d["turns"]
            if j < len(turns):
                obj = {"conversation_id": d["id"], "message_id": f"m{j + 1}", "ts": T0 + j * 30_000,
                       "role": turns[j]["role"], "text": turns[j]["text"] or "…", "channel": "social"}
                out.append(RawRecord(json.dumps(obj, ensure_ascii=False).encode(), "dch1", len(out)))
    return out


def peak_aucs(result: BatchResult, dialogues: list[dict[str, Any]]) -> dict[str, float]:
    """ROC AUC of each dialogue's peak anger and peak conversation risk for telling the
    dissatisfied dialogues (mean satisfaction ≤ -0.5) from the rest."""
    from sklearn.metrics import roc_auc_score

    anger: dict[str, float] = defaultdict(float)
    risk: dict[str, float] = defaultdict(float)
    for p in result.processed:
        cid = p.event.conversation_id
        anger[cid] = max(anger[cid], p.scores.anger)
        risk[cid] = max(risk[cid], p.conversation_risk)
    labels = [d["satisfaction_mean"] <= DISSATISFIED for d in dialogues]
    ids = [d["id"] for d in dialogues]
    return {"peak conversation_risk": float(roc_auc_score(labels, [risk[i] for i in ids])),
            "peak anger": float(roc_auc_score(labels, [anger[i] for i in ids]))}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dch1_train.jsonl")
    parser.add_argument("--playbook", help="playbook file to evaluate (default: built-in)")
    parser.add_argument("--models-dir", help="trained models (default: the repository's models/)")
    parser.add_argument("--rules-only", action="store_true", help="without the trained models")
    args = parser.parse_args(argv)

    dialogues = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    mean = {d["id"]: d["satisfaction_mean"] for d in dialogues}
    processing = ProcessingConfig(playbook=playbook_file.load(args.playbook))
    models = ModelBundle() if args.rules_only else load_models(args.models_dir)
    pipeline = build_pipeline(processing, models)
    result = pipeline.process(records(dialogues))

    kinds: dict[str, set[str]] = defaultdict(set)
    reasons: dict[str, Counter[str]] = {"dissatisfied": Counter(), "satisfied": Counter()}
    for flag in result.flags:
        kinds[flag.kind].add(flag.conversation_id)
        group = _group(mean[flag.conversation_id])
        if flag.kind == "escalate_supervisor" and group in reasons:
            reasons[group].update(r.code for r in flag.reasons)
    groups = {g: [d["id"] for d in dialogues if _group(d["satisfaction_mean"]) == g]
              for g in ("dissatisfied", "middle", "satisfied")}
    print(f"{args.data.name}: {len(dialogues)} dialogues, {len(result.processed)} messages, "
          f"playbook {processing.playbook.source} (sha256 {processing.playbook.sha256[:12]}), scorer "
          f"{pipeline.scorer.name}, risk {models.risk.name if models.risk else 'rules'}")
    print(f"{'group':<34}{'n':>6}" + "".join(f"{k:>22}" for k in _KINDS))
    for g, ids in groups.items():
        label = {"dissatisfied": "dissatisfied (mean ≤ -0.5)", "middle": "in between",
                 "satisfied": "satisfied (mean ≥ 0.5)"}[g]
        cells = "".join(f"{_share(kinds[k], ids):>22}" for k in _KINDS)
        print(f"{label:<34}{len(ids):>6}{cells}")
    for g, counts in reasons.items():
        print(f"escalation reasons, {g}: " + ", ".join(f"{c} {n}" for c, n in counts.most_common()))
    aucs = peak_aucs(result, dialogues)
    print(f"ROC AUC for dissatisfied vs the rest: peak anger {aucs['peak anger']:.3f}, "
          f"peak conversation_risk {aucs['peak conversation_risk']:.3f}"
          + (" (the risk model is fitted on these dialogues: see its cross-validated AUC in "
             "models/README.md)" if models.risk else ""))


_KINDS = ("escalate_supervisor", "handle_emotion_first", "urgent", "agent_coaching")


def _group(mean: float) -> str:
    if mean <= DISSATISFIED:
        return "dissatisfied"
    return "satisfied" if mean >= SATISFIED else "middle"


def _share(flagged: set[str], ids: list[str]) -> str:
    n = sum(1 for i in ids if i in flagged)
    return f"{n} ({100 * n / len(ids):.1f} %)"


if __name__ == "__main__":
    main()
