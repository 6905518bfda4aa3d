"""The reply-expectation model (``monitor/models/reply_model.py``): its labelled data,
fitting and held-out figures.

Two labelled sets, each with a fixed split (``split``: train / test; never move a line):
- ``models/data/reply_labels.jsonl``: real customer lines of the JDDC sample, read by
  the team — the last customer turn of a session (closings, thanks, "I'll do it myself",
  but also last questions left unanswered) and earlier turns; only the session id, the
  turn and a hash of the stripped text are stored, the text is read from ``../shared/data``;
  sessions are split whole (a third to test);
- ``models/data/reply_messages.jsonl``: the team's own support lines (text and label).
The rules' view for comparison: a message made only of the playbook's closing words
(``customer_closing``) expects no reply, any other does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from monitor.models.artifact import DEFAULT_DIR, file_sha256
from monitor.models.reply_model import N_FEATURES, ReplyModel
from monitor.offline import jddc_lines
from monitor.offline.estimators import TextEstimator
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import PlaybookFile
from monitor.steps.scoring import RuleScorer

JDDC_LABELS = DEFAULT_DIR / "data" / "reply_labels.jsonl"
OWN_LABELS = DEFAULT_DIR / "data" / "reply_messages.jsonl"
C = 3.0


@dataclass(frozen=True)
class Labelled:
    texts: list[str]  # normalised
    expects: np.ndarray
    source: list[str]  # "jddc last", "jddc earlier", "own"


def load(data_dir: Path, split: str) -> Labelled:
    """One split of both labelled sets."""
    texts: list[str] = []
    expects: list[int] = []
    source: list[str] = []
    has_jddc = jddc_lines.available(data_dir, JDDC_LABELS)
    jddc = jddc_lines.read(data_dir, JDDC_LABELS, split) if has_jddc else []
    for row, text in jddc:
        texts.append(normalise(text))
        expects.append(row["expects_reply"])
        source.append(f"jddc {row['position']}")
    for row in jddc_lines.rows(OWN_LABELS):
        if row["split"] == split:
            texts.append(normalise(row["text"]))
            expects.append(row["expects_reply"])
            source.append("own")
    return Labelled(texts, np.array(expects, dtype=bool), source)


def train(data_dir: Path, book: PlaybookFile, out_dir: Path, version: str,
          extra: tuple[list[str], list[bool], float] | None = None) -> ReplyModel:
    """Fit on the train split (and ``extra``: the floor's labels with their weight)."""
    import sklearn

    data = load(data_dir, "train")
    texts, labels = list(data.texts), data.expects.tolist()
    weights = None
    if extra is not None and extra[0]:
        weights = [1.0] * len(texts) + [extra[2]] * len(extra[0])
        texts, labels = texts + extra[0], labels + extra[1]
    estimator = TextEstimator(c=C, n_features=N_FEATURES).fit(texts, labels, weights)
    model = estimator.to_model(ReplyModel)
    figures = evaluate(data_dir, book, model)
    model.save(out_dir, {
        "data": {"jddc_labels": {"file": JDDC_LABELS.name, "sha256": file_sha256(JDDC_LABELS)},
                 "own": {"file": OWN_LABELS.name, "sha256": file_sha256(OWN_LABELS)},
                 "samples": len(data.texts), "expects_reply": int(data.expects.sum()),
                 "licence": "JDDC: research use (texts stay in ../shared/data); "
                            "own lines: the project's own"},
        "held_out": figures["all"], "support-monitor": version,
        "hyperparameters": estimator.hyperparameters(), "scikit-learn": sklearn.__version__,
    })
    return model


def _figures(expects: np.ndarray, p: np.ndarray, rules: np.ndarray, threshold: float) -> dict[str, Any]:
    """ROC AUC / AP of P(expects a reply), and for "needs no reply" (what stops a timer)
    the precision and recall of the model at ``threshold`` and of the closing rule."""
    none = ~expects

    def pr(said_none: np.ndarray) -> str:
        tp = int((said_none & none).sum())
        precision = tp / said_none.sum() if said_none.any() else float("nan")
        return f"{precision:.2f} / {tp / max(int(none.sum()), 1):.2f}"

    both = len(set(expects.tolist())) == 2
    return {"n": len(expects), "expects_reply": int(expects.sum()),
            "roc_auc": round(float(roc_auc_score(expects, p)), 3) if both else None,
            "ap": round(float(average_precision_score(expects, p)), 3) if both else None,
            "model no-reply P / R": pr(p < threshold), "rules no-reply P / R": pr(~rules)}


def evaluate(data_dir: Path, book: PlaybookFile, model: ReplyModel) -> dict[str, dict[str, Any]]:
    """Held-out figures on the test split: all of it, and per source."""
    data = load(data_dir, "test")
    p = np.array(model.predict_proba(data.texts))
    rules = RuleScorer(book.lexicon)
    closing = np.array(["closing" not in rules.score_text(t).codes() for t in data.texts])
    threshold = book.settings.reply_expected
    out = {"all": _figures(data.expects, p, closing, threshold)}
    for source in sorted(set(data.source)):
        at = np.array([s == source for s in data.source])
        out[source] = _figures(data.expects[at], p[at], closing[at], threshold)
    return out


def table(figures: dict[str, dict[str, Any]], threshold: float) -> list[str]:
    lines = [f"| test split | n | expects a reply | ROC AUC / AP | no reply needed, P / R: model "
             f"(P < {threshold}) | closing rule |", "|---|---|---|---|---|---|"]
    for name, f in figures.items():
        auc = "–" if f["roc_auc"] is None else f"{f['roc_auc']:.3f} / {f['ap']:.3f}"
        lines.append(f"| {name} | {f['n']} | {f['expects_reply']} | {auc} | {f['model no-reply P / R']} | "
                     f"{f['rules no-reply P / R']} |")
    return lines
