"""The pretrained encoder's second opinion (``monitor/models/encoder.py``): fit, evaluate,
and measure the cascade (not part of ``models train``: it needs the ``[encoder]`` extra
and about 15 minutes of one machine to embed the training sets).

    python -m monitor.offline.encoder_fit --data-dir ../shared/data [--cache DIR] [--out models/]

Fits a logistic regression over the fast model's out-of-fold features (as the anger
combiner sees them) and the e5 embedding, on the anger model's training data; prints,
on every held-out anger set: the fast anger in use, the encoder model alone, and the
cascade (the encoder only where the fast anger is in the band around the playbook's
thresholds), with the share of messages the cascade embeds and the time it adds.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from monitor.models import anger_model, encoder
from monitor.models.anger_model import AngerModel
from monitor.models.artifact import DEFAULT_DIR
from monitor.offline.estimators import AngerEstimator
from monitor.offline.evaluate import anger_sets, load, load_chat, load_own
from monitor.offline.train import ANGER_TRAIN, OWN_WEIGHT
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer


def embed(texts: Sequence[str], cache: Path | None, name: str) -> np.ndarray:
    """e5 embeddings of ``texts`` (cached by a hash of the texts: an expensive step)."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache / f"e5-{name}-{key}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)  # type: ignore[no-any-return]
    model = encoder.EncoderAnger(np.zeros(4 + encoder.DIM), 0.0)
    out = np.vstack([model.embed(texts[i:i + 256]) for i in range(0, len(texts), 256)])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cache", type=Path, help="folder for the embeddings (reused when the texts match)")
    ap.add_argument("--out", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args(argv)
    rules = RuleScorer(builtin().lexicon)
    raw: list[str] = []
    labels: list[bool] = []
    weights: list[float] = []
    for name in ANGER_TRAIN:
        t, y = load(args.data_dir, name)
        raw += t
        labels += [bool(v) for v in y]
        weights += [1.0] * len(t)
    own = load_own("train")
    chat_t, chat_y = load_chat(args.data_dir, "train")
    raw += [r["text"] for r in own] + chat_t
    labels += [bool(r["anger"]) for r in own] + [bool(v) for v in chat_y]
    weights += [OWN_WEIGHT] * (len(own) + len(chat_t))
    texts = [normalise(t) for t in raw]
    evidence = [rules.score_text(t).anger_evidence for t in texts]
    short = [len(t.strip()) < anger_model.SHORT_CHARS for t in texts]
    fast = AngerEstimator().fit(texts, labels, weights, evidence)  # its out-of-fold probabilities
    started = time.perf_counter()
    e = embed(raw, args.cache, "train")
    print(f"embedded {len(raw):,} training texts ({time.perf_counter() - started:.0f} s, or cached)")
    x = np.hstack([anger_model.combiner_features(fast.oof_, evidence, short), e])
    lr = LogisticRegression(C=1.0, max_iter=3000).fit(x, labels, sample_weight=weights)
    model = encoder.EncoderAnger(np.asarray(lr.coef_[0], dtype=np.float64), float(lr.intercept_[0]),
                                 {"encoder": encoder.MODEL, "samples": len(texts), "own_weight": OWN_WEIGHT})
    model.save(args.out / encoder.FILENAME)
    print(f"wrote {args.out / encoder.FILENAME}")
    shipped = AngerModel.load(args.out)
    book = builtin()
    highs = [s.anger_high for s in (book.settings, *book.channels.values())]
    low, high = min(highs) - encoder.MARGIN, max(highs) + encoder.MARGIN
    print(f"| set | fast in use | encoder model | cascade (band {low:.2f}–{high:.2f}) | share embedded | "
          f"flagged at anger ≥ {min(highs):.1f}, P / R: fast → cascade |")
    print("|---|---|---|---|---|---|")
    for name, (t_raw, y) in anger_sets(args.data_dir).items():
        t = [normalise(v) for v in t_raw]
        ev = [rules.score_text(v).anger_evidence for v in t]
        sh = [len(v.strip()) < anger_model.SHORT_CHARS for v in t]
        p = shipped.predict_proba(t)
        in_use = shipped.combine(p, ev, sh)
        second = model.predict(p, ev, sh, embed(t_raw, args.cache, name))
        band = (in_use >= low) & (in_use < high) & ~np.asarray(sh)
        cascade = np.where(band, second, in_use)

        def fmt(v: np.ndarray, y: np.ndarray = y) -> str:
            return f"{roc_auc_score(y, v):.3f} / {average_precision_score(y, v):.3f}"

        def pr(v: np.ndarray, y: np.ndarray = y) -> str:
            said = v >= min(highs)
            return f"{(said & y).sum() / max(said.sum(), 1):.2f} / {(said & y).sum() / max(y.sum(), 1):.2f}"

        print(f"| {name} | {fmt(in_use)} | {fmt(second)} | {fmt(cascade)} | {band.mean():.1%} | "
              f"{pr(in_use)} → {pr(cascade)} |")
    one = time.perf_counter()
    for text in ["这个怎么安装啊，弄了半天都不行，太差劲了"] * 20:
        model.embed([text])
    print(f"one embedding: {(time.perf_counter() - one) / 20 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
