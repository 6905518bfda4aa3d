"""Benchmark: the alert budget — how many flags the monitor raises, and on whom (not a test).

Replays ``dch1_train`` (real helpdesk dialogues with satisfaction votes) and the JDDC
sample (real JD.com chats) through the real pipeline and prints flags per 100
conversations by kind and severity, and for ``dch1_train`` the share of dissatisfied
(mean ≤ -0.5) and of satisfied (≥ 0.5) dialogues that got each kind, against the
targets of issue #15. The conversation-risk model is fitted on ``dch1_train``, so its
figures come twice: in-sample (the shipped model) and cross-validated (5 folds by
dialogue: the model refitted on four fifths, the fifth replayed with it).

On JDDC it also counts ``no_reply`` flags and checks them against the team's hand-read
sample (``models/data/no_reply_review.jsonl``: which flagged messages did need a reply).

    python -m monitor.offline.benchmarks.budget --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.models.artifact import DEFAULT_DIR
from monitor.models.bundle import ModelBundle, load_models
from monitor.offline.benchmarks.dch1 import DISSATISFIED, SATISFIED
from monitor.offline.benchmarks.dch1 import records as dch1_records
from monitor.offline.benchmarks.replay import T0
from monitor.offline.dch1_data import dch1_dialogues, risk_data
from monitor.offline.risk_fit import Dialogues, RiskEstimator
from monitor.records.events import RawRecord
from monitor.records.flags import Flag
from monitor.steps.playbook import file as playbook_file
from monitor.steps.playbook.file import PlaybookFile

KINDS = ("escalate_supervisor", "handle_emotion_first", "urgent", "agent_coaching")
SEVERITIES = ("info", "warning", "critical")
# Issue #15: share of dissatisfied at least, share of satisfied at most.
TARGETS = {"escalate_supervisor": (0.30, 0.01), "handle_emotion_first": (0.45, 0.05)}
NO_REPLY_REVIEW = DEFAULT_DIR / "data" / "no_reply_review.jsonl"


@dataclass(frozen=True)
class Shares:
    """Which dialogues got which kind of flag, by satisfaction group."""

    flagged: dict[str, set[str]]
    groups: dict[str, list[str]]

    def share(self, kind: str, group: str) -> float:
        ids = self.groups[group]
        return sum(i in self.flagged.get(kind, set()) for i in ids) / max(len(ids), 1)


def replay(records: list[RawRecord], book: PlaybookFile, models: ModelBundle) -> list[Flag]:
    pipeline = build_pipeline(ProcessingConfig(playbook=book), models)
    result = pipeline.process(records)
    return result.flags + pipeline.finish().flags


def dch1_groups(dialogues: list[dict[str, Any]]) -> dict[str, list[str]]:
    def group(mean: float) -> str:
        return "dissatisfied" if mean <= DISSATISFIED else "satisfied" if mean >= SATISFIED else "middle"

    out: dict[str, list[str]] = {"dissatisfied": [], "middle": [], "satisfied": []}
    for d in dialogues:
        out[group(d["satisfaction_mean"])].append(d["id"])
    return out


def shares(flags: Sequence[Flag], dialogues: list[dict[str, Any]]) -> Shares:
    flagged: dict[str, set[str]] = {}
    for f in flags:
        flagged.setdefault(f.kind, set()).add(f.conversation_id)
    return Shares(flagged, dch1_groups(dialogues))


def cross_validated_flags(dialogues: list[dict[str, Any]], book: PlaybookFile, models: ModelBundle,
                          data: Dialogues | None = None, folds: int = 5) -> list[Flag]:
    """Flags of each fifth of the dialogues replayed with a risk model fitted on the rest."""
    data = data or risk_data(dialogues, book, models.anger, models.support)
    ids = [d["id"] for d in dialogues]
    out: list[Flag] = []
    split = StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(ids)), data.labels)
    for train, test in split:
        risk = RiskEstimator().fit(data, train).to_model()
        held = [dialogues[i] for i in test]
        out += replay(dch1_records(held), book, ModelBundle(models.anger, models.support, risk))
    return out


def jddc_records(dialogues: list[dict[str, Any]]) -> list[RawRecord]:
    """The JDDC sessions as a stream: a new session every 20 s, turns 30 s apart (as the
    replay benchmark), so a session's last customer message waits while others go on."""
    out: list[RawRecord] = []
    events = []
    for i, d in enumerate(dialogues):
        start = T0 + i * 20_000
        for j, turn in enumerate(d["turns"]):
            events.append({"conversation_id": d["id"][:16], "message_id": f"m{j}", "ts": start + j * 30_000,
                           "role": turn["role"], "text": turn["text"] or "…", "channel": "chat",
                           "queue": "jd"})
    for obj in sorted(events, key=lambda e: e["ts"]):
        out.append(RawRecord(json.dumps(obj, ensure_ascii=False).encode(), "jddc", len(out)))
    return out


def per_100(flags: Sequence[Flag], conversations: int) -> list[str]:
    counts: Counter[tuple[str, str]] = Counter((f.kind, f.severity) for f in flags)
    lines = [f"{'kind':<22}" + "".join(f"{s:>10}" for s in SEVERITIES) + f"{'all':>10}"]
    for kind in KINDS:
        row = [100 * counts[(kind, s)] / conversations for s in SEVERITIES]
        lines.append(f"{kind:<22}" + "".join(f"{v:>10.1f}" for v in row) + f"{sum(row):>10.1f}")
    return lines


def share_lines(result: Shares) -> list[str]:
    lines = [f"{'kind':<22}{'dissatisfied':>14}{'satisfied':>12}   target (≥ dissatisfied, ≤ satisfied)"]
    for kind in KINDS:
        dis, sat = result.share(kind, "dissatisfied"), result.share(kind, "satisfied")
        target = ""
        if kind in TARGETS:
            lo, hi = TARGETS[kind]
            met = "met" if dis >= lo and sat <= hi else "NOT met"
            target = f"   ≥ {100 * lo:.0f} %, ≤ {100 * hi:.0f} %: {met}"
        lines.append(f"{kind:<22}{100 * dis:>13.1f}%{100 * sat:>11.1f}%{target}")
    return lines


def no_reply_check(flags: Sequence[Flag], review: Path = NO_REPLY_REVIEW) -> list[str]:
    """The hand-read no_reply flags: how many the monitor still raises, and were they due."""
    raised = [f for f in flags if any(r.code == "no_reply" for r in f.reasons)]
    lines = [f"no_reply flags: {len(raised)}"]
    if not review.exists():
        return [*lines, f"(no hand-read sample: {review} is missing)"]
    rows = [json.loads(x) for x in review.read_text(encoding="utf-8").splitlines() if x.strip()]
    keys = {(f.conversation_id, f.message_id) for f in raised}
    read = [r for r in rows if (r["conversation_id"], r["message_id"]) in keys]
    due = sum(r["reply_due"] for r in read)
    lines.append(f"hand-read ({review.name}): {len(rows)} flags read, a reply was due on "
                 f"{sum(r['reply_due'] for r in rows)}; this run raises {len(read)} of them: due {due}, "
                 f"not due {len(read) - due}; raised and never read: {len(raised) - len(read)}")
    for sample in sorted({r["read_in"] for r in rows}):
        part = [r for r in rows if r["read_in"] == sample]
        kept = [r for r in part if (r["conversation_id"], r["message_id"]) in keys]
        lines.append(f"  {sample}: {len(part)} read, {sum(r['reply_due'] for r in part)} due; "
                     f"raised now {len(kept)} ({sum(r['reply_due'] for r in kept)} due)")
    return lines


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--playbook", help="playbook file (default: built-in)")
    parser.add_argument("--models-dir", help="trained models (default: the repository's models/)")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated replay")
    args = parser.parse_args(argv)
    book = playbook_file.load(args.playbook)
    models = load_models(args.models_dir)

    dialogues = dch1_dialogues(args.data_dir)
    flags = replay(dch1_records(dialogues), book, models)
    print(f"dch1_train: {len(dialogues)} dialogues; playbook {book.source} ({book.sha256[:12]}); risk "
          f"{models.risk.name if models.risk else 'rules'}")
    print("\nflags per 100 conversations, in-sample (the shipped risk model saw these dialogues):")
    print("\n".join(per_100(flags, len(dialogues))))
    print("\nshare of dialogues with each kind, in-sample:")
    print("\n".join(share_lines(shares(flags, dialogues))))
    if not args.no_cv and models.risk is not None:
        cv = cross_validated_flags(dialogues, book, models)
        print("\nflags per 100 conversations, cross-validated (risk refitted without the replayed fifth):")
        print("\n".join(per_100(cv, len(dialogues))))
        print("\nshare of dialogues with each kind, cross-validated:")
        print("\n".join(share_lines(shares(cv, dialogues))))

    path = args.data_dir / "dialogues" / "jddc2019_sample.jsonl"
    sessions = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    jddc = replay(jddc_records(sessions), book, models)
    print(f"\n{path.name}: {len(sessions)} sessions; flags per 100 conversations:")
    print("\n".join(per_100(jddc, len(sessions))))
    print("\n".join(no_reply_check(jddc)))


if __name__ == "__main__":
    main()
