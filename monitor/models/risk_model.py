"""Conversation risk, learned: how likely a conversation ends with a dissatisfied customer.

A logistic regression over the conversation's course as the state step keeps it (anger
level and peak, turns, acknowledgements, angry turns not yet acknowledged, how much the
customer wrote, threats and other signals seen), fitted on the dialogues of
NTCIR-14 DCH-1 (``dch1_train``) whose 19 annotators voted on satisfaction (dissatisfied:
mean ≤ -0.5). Fitted offline (``monitor/offline/estimators.py``); the cross-validated AUC is kept
in the artifact's metadata.

The artifact is JSON (no pickle): feature names, scaler and coefficients, and version
metadata. Loading checks the format and the feature names against this code, so a model
trained by another version is refused with a clear message instead of scoring wrongly.
Scoring is a dot product in plain Python: a few microseconds per message.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.models import artifact
from monitor.models.artifact import read_json
from monitor.records.conversation import ConversationState
from monitor.records.errors import ModelVersionError

FORMAT = "support-monitor/conversation-risk/1"
SIGNALS = ("anger_words", "insult", "supervisor_request", "legal_threat", "regulator_threat",
           "media_threat", "repeat_contact", "punctuation_run", "cites_law", "deadline",
           "money_at_risk", "long_wait", "closing")
FEATURES = ("anger_peak", "anger_ewma", "last_anger", "customer_turns", "agent_turns",
            "angry_turns", "unacked_angry_turns", "acknowledgements", "urgency_peak",
            "log_customer_chars", "customer_run", "model_anger_peak", "model_anger_mean",
            *(f"signal:{s}" for s in SIGNALS))
_N_NUMERIC = len(FEATURES) - len(SIGNALS)
FILENAME = "conversation_risk.json"


def _numeric(s: ConversationState) -> tuple[float, ...]:
    return (s.anger_peak, s.anger_ewma, s.last_anger, float(s.customer_turns), float(s.agent_turns),
            float(s.angry_turns), float(s.unacked_angry_turns), float(s.acknowledgements),
            s.urgency_peak, math.log1p(s.customer_chars), float(s.customer_run),
            s.model_anger_peak, s.model_anger_sum / max(s.customer_turns, 1))


def features(s: ConversationState) -> list[float]:
    codes = s.signal_codes
    return [*_numeric(s), *(1.0 if c in codes else 0.0 for c in SIGNALS)]


@dataclass(frozen=True, slots=True)
class RiskModel:
    """Standardise, then logistic regression. Fitted attributes end in ``_``."""

    mean_: tuple[float, ...]
    scale_: tuple[float, ...]
    coef_: tuple[float, ...]
    intercept_: float
    metadata: dict[str, Any] = field(default_factory=dict)
    # Called on every message: the standardisation is folded into the weights once,
    # z = bias + Σ (w / sd) · x, and the 0/1 signal features are added only when seen.
    _weights: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _bias: float = field(init=False, repr=False, compare=False)
    name = "risk-lr-v1"

    def __post_init__(self) -> None:
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
        body = {"format": FORMAT, "features": list(FEATURES), "mean": self.mean_, "scale": self.scale_,
                "coef": self.coef_, "intercept": self.intercept_, "metadata": self.metadata}
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @staticmethod
    def load(path: Path) -> RiskModel:
        body = read_json(path, FORMAT, "conversation-risk model")
        if body.get("features") != list(FEATURES):
            raise ModelVersionError(f"model {path} was trained on other features than this version computes: "
                                    "retrain with 'support-monitor models train'")
        n = len(FEATURES)
        if not all(len(body[k]) == n for k in ("mean", "scale", "coef")):
            raise ModelVersionError(f"model {path} is damaged: expected {n} values per vector")
        return RiskModel(tuple(body["mean"]), tuple(body["scale"]), tuple(body["coef"]),
                         float(body["intercept"]), body.get("metadata", {}))


def load_default(models_dir: str | None = None) -> RiskModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rule-based conversation risk is used."""
    directory = artifact.find(models_dir, FILENAME)
    return RiskModel.load(directory / FILENAME) if directory else None
