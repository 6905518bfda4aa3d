"""Anger, learned: the probability that a customer message reads as angry.

Character 1–3-grams, hashed (``char_hash.py``), sublinear TF-IDF and a logistic
regression, fitted offline (``monitor/offline/estimators.py``) on the human-labelled
Weibo sets (NLPCC 2013 and SMP2020-EWECT virus train: anger vs every other label) together
with the team's own support messages (``models/data``, train split, weighted up).

At run time the model is its fitted arrays — idf, coefficients, intercept — in
``models/anger.npz`` with ``anger.json`` beside it (format, checksum, data, figures),
scored with numpy alone (``linear.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from monitor.models import artifact, linear
from monitor.models.char_hash import HashedCounts, hash_counts

FORMAT = "support-monitor/anger/2"  # 2: plain arrays (1 was a scikit-learn pipeline in skops)
FILENAME = "anger.npz"
META_FILENAME = "anger.json"
N_FEATURES = 2**17
NGRAM_MAX = 3


class AngerModel:
    """P(anger) per normalised text from the fitted arrays."""

    name = "anger-lr-v1"

    def __init__(self, idf: np.ndarray, coef: np.ndarray, intercept: float,
                 ngram_max: int = NGRAM_MAX, metadata: dict[str, Any] | None = None) -> None:
        if idf.shape != coef.shape or idf.ndim != 1:
            raise ValueError("idf and coef must be vectors of the same length")
        self.idf = idf
        self.coef = coef
        self.intercept = float(intercept)
        self.n_features = int(idf.shape[0])
        self.ngram_max = ngram_max
        self.metadata = metadata or {}

    @property
    def hashing(self) -> tuple[int, int]:
        """(buckets, longest n-gram): models that hash alike can share ``hash(texts)``."""
        return self.n_features, self.ngram_max

    def hash(self, texts: Sequence[str]) -> HashedCounts:
        return hash_counts(texts, self.n_features, self.ngram_max)

    def predict_proba(self, texts: Sequence[str], counts: HashedCounts | None = None) -> list[float]:
        """P(anger) per normalised text, one vectorised call per batch; ``counts``:
        ``hash(texts)`` when the caller has it already."""
        if not texts:
            return []
        counts = self.hash(texts) if counts is None else counts
        values = linear.tfidf(counts, self.idf)
        return linear.sigmoid(linear.decision(counts, values, self.coef, self.intercept)).tolist()  # type: ignore[no-any-return]

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        self.metadata = artifact.save(
            directory, FILENAME, META_FILENAME,
            {"idf": self.idf, "coef": self.coef, "intercept": np.array([self.intercept])},
            {"format": FORMAT, "name": self.name, **metadata,
             "hashing": {"n_features": self.n_features, "ngram_max": self.ngram_max}})
        return directory / FILENAME

    @classmethod
    def load(cls, directory: Path) -> AngerModel:
        meta = artifact.read_json(directory / META_FILENAME, FORMAT, "anger model")
        n = int(meta.get("hashing", {}).get("n_features", N_FEATURES))
        arrays, meta = artifact.load(directory, FILENAME, META_FILENAME, FORMAT, "anger model",
                                     {"idf": (n,), "coef": (n,), "intercept": (1,)})
        return cls(arrays["idf"], arrays["coef"], float(arrays["intercept"][0]),
                   int(meta["hashing"].get("ngram_max", NGRAM_MAX)), meta)


def load_default(models_dir: str | None = None) -> AngerModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rules alone score anger."""
    directory = artifact.find(models_dir, META_FILENAME)
    return AngerModel.load(directory) if directory else None
