"""Conversation risk, learned: how likely a conversation ends with a dissatisfied customer.

Version 2 reads what the customer wrote as well as the conversation's course:
- **text**: each customer message gets a contribution, ``RiskText``: a linear model over
  the message's hashed character 1–3-grams (sublinear TF-IDF), fitted on whole
  dialogues (the sum of their messages' vectors) so the contributions add up. The state
  step keeps five numbers of them (sum, max, last, recency-weighted mean, mean), not the
  words: memory stays bounded however long the conversation runs;
- **course**: anger level and peak, turns, acknowledgements, angry turns not yet
  acknowledged, how much the customer wrote, threats and other signals seen.
A logistic regression over both, stacked on out-of-fold text contributions, fitted on the
dialogues of NTCIR-14 DCH-1 (``dch1_train``) whose 19 annotators voted on satisfaction
(dissatisfied: mean ≤ -0.5). Fitted offline (``monitor/offline/risk_fit.py``).

Files: ``conversation_risk.json`` (format, feature names, scaler, coefficients, metadata,
the sha256 of the arrays) and ``conversation_risk.npz`` (the text part's ``idf`` and
``coef``). Loading checks the format, checksum, shapes and the feature names against
this code, so a model of another version is refused with a clear message.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from monitor.models import artifact, linear
from monitor.models.char_hash import HashedCounts, hash_counts
from monitor.records.conversation import ConversationState
from monitor.records.errors import ModelVersionError

FORMAT = "support-monitor/conversation-risk/2"  # 2: with the text part; 1: course only
SIGNALS = ("anger_words", "insult", "supervisor_request", "legal_threat", "regulator_threat",
           "media_threat", "repeat_contact", "punctuation_run", "cites_law", "deadline",
           "money_at_risk", "long_wait", "closing")
COURSE = ("anger_peak", "anger_ewma", "last_anger", "customer_turns", "agent_turns",
          "angry_turns", "unacked_angry_turns", "acknowledgements", "urgency_peak",
          "log_customer_chars", "customer_run", "model_anger_peak", "model_anger_mean")
TEXT = ("text_sum", "text_max", "text_last", "text_ewma", "text_mean")
FEATURES = (*COURSE, *TEXT, *(f"signal:{s}" for s in SIGNALS))
_N_NUMERIC = len(COURSE) + len(TEXT)
FILENAME = "conversation_risk.json"
ARRAYS = "conversation_risk.npz"
TEXT_BUCKETS = 2**15  # the anger model's 2^17-bucket counts, folded (hashed once per batch)
NGRAM_MAX = 3
# The recency weight of the text contributions' running mean: each new message has this weight.
TEXT_EWMA = 0.5


def _numeric(s: ConversationState) -> tuple[float, ...]:
    return (s.anger_peak, s.anger_ewma, s.last_anger, float(s.customer_turns), float(s.agent_turns),
            float(s.angry_turns), float(s.unacked_angry_turns), float(s.acknowledgements),
            s.urgency_peak, math.log1p(s.customer_chars), float(s.customer_run),
            s.model_anger_peak, s.model_anger_sum / max(s.customer_turns, 1),
            s.text_sum, s.text_max, s.text_last, s.text_ewma, s.text_sum / max(s.text_turns, 1))


def features(s: ConversationState) -> list[float]:
    codes = s.signal_codes
    return [*_numeric(s), *(1.0 if c in codes else 0.0 for c in SIGNALS)]


def fold_text(s: ConversationState, contribution: float) -> None:
    """Add one customer message's text contribution to the state's five numbers (the
    state step calls this after counting the turn; training computes the same)."""
    first = s.text_turns == 0
    s.text_turns += 1
    s.text_sum += contribution
    s.text_max = contribution if first else max(s.text_max, contribution)
    s.text_last = contribution
    s.text_ewma = TEXT_EWMA * contribution + (1 - TEXT_EWMA) * s.text_ewma


@dataclass(frozen=True, slots=True, eq=False)
class RiskText:
    """A customer message's contribution to the risk: ``coef · tfidf(message)``."""

    idf: np.ndarray
    coef: np.ndarray
    ngram_max: int = NGRAM_MAX
    name = "risk-text-v2"

    @property
    def hashing(self) -> tuple[int, int]:
        return int(self.idf.shape[0]), self.ngram_max

    def hash(self, texts: Sequence[str]) -> HashedCounts:
        return hash_counts(texts, int(self.idf.shape[0]), self.ngram_max)

    def contributions(self, texts: Sequence[str], counts: HashedCounts | None = None) -> list[float]:
        """Per normalised text; ``counts``: ``hash(texts)`` or the same hash over more buckets."""
        if not texts:
            return []
        counts = self.hash(texts) if counts is None else counts.fold(int(self.idf.shape[0]))
        values = linear.tfidf(counts, self.idf)
        return linear.decision(counts, values, self.coef, 0.0).tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, eq=False)
class RiskModel:
    """Standardise, then logistic regression; ``text`` scores each customer message.
    Fitted attributes end in ``_``."""

    mean_: tuple[float, ...]
    scale_: tuple[float, ...]
    coef_: tuple[float, ...]
    intercept_: float
    text: RiskText
    metadata: dict[str, Any] = field(default_factory=dict)
    # Called on every message: the standardisation is folded into the weights once,
    # z = bias + Σ (w / sd) · x, and the 0/1 signal features are added only when seen.
    _weights: tuple[float, ...] = field(init=False, repr=False)
    _bias: float = field(init=False, repr=False)
    name = "risk-lr-v2"

    def __post_init__(self) -> None:
        n = len(FEATURES)
        if not len(self.mean_) == len(self.scale_) == len(self.coef_) == n:
            raise ValueError(f"expected {n} values per vector")
        weights = tuple(w / sd for w, sd in zip(self.coef_, self.scale_, strict=True))
        bias = self.intercept_ - sum(a * m for a, m in zip(weights, self.mean_, strict=True))
        object.__setattr__(self, "_weights", weights)
        object.__setattr__(self, "_bias", bias)

    def __call__(self, state: ConversationState) -> float:
        z = self._bias + sum(map(operator.mul, self._weights, _numeric(state)))
        codes = state.signal_codes
        for code, a in zip(SIGNALS, self._weights[_N_NUMERIC:], strict=True):
            if code in codes:
                z += a
        return round(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))), 4)

    def save(self, path: Path) -> None:
        """``path``: the JSON file; the arrays go beside it."""
        artifact.save(path.parent, ARRAYS, path.name,
                      {"idf": self.text.idf, "coef": self.text.coef},
                      {"format": FORMAT, "name": self.name, "features": list(FEATURES),
                       "mean": list(self.mean_), "scale": list(self.scale_), "coef": list(self.coef_),
                       "intercept": self.intercept_, "metadata": self.metadata,
                       "hashing": {"n_features": self.text.hashing[0], "ngram_max": self.text.ngram_max}})

    @staticmethod
    def load(path: Path) -> RiskModel:
        what = "conversation-risk model"
        body = artifact.read_json(path, FORMAT, what)
        n = int(body.get("hashing", {}).get("n_features", 0))
        arrays, body = artifact.load(path.parent, ARRAYS, path.name, FORMAT, what,
                                     {"idf": (n,), "coef": (n,)}, list(FEATURES))
        if not all(isinstance(body.get(k), list) and len(body[k]) == len(FEATURES)
                   for k in ("mean", "scale", "coef")):
            raise ModelVersionError(f"model {path} is damaged: expected {len(FEATURES)} values per vector")
        text = RiskText(arrays["idf"], arrays["coef"], int(body["hashing"].get("ngram_max", NGRAM_MAX)))
        return RiskModel(tuple(body["mean"]), tuple(body["scale"]), tuple(body["coef"]),
                         float(body["intercept"]), text, body.get("metadata", {}))


def load_default(models_dir: str | None = None) -> RiskModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rule-based conversation risk is used."""
    directory = artifact.find(models_dir, FILENAME)
    return RiskModel.load(directory / FILENAME) if directory else None
