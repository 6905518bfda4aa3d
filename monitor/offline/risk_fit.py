"""Fitting conversation risk v2 (``monitor/models/risk_model.py``) with scikit-learn, and
the recipes the model card compares it with, on the same folds.

Inputs per dialogue: the normalised texts of its customer messages in order (what the
scorer sees) and the conversation's final state after a replay (the course). The text
part is a logistic regression over the sum of the messages' TF-IDF vectors, so each
message's contribution is its vector times the weights; the final model is a logistic
regression over the course and five aggregates of the contributions (sum, max, last,
recency-weighted mean, mean), stacked on out-of-fold contributions: the aggregates it
learns from come from text weights that did not see that dialogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from monitor.models import linear, risk_model
from monitor.models.char_hash import hash_counts
from monitor.models.risk_model import COURSE, FEATURES, TEXT, RiskModel, RiskText, features, fold_text
from monitor.offline.estimators import to_csr
from monitor.records.conversation import ConversationState

_TEXT_COLUMNS = slice(len(COURSE), len(COURSE) + len(TEXT))


class Dialogues:
    """What the risk model learns from: per dialogue, its customer messages' normalised
    texts, its final state and whether it ended dissatisfied. The messages are hashed
    once, here."""

    def __init__(self, messages: list[list[str]], states: list[ConversationState],
                 labels: Sequence[bool]) -> None:
        self.messages = messages
        self.states = states
        self.labels = np.asarray(labels, dtype=bool)
        self.owner = np.repeat(np.arange(len(messages)), [len(m) for m in messages])
        self.counts = hash_counts([t for m in messages for t in m], risk_model.TEXT_BUCKETS,
                                  risk_model.NGRAM_MAX)


def aggregates(contributions: Sequence[float], owner: np.ndarray, n: int) -> np.ndarray:
    """The five text features of each dialogue, computed as the state step does."""
    states = [ConversationState("", 0) for _ in range(n)]
    for c, o in zip(contributions, owner, strict=True):
        fold_text(states[o], float(c))
    return np.array([[s.text_sum, s.text_max, s.text_last, s.text_ewma, s.text_sum / max(s.text_turns, 1)]
                     for s in states]).reshape(n, len(TEXT))


class RiskEstimator:
    """Fitted: ``text_`` (RiskText), ``model_`` (scaler + logistic regression)."""

    def __init__(self, c_text: float = 4.0, c: float = 1.0, folds: int = 5) -> None:
        self.c_text = c_text
        self.c = c
        self.folds = folds

    def _fit_text(self, data: Dialogues, train: np.ndarray) -> RiskText:
        owner, counts = data.owner, data.counts
        x = to_csr(counts)
        idf = TfidfTransformer(sublinear_tf=True).fit(x[np.isin(owner, train)]).idf_
        text = RiskText(np.asarray(idf, dtype=np.float64), np.zeros(counts.n_features))
        per_message = to_csr(counts, linear.tfidf(counts, text.idf))
        sums = _sum_by_dialogue(owner, len(data.messages)) @ per_message
        lr = LogisticRegression(C=self.c_text, max_iter=3000).fit(sums[train], data.labels[train])
        return RiskText(text.idf, np.asarray(lr.coef_[0], dtype=np.float64))

    def _contributions(self, data: Dialogues, text: RiskText) -> list[float]:
        texts = [t for m in data.messages for t in m]
        return text.contributions(texts, data.counts)

    def design(self, data: Dialogues, rows: np.ndarray, text: RiskText) -> np.ndarray:
        """Feature rows (``FEATURES``) of the given dialogues with this text part."""
        x = np.array([features(data.states[i]) for i in rows]).reshape(len(rows), len(FEATURES))
        aggs = aggregates(self._contributions(data, text), data.owner, len(data.messages))
        x[:, _TEXT_COLUMNS] = aggs[rows]
        return x

    def fit(self, data: Dialogues, rows: np.ndarray | None = None) -> RiskEstimator:
        rows = np.arange(len(data.messages)) if rows is None else rows
        y = data.labels
        self.text_ = self._fit_text(data, rows)
        folds = min(self.folds, int(y[rows].sum()), int((~y[rows]).sum()))
        if folds < 2:  # too few dialogues of a class to stack: the in-sample contributions
            x = self.design(data, rows, self.text_)
        else:
            x = np.zeros((len(rows), len(FEATURES)))
            inner = StratifiedKFold(folds, shuffle=True, random_state=1)
            for fit_at, held_at in inner.split(np.zeros(len(rows)), y[rows]):
                x[held_at] = self.design(data, rows[held_at], self._fit_text(data, rows[fit_at]))
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=3000))
        self.model_.fit(x, y[rows])
        return self

    def predict_proba(self, data: Dialogues, rows: np.ndarray) -> np.ndarray:
        """P(dissatisfied) from the dialogues' final states (offline, for the comparisons)."""
        return self.model_.predict_proba(self.design(data, rows, self.text_))[:, 1]  # type: ignore[no-any-return]

    def hyperparameters(self) -> dict[str, Any]:
        return {"C_text": self.c_text, "C": self.c, "inner_folds": self.folds,
                "text_buckets": risk_model.TEXT_BUCKETS, "ngram_range": [1, risk_model.NGRAM_MAX]}

    def to_model(self, metadata: dict[str, Any] | None = None) -> RiskModel:
        scaler, lr = self.model_[0], self.model_[-1]
        scale = [float(v) if v > 0 else 1.0 for v in scaler.scale_]
        meta = {"trained": datetime.now(UTC).isoformat(timespec="seconds"),
                "hyperparameters": self.hyperparameters(), **(metadata or {})}
        return RiskModel(tuple(float(v) for v in scaler.mean_), tuple(scale),
                         tuple(float(v) for v in lr.coef_[0]), float(lr.intercept_[0]), self.text_, meta)


def _sum_by_dialogue(owner: np.ndarray, n: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(n, len(owner)))


# --- the recipes the model card compares, on the same folds ------------------------------
def course_only(data: Dialogues, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Risk v1's recipe: the course features alone (the text columns left out)."""
    keep = [i for i, name in enumerate(FEATURES) if name not in TEXT]
    x = np.array([features(s) for s in data.states])[:, keep]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(x[train], data.labels[train])
    return model.predict_proba(x[test])[:, 1]  # type: ignore[no-any-return]


def text_baseline(raw_texts: Sequence[str], labels: np.ndarray, train: np.ndarray,
                  test: np.ndarray) -> np.ndarray:
    """The issue's plain baseline: char 1–3-gram TF-IDF + logistic regression over the
    conversation's customer text (raw, joined)."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    x = vec.fit_transform([raw_texts[i] for i in train])
    model = LogisticRegression(max_iter=2000).fit(x, labels[train])
    return model.predict_proba(vec.transform([raw_texts[i] for i in test]))[:, 1]  # type: ignore[no-any-return]


def v2(data: Dialogues, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    return RiskEstimator().fit(data, train).predict_proba(data, test)


def cross_validated(labels: np.ndarray, recipe: Any, folds: int = 5, seed: int = 0) -> float:
    """ROC AUC of out-of-fold predictions, folds by dialogue (stratified, shuffled)."""
    out = np.zeros(len(labels))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(labels)),
                                                                                     labels):
        out[test] = recipe(train, test)
    return float(roc_auc_score(labels, out))
