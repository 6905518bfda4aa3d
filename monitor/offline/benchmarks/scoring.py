"""Benchmark (not a test): scoring speed of short chat messages against snownlp.

Normalises and scores the customer turns of the JDDC sample (real JD.com chats) in
batches, one core, with the scorer in use (the rules plus the shipped anger, urgency
and complaint-type models of ``--models-dir``, default the repository's models/), with the rules alone for
comparison, and times a loop of
``SnowNLP(text).sentiments`` over the same texts in the same run (issue #3's yardstick:
≥ 20,000 messages/s and ≥ 50× snownlp).

    python -m monitor.offline.benchmarks.scoring --data ../shared/data/dialogues/jddc2019_sample.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from monitor.models.bundle import load_models
from monitor.records.events import Event
from monitor.steps.model_scoring import build_scorer
from monitor.steps.normalise import normalise_batch
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer, Scorer


def rate(scorer: Scorer, events: list[Event], batch_size: int) -> float:
    started = time.perf_counter()
    for k in range(0, len(events), batch_size):
        scorer.score_batch(normalise_batch(events[k:k + batch_size]))
    return len(events) / (time.perf_counter() - started)


def snownlp_rate(texts: list[str]) -> float:
    from snownlp import SnowNLP

    started = time.perf_counter()
    for t in texts:
        SnowNLP(t).sentiments  # noqa: B018 - the work being timed
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/dialogues/jddc2019_sample.jsonl"))
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--snownlp-sample", type=int, default=1000,
                    help="texts for the snownlp loop (it is slow)")
    ap.add_argument("--models-dir", help="folder with the models (default: the repository's models/)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="timed rounds, alternating the scorers; the median is reported (shared "
                         "machines vary by ±30 %% from run to run)")
    args = ap.parse_args()
    texts = [t["text"] for line in args.data.read_text(encoding="utf-8").splitlines()
             for t in json.loads(line)["turns"] if t["role"] == "customer" and t["text"].strip()]
    events = [Event("b", str(i), 0, "customer", t) for i, t in enumerate(texts)]
    rules = RuleScorer(builtin().lexicon)
    models = load_models(args.models_dir)
    # As the monitor scores: every model of the bundle, the risk contribution and the reply model too.
    scorer = build_scorer(builtin().lexicon, models.anger, models.support,
                          models.risk.text if models.risk else None, models.reply)
    rate(scorer, events[:1000], args.batch_size)  # warm-up: first-call costs are not throughput
    rounds: dict[str, list[float]] = {"ours": [], "rules": [], "snow": []}
    sample = texts[: args.snownlp_sample]
    for _ in range(args.rounds):
        rounds["ours"].append(rate(scorer, events, args.batch_size))
        rounds["rules"].append(rate(rules, events, args.batch_size))
        rounds["snow"].append(snownlp_rate(sample))
    ours, rules_only, snow = (statistics.median(rounds[k]) for k in ("ours", "rules", "snow"))
    best = max(rounds["ours"]) / max(rounds["snow"])

    mean_len = sum(map(len, texts)) / len(texts)
    print(f"{len(texts):,} customer messages of {args.data.name} (mean {mean_len:.0f} characters)")
    print(f"normalise + {scorer.name} scoring, batches of {args.batch_size}: {ours:,.0f} messages/s")
    print(f"normalise + {rules.name} alone, for comparison: {rules_only:,.0f} messages/s")
    print(f"SnowNLP(text).sentiments loop ({len(sample):,} of them):        {snow:,.0f} messages/s")
    print(f"ratio: {ours / snow:,.0f}x (medians of {args.rounds} alternating rounds; scorer in use "
          f"per round: {', '.join(f'{r:,.0f}' for r in rounds['ours'])}; best rounds: "
          f"{max(rounds['ours']):,.0f} messages/s, {best:,.0f}x)")


if __name__ == "__main__":
    main()
