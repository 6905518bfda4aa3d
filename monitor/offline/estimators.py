"""Fitting the models with scikit-learn (the ``[train]`` extra), in its conventions:
``fit`` on data, fitted attributes ending in ``_``. ``to_model()`` hands the fitted arrays
to the run-time model of ``monitor/models``, which needs numpy alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from monitor.models import anger_model, linear, support_model
from monitor.models.anger_model import AngerModel
from monitor.models.char_hash import HashedCounts, check_hashing, hash_counts
from monitor.models.support_model import NONE, URGENCY_FEATURES, SupportModel, rule_features
from monitor.models.text_model import NGRAM_MAX, BinaryTextModel
from monitor.records.scores import MessageScores


def to_csr(counts: HashedCounts, values: np.ndarray | None = None) -> sp.csr_matrix:
    data = counts.counts if values is None else values
    return sp.csr_matrix((data, (counts.rows, counts.cols)), shape=(counts.n_texts, counts.n_features))


T = TypeVar("T", bound=BinaryTextModel)


class CharNgramHasher(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless transformer: texts → sparse counts of hashed character 1..``ngram_max``-grams."""

    def __init__(self, n_features: int = anger_model.N_FEATURES, ngram_max: int = 3) -> None:
        self.n_features = n_features
        self.ngram_max = ngram_max

    def fit(self, texts: Iterable[str], y: Any = None) -> CharNgramHasher:
        check_hashing(self.n_features, self.ngram_max)
        return self

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        return to_csr(hash_counts(texts, self.n_features, self.ngram_max))


class TextEstimator:
    """Hashed character n-grams → TF-IDF → logistic regression, for a binary text model
    (the anger model, the reply-expectation model). Fitted: ``pipeline_``."""

    def __init__(self, c: float = 3.0, n_features: int = anger_model.N_FEATURES) -> None:
        self.c = c
        self.n_features = n_features

    def fit(self, texts: Sequence[str], labels: Sequence[bool],
            sample_weight: Sequence[float] | None = None) -> TextEstimator:
        """Fit on normalised texts (``monitor.steps.normalise.normalise``)."""
        self.pipeline_: Pipeline = make_pipeline(
            CharNgramHasher(n_features=self.n_features, ngram_max=NGRAM_MAX),
            TfidfTransformer(sublinear_tf=True),
            LogisticRegression(C=self.c, max_iter=3000))
        self.pipeline_.fit(list(texts), list(labels), logisticregression__sample_weight=sample_weight)
        return self

    def hyperparameters(self) -> dict[str, Any]:
        return {"C": self.c, "n_features": self.n_features, "ngram_range": [1, NGRAM_MAX]}

    def to_model(self, kind: type[T]) -> T:
        """The run-time model of this kind (``monitor/models``) from the fit."""
        _, idf, lr = self.pipeline_
        return kind(np.asarray(idf.idf_, dtype=np.float64), np.asarray(lr.coef_[0], dtype=np.float64),
                    float(lr.intercept_[0]), NGRAM_MAX)


class AngerEstimator:
    """The anger model: a ``TextEstimator`` on all the data, and the combiner
    (``models/anger_model.py``) fitted by stacking: a logistic regression over the text
    model's out-of-fold probabilities (``folds`` folds), the rules' evidence and shortness,
    so the combination is judged on predictions the text model did not fit.
    Fitted: ``text_``, ``combiner_``, ``oof_`` (the out-of-fold probabilities)."""

    def __init__(self, c: float = 3.0, n_features: int = anger_model.N_FEATURES, folds: int = 5,
                 combiner_c: float = 1.0) -> None:
        self.c = c
        self.n_features = n_features
        self.folds = folds
        self.combiner_c = combiner_c

    def fit(self, texts: Sequence[str], labels: Sequence[bool], sample_weight: Sequence[float] | None = None,
            evidence: Sequence[float] | None = None,
            combiner_weight: Sequence[float] | None = None) -> AngerEstimator:
        """Fit on normalised texts; ``evidence``: the rules' ``anger_evidence`` of each;
        ``combiner_weight``: the samples' weights for the combiner (default: as the text model's)."""
        from sklearn.model_selection import StratifiedKFold

        texts, y = list(texts), np.asarray(labels, dtype=bool)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        ev = np.zeros(len(y)) if evidence is None else np.asarray(evidence, dtype=np.float64)
        self.text_ = TextEstimator(self.c, self.n_features).fit(texts, y.tolist(), w.tolist())
        oof = np.zeros(len(y))
        folds = min(self.folds, int(y.sum()), int((~y).sum()))
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
            part = TextEstimator(self.c, self.n_features).fit([texts[i] for i in train], y[train].tolist(),
                                                              w[train].tolist())
            oof[held] = part.to_model(AngerModel).predict_proba([texts[i] for i in held])
        self.oof_ = oof
        short = np.array([len(t.strip()) < anger_model.SHORT_CHARS for t in texts])
        self.combiner_ = LogisticRegression(C=self.combiner_c, max_iter=2000)
        cw = w if combiner_weight is None else np.asarray(combiner_weight, dtype=np.float64)
        self.combiner_.fit(anger_model.combiner_features(oof, ev, short), y, sample_weight=cw)
        return self

    def hyperparameters(self) -> dict[str, Any]:
        return {**self.text_.hyperparameters(), "combiner": {"folds": self.folds, "C": self.combiner_c,
                                                             "features": list(anger_model.COMBINER_FEATURES)}}

    def to_model(self) -> AngerModel:
        model = self.text_.to_model(AngerModel)
        model.combiner = anger_model.Combiner(tuple(float(v) for v in self.combiner_.coef_[0]),
                                              float(self.combiner_.intercept_[0]))
        return model


class SupportEstimator:
    """Urgency (binary) and complaint type (multinomial) over TF-IDF and the rule features."""

    def __init__(self, c: float = 10.0, n_features: int = support_model.N_FEATURES) -> None:
        self.c = c
        self.n_features = n_features

    def _x(self, texts: Sequence[str], rules: Sequence[MessageScores]) -> sp.csr_matrix:
        counts = hash_counts(texts, self.n_features, support_model.NGRAM_MAX)
        tfidf = to_csr(counts, linear.tfidf(counts, self.idf_))
        return sp.hstack([tfidf, sp.csr_matrix(rule_features(rules))], format="csr")

    def fit(self, texts: Sequence[str], rules: Sequence[MessageScores], urgent: Sequence[bool],
            complaint: Sequence[str | None],
            extra: tuple[Sequence[str], Sequence[MessageScores], Sequence[bool], float] | None = None,
            ) -> SupportEstimator:
        """Fit on normalised texts and the rule scores of the same texts; ``extra``: more
        urgency labels (texts, their rule scores, labels, a weight each) with no complaint
        label — the floor's verdicts — for the urgency head only."""
        counts = CharNgramHasher(self.n_features).fit(texts).transform(texts)
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
        x = self._x(texts, rules)
        xu, yu, wu = x[:, : self.n_features + URGENCY_FEATURES], list(urgent), None
        if extra is not None and len(extra[0]):
            xe = self._x(extra[0], extra[1])[:, : self.n_features + URGENCY_FEATURES]
            xu, yu = sp.vstack([xu, xe], format="csr"), yu + list(extra[2])
            wu = [1.0] * len(texts) + [extra[3]] * len(extra[0])
        # Classes as they come (not balanced): balancing pushed plain requests to hurry
        # (请尽快) over 0.5 on real chat.
        self.urgency_ = LogisticRegression(C=self.c, max_iter=3000)
        self.urgency_.fit(xu, yu, sample_weight=wu)
        self.complaint_ = LogisticRegression(C=self.c, max_iter=3000)
        self.complaint_.fit(x, [k or NONE for k in complaint])
        return self

    def hyperparameters(self) -> dict[str, Any]:
        return {"C": self.c, "n_features": self.n_features}

    def to_model(self) -> SupportModel:
        return SupportModel(np.asarray(self.idf_, dtype=np.float64),
                            self.urgency_.coef_[0].astype(np.float64),
                            float(self.urgency_.intercept_[0]), self.complaint_.coef_.astype(np.float64),
                            self.complaint_.intercept_.astype(np.float64),
                            [str(c) for c in self.complaint_.classes_])
