"""Urgency and complaint type, learned from the team's labelled support messages.

No public data labels urgency or complaint type, so both are fitted (offline, see
``monitor/offline/estimators.py``) on ``models/data/support_messages.jsonl`` (train
split; the test split is held out for the model card). Features: the message's hashed
character 1–3-grams (TF-IDF) beside what the rules already found — their urgency score,
each urgency signal (deadline, occasion, money at risk, health, long wait, negation) and
their complaint category — so the model learns how much each rule is worth and the
wording the lists miss (宝宝发烧, 房租今天必须交).

- urgency: logistic regression, P(urgent), on all features but the complaint category;
- complaint type: multinomial logistic regression over the five PLAYBOOK §2 categories
  and "none"; the scorer takes its category, or the rules' when the model says none.

At run time: the fitted arrays in ``models/support.npz`` (``support.json`` beside it),
numpy alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from monitor.models import artifact, linear
from monitor.models.char_hash import HashedCounts, hash_counts
from monitor.records.lexicon import COMPLAINT_TYPES, URGENCY_SIGNALS
from monitor.records.scores import MessageScores

FORMAT = "support-monitor/support/4"  # 4: plain arrays (3: scikit-learn parts in skops)
FILENAME = "support.npz"
META_FILENAME = "support.json"
RULE_SIGNALS = (*URGENCY_SIGNALS, "long_wait", "urgency_negated")
FEATURES = ("rules:urgency", *(f"signal:{s}" for s in RULE_SIGNALS),
            *(f"rules:complaint:{k}" for k in COMPLAINT_TYPES))
# The urgency head leaves out the rules' complaint category (the last columns): what a
# complaint is about is no evidence of time pressure, and with it the urgency head
# learned that logistics requests (快点派送) are urgent whenever a term list changed.
URGENCY_FEATURES = len(FEATURES) - len(COMPLAINT_TYPES)
NONE = "none"
# A few hundred training texts need no 2^17 buckets; 2^14 keeps the file small. Counts
# hashed for the anger model (2^17, same hash) are folded, not recomputed.
N_FEATURES = 2**14
NGRAM_MAX = 3

_COLUMN = {**{s: 1 + i for i, s in enumerate(RULE_SIGNALS)},
           **{k: 1 + len(RULE_SIGNALS) + i for i, k in enumerate(COMPLAINT_TYPES)}}


def rule_features(rules: Sequence[MessageScores]) -> np.ndarray:
    """One row per message, columns as ``FEATURES``."""
    x = np.zeros((len(rules), len(FEATURES)))
    for i, s in enumerate(rules):
        x[i, 0] = s.urgency
        for signal in s.signals:
            if (j := _COLUMN.get(signal.code)) is not None:
                x[i, j] = 1.0
        if s.complaint_type is not None:
            x[i, _COLUMN[s.complaint_type]] = 1.0
    return x


class SupportModel:
    """P(urgent) and the complaint category from the fitted arrays."""

    name = "support-lr-v1"

    def __init__(self, idf: np.ndarray, urgency_coef: np.ndarray, urgency_intercept: float,
                 complaint_coef: np.ndarray, complaint_intercept: np.ndarray,
                 classes: Sequence[str], metadata: dict[str, Any] | None = None) -> None:
        n = int(idf.shape[0])
        if urgency_coef.shape != (n + URGENCY_FEATURES,) or complaint_coef.shape != (
                len(classes), n + len(FEATURES)) or complaint_intercept.shape != (len(classes),):
            raise ValueError("support model arrays do not fit together")
        self.idf = idf
        self.urgency_coef = urgency_coef
        self.urgency_intercept = float(urgency_intercept)
        self.complaint_coef = complaint_coef
        self.complaint_intercept = complaint_intercept
        self.classes = tuple(str(c) for c in classes)
        self.n_features = n
        self.metadata = metadata or {}

    @property
    def hashing(self) -> tuple[int, int]:
        """(buckets, longest n-gram): models that hash alike can share ``hash(texts)``."""
        return self.n_features, NGRAM_MAX

    def hash(self, texts: Sequence[str]) -> HashedCounts:
        return hash_counts(texts, self.n_features, NGRAM_MAX)

    def predict(self, texts: Sequence[str], rules: Sequence[MessageScores],
                counts: HashedCounts | None = None) -> tuple[list[float], list[str | None]]:
        """P(urgent) and the complaint category (None: no complaint) per text;
        ``counts``: the anger model's ``hash(texts)`` when the caller has it (folded)."""
        if not texts:
            return [], []
        counts = self.hash(texts) if counts is None else counts.fold(self.n_features)
        values = linear.tfidf(counts, self.idf)
        extra = rule_features(rules)
        urgency = linear.sigmoid(linear.decision(counts, values, self.urgency_coef,
                                                 self.urgency_intercept, extra[:, :URGENCY_FEATURES]))
        z = np.stack([linear.decision(counts, values, coef, float(b), extra)
                      for coef, b in zip(self.complaint_coef, self.complaint_intercept, strict=True)],
                     axis=1)
        kinds = [None if (k := self.classes[i]) == NONE else k for i in np.argmax(z, axis=1)]
        return urgency.tolist(), kinds

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        self.metadata = artifact.save(directory, FILENAME, META_FILENAME, {
            "idf": self.idf, "urgency_coef": self.urgency_coef,
            "urgency_intercept": np.array([self.urgency_intercept]),
            "complaint_coef": self.complaint_coef, "complaint_intercept": self.complaint_intercept,
            "complaint_classes": np.array(self.classes)},
            {"format": FORMAT, "name": self.name, "features": list(FEATURES), **metadata,
             "hashing": {"n_features": self.n_features, "ngram_max": NGRAM_MAX}})
        return directory / FILENAME

    @classmethod
    def load(cls, directory: Path) -> SupportModel:
        meta = artifact.read_json(directory / META_FILENAME, FORMAT, "support model")
        n = int(meta.get("hashing", {}).get("n_features", N_FEATURES))
        arrays, meta = artifact.load(
            directory, FILENAME, META_FILENAME, FORMAT, "support model",
            {"idf": (n,), "urgency_coef": (n + URGENCY_FEATURES,), "urgency_intercept": (1,),
             "complaint_coef": (None, n + len(FEATURES)), "complaint_intercept": (None,),
             "complaint_classes": (None,)}, list(FEATURES))
        return cls(arrays["idf"], arrays["urgency_coef"], float(arrays["urgency_intercept"][0]),
                   arrays["complaint_coef"], arrays["complaint_intercept"],
                   [str(c) for c in arrays["complaint_classes"]], meta)


def load_default(models_dir: str | None = None) -> SupportModel | None:
    """As ``anger_model.load_default``: the given folder (required), else models/ if present."""
    directory = artifact.find(models_dir, META_FILENAME)
    return SupportModel.load(directory) if directory else None
