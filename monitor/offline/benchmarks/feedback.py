"""Benchmark: the feedback loop on real dialogues, with the customers' own votes as the
reviewer (not a test).

``dch1_train`` (real Weibo helpdesk dialogues with satisfaction votes) is cut in two
halves by a hash of the dialogue id. Half A is the floor's history: the conversation-risk
model is fitted on it, it is replayed into a store, and every emotion-first and
escalation flag on it gets a verdict from the votes — confirmed on a dissatisfied
dialogue (mean ≤ -0.5), a false alarm ("not angry") on a satisfied one (≥ 0.5), none in
between. ``playbook propose`` then works on half A alone; half B, which nothing was
fitted or proposed on, is replayed with the built-in playbook and with the proposal, and
the precision and recall of the flags are printed for both. With ``--retrain``,
``models train --feedback`` runs on the same store (into a temporary folder).

    python -m monitor.offline.benchmarks.feedback --data-dir ../shared/data [--retrain]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from monitor.app import run
from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig
from monitor.io.store import Store
from monitor.io.store.actions import FlagActions
from monitor.models.bundle import ModelBundle, load_models
from monitor.offline.benchmarks.budget import dch1_groups
from monitor.offline.benchmarks.dch1 import records as dch1_records
from monitor.offline.dch1_data import dch1_dialogues, risk_data
from monitor.offline.feedback_data import read_floor, replay
from monitor.offline.propose import load_values, propose
from monitor.offline.risk_fit import RiskEstimator
from monitor.records.flags import Flag
from monitor.steps.playbook import file as playbook_file

KINDS = ("handle_emotion_first", "escalate_supervisor")


def half(dialogue_id: str) -> str:
    # Salted: the floor split of `models train --feedback` hashes the same ids with sha1.
    return "A" if int(hashlib.sha256(b"half:" + dialogue_id.encode()).hexdigest(), 16) % 2 == 0 else "B"


def figures(flags: Sequence[Flag], dialogues: list[dict[str, Any]]
            ) -> dict[str, tuple[float, float, float, int]]:
    """Per kind: precision (flagged dialogues that were dissatisfied, of those dissatisfied
    or satisfied), recall (dissatisfied dialogues flagged), satisfied dialogues flagged, flags."""
    groups = dch1_groups(dialogues)
    dis, sat = set(groups["dissatisfied"]), set(groups["satisfied"])
    out = {}
    for kind in (*KINDS, "either"):
        mine = [f for f in flags if f.kind == kind or (kind == "either" and f.kind in KINDS)]
        flagged = {f.conversation_id for f in mine}
        right, wrong, n = len(flagged & dis), len(flagged & sat), len(mine)
        out[kind] = (right / max(right + wrong, 1), right / max(len(dis), 1), wrong / max(len(sat), 1), n)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--playbook", help="the floor's playbook before the feedback (default: built-in)")
    parser.add_argument("--feedback-weight", type=float, default=3.0, help="as for models train")
    parser.add_argument("--retrain", action="store_true",
                        help="also run models train --feedback (~2 min)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    book = playbook_file.load(args.playbook)
    shipped = load_models()
    dialogues = dch1_dialogues(args.data_dir)
    a = [d for d in dialogues if half(d["id"]) == "A"]
    b = [d for d in dialogues if half(d["id"]) == "B"]
    data = risk_data(dialogues, book, shipped.anger, shipped.support)
    history = np.array([i for i, d in enumerate(dialogues) if half(d["id"]) == "A"])
    risk = RiskEstimator().fit(data, history).to_model()
    models = ModelBundle(shipped.anger, shipped.support, risk, shipped.reply)
    print(f"dch1_train: {len(dialogues)} dialogues; half A (history) {len(a)}, half B (new) {len(b)}")

    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "a.jsonl"
        stream.write_bytes(b"".join(bytes(r.value) + b"\n" for r in dch1_records(a)
                                    if isinstance(r.value, bytes)))
        store_url = str(Path(tmp) / "floor.db")
        outputs = OutputConfig(flags_out=None, store_url=store_url)
        run(RunConfig(SourceConfig(input_path=str(stream)), outputs, ProcessingConfig(playbook=book), models))
        groups = {i: g for g, ids in dch1_groups(a).items() for i in ids}
        store = Store(store_url, create=False)
        actions, reviewed = FlagActions(store), 0
        for f in store.flags():
            group = groups.get(f["conversation_id"])
            if f["kind"] in KINDS and group in ("dissatisfied", "satisfied"):
                verdict = "confirmed" if group == "dissatisfied" else "false_alarm"
                actions.verdict(f["flag_id"], "satisfaction-vote", "benchmark", verdict,
                                None if verdict == "confirmed" else "not_angry")
                reviewed += 1
        store.close()
        print(f"half A: {reviewed} emotion-first and escalation flags reviewed by the votes")
        floor = read_floor(store_url)
        proposal = propose(floor, playbook_file.overrides(args.playbook), models)
        base, after = proposal.base, proposal.combined or proposal.base
        print(f"proposal on half A ({len(proposal.kept)} changes): confirmed kept "
              f"{after.confirmed_kept}/{base.confirmed_kept}, false alarms removed "
              f"{base.false_alarms_left - after.false_alarms_left}/{base.false_alarms_left}")
        for change in proposal.kept:
            print(f"  - {change.label}")
        proposed = load_values(proposal.values)
        assert proposed is not None
        print("\nhalf B (never fitted or proposed on), per kind: "
              "precision / recall / satisfied flagged / flags")
        before_b = figures(replay(dch1_records(b), book, models), b)
        after_b = figures(replay(dch1_records(b), proposed, models), b)
        for kind in before_b:
            p0, r0, s0, n0 = before_b[kind]
            p1, r1, s1, n1 = after_b[kind]
            print(f"  {kind:<22} before {p0:.3f} / {r0:.3f} / {s0:.3f} / {n0:>5}   proposal "
                  f"{p1:.3f} / {r1:.3f} / {s1:.3f} / {n1:>5}")
        if args.retrain:
            from monitor.offline.feedback_retrain import retrain
            from monitor.offline.feedback_train import read_labels

            print("\nmodels train --feedback on the half-A store:")
            retrain(args.data_dir, book, Path(tmp) / "models", read_labels(store_url), args.feedback_weight)
        print(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
