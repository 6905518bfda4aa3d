"""A binary text model at run time: hashed character 1–3-grams, sublinear TF-IDF and a
logistic regression, as fitted arrays (idf, coefficients, intercept) in a ``.npz`` file
with its JSON beside it. The anger model and the reply-expectation model are two of
them; each subclass names its file, format and model name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from monitor.models import artifact, linear
from monitor.models.char_hash import HashedCounts, hash_counts

NGRAM_MAX = 3
M = TypeVar("M", bound="BinaryTextModel")


class BinaryTextModel:
    """P(positive) per normalised text from the fitted arrays."""

    name: ClassVar[str]
    FORMAT: ClassVar[str]
    FILENAME: ClassVar[str]
    META_FILENAME: ClassVar[str]
    WHAT: ClassVar[str]

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
        """P(positive) per normalised text, one vectorised call per batch; ``counts``:
        ``hash(texts)`` (or the same hash over more buckets) when the caller has it."""
        if not texts:
            return []
        counts = self.hash(texts) if counts is None else counts.fold(self.n_features)
        values = linear.tfidf(counts, self.idf)
        return linear.sigmoid(linear.decision(counts, values, self.coef, self.intercept)).tolist()  # type: ignore[no-any-return]

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        self.metadata = artifact.save(
            directory, self.FILENAME, self.META_FILENAME,
            {"idf": self.idf, "coef": self.coef, "intercept": np.array([self.intercept])},
            {"format": self.FORMAT, "name": self.name, **metadata,
             "hashing": {"n_features": self.n_features, "ngram_max": self.ngram_max}})
        return directory / self.FILENAME

    @classmethod
    def load(cls: type[M], directory: Path) -> M:
        meta = artifact.read_json(directory / cls.META_FILENAME, cls.FORMAT, cls.WHAT)
        n = int(meta.get("hashing", {}).get("n_features", 0))
        arrays, meta = artifact.load(directory, cls.FILENAME, cls.META_FILENAME, cls.FORMAT, cls.WHAT,
                                     {"idf": (n,), "coef": (n,), "intercept": (1,)})
        return cls(arrays["idf"], arrays["coef"], float(arrays["intercept"][0]),
                   int(meta["hashing"].get("ngram_max", NGRAM_MAX)), meta)

    @classmethod
    def load_default(cls: type[M], models_dir: str | None = None) -> M | None:
        """The model in ``models_dir`` (required there), else the repository's models/
        when it has one, else None."""
        directory = artifact.find(models_dir, cls.META_FILENAME)
        return cls.load(directory) if directory else None
