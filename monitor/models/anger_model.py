"""Anger, learned: the probability that a customer message reads as angry.

Character 1–3-grams, hashed (no vocabulary to store; ``char_hash.py`` does a whole batch
in a few numpy calls), sublinear TF-IDF and a logistic
regression, fitted on the human-labelled Weibo sets (NLPCC 2013 and SMP2020-EWECT virus
train: anger vs every other label; disgust counts as "not anger", as in the evaluation
sets) together with the team's own support messages (``models/data``, train split,
weighted up so the support register is not drowned by 40,000 Weibo posts).

The scorer combines it with the PLAYBOOK rules as ``max(rules, model)``: the rules stay a
floor of explicit evidence (threats, insults, ！！！) and the model adds anger voiced
without the listed words (因为 … 一句话都没有 …, 这就是你们的服务？).

Persistence without pickle (``artifact.py``): the fitted scikit-learn pipeline in a skops
file and a JSON file beside it with the format, checksum, library versions, data hashes
and held-out metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ModelVersionError
from monitor.models import artifact
from monitor.models.risk_model import DEFAULT_DIR

FORMAT = "support-monitor/anger/1"
FILENAME = "anger.skops"
META_FILENAME = "anger.json"
N_FEATURES = 2**17

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


class AngerModel:
    """Hashed character n-grams → TF-IDF → logistic regression. Fitted: ``pipeline_``."""

    name = "anger-lr-v1"

    def __init__(self, c: float = 3.0, n_features: int = N_FEATURES) -> None:
        self.c = c
        self.n_features = n_features
        self.metadata: dict[str, Any] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[bool],
            sample_weight: Sequence[float] | None = None) -> AngerModel:
        """Fit on normalised texts (``monitor.normalise.normalise``)."""
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        from monitor.models.char_hash import CharNgramHasher

        self.pipeline_: Pipeline = make_pipeline(
            CharNgramHasher(n_features=self.n_features, ngram_max=3),
            TfidfTransformer(sublinear_tf=True),
            LogisticRegression(C=self.c, max_iter=3000))
        self.pipeline_.fit(list(texts), list(labels),
                           logisticregression__sample_weight=sample_weight)
        return self

    @property
    def hashing(self) -> tuple[int, int]:
        """(buckets, longest n-gram): models that hash alike can share ``hash(texts)``."""
        hasher = self.pipeline_[0]
        return hasher.n_features, hasher.ngram_max

    def hash(self, texts: Sequence[str]) -> Any:
        return self.pipeline_[0].transform(texts)

    def predict_proba(self, texts: Sequence[str], counts: Any = None) -> list[float]:
        """P(anger) per normalised text, one vectorised call per batch; ``counts``:
        ``hash(texts)`` when the caller has it already."""
        if not texts:
            return []
        from monitor.models import linear

        counts = self.hash(texts) if counts is None else counts
        _, idf, lr = self.pipeline_
        return linear.positive_proba(linear.tfidf(counts, idf), lr).tolist()  # type: ignore[no-any-return]

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        self.metadata = artifact.save(directory, FILENAME, META_FILENAME, self.pipeline_, {
            "format": FORMAT, "name": self.name,
            "hyperparameters": {"C": self.c, "n_features": self.n_features, "ngram_range": [1, 3]},
            **metadata})
        return directory / FILENAME

    @classmethod
    def load(cls, directory: Path) -> AngerModel:
        from sklearn.pipeline import Pipeline

        pipeline, meta = artifact.load(directory, FILENAME, META_FILENAME, FORMAT, "anger model")
        if not isinstance(pipeline, Pipeline):
            raise ModelVersionError(f"{directory / FILENAME} does not hold a scikit-learn pipeline")
        model = cls(float(meta["hyperparameters"]["C"]), int(meta["hyperparameters"]["n_features"]))
        model.pipeline_ = pipeline
        model.metadata = meta
        return model


def load_default(models_dir: str | None = None) -> AngerModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rules alone score anger."""
    directory = artifact.find(models_dir, DEFAULT_DIR, META_FILENAME)
    return AngerModel.load(directory) if directory else None
