"""Anger, learned: the probability that a customer message reads as angry.

Two parts, combined by weights fitted on data:
- a text model: character 1–3-grams, hashed (``char_hash.py``), sublinear TF-IDF and a
  logistic regression (``text_model.py``), fitted offline (``monitor/offline/estimators.py``)
  on the human-labelled Weibo sets (NLPCC 2013 and SMP2020-EWECT virus train: anger vs
  every other label) together with the team's own support messages (``models/data``,
  train split, weighted up);
- the rules' graded evidence (anger words, emoticons, punctuation runs, capitals:
  ``MessageScores.anger_evidence``).
``Combiner`` is a logistic regression over the text model's logit, the evidence and
whether the text is short, fitted on the text model's out-of-fold predictions (stacking),
so its output is a calibrated probability and never needs a hand-set floor or gate.
At run time: ``models/anger.npz`` + ``anger.json`` (the combiner's weights are in the
JSON), numpy alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from monitor.models.text_model import NGRAM_MAX, BinaryTextModel
from monitor.records.errors import ModelVersionError

FORMAT = "support-monitor/anger/3"  # 3: with the fitted combiner; 2: plain arrays; 1: skops
FILENAME = "anger.npz"
META_FILENAME = "anger.json"
N_FEATURES = 2**17
# Texts shorter than this (after stripping) are "short": on one to three characters
# (都没有, 就这些) the text model reads only single characters' Weibo associations.
SHORT_CHARS = 4
COMBINER_FEATURES = ("model_logit", "rules_evidence", "short", "short_x_model_logit")
_CLIP = 1e-4

__all__ = ["COMBINER_FEATURES", "FILENAME", "FORMAT", "META_FILENAME", "NGRAM_MAX", "N_FEATURES",
           "SHORT_CHARS", "AngerModel", "Combiner", "combiner_features", "load_default"]


def combiner_features(probability: ArrayLike, evidence: ArrayLike, short: ArrayLike) -> np.ndarray:
    """The combiner's inputs, one row per message (``COMBINER_FEATURES``)."""
    p = np.clip(np.asarray(probability, dtype=np.float64), _CLIP, 1 - _CLIP)
    logit = np.log(p / (1 - p))
    is_short = np.asarray(short, dtype=np.float64)
    return np.column_stack([logit, np.asarray(evidence, dtype=np.float64), is_short, is_short * logit])


@dataclass(frozen=True, slots=True)
class Combiner:
    """anger = σ(intercept + coef · ``combiner_features``)."""

    coef: tuple[float, ...]
    intercept: float

    def __call__(self, probability: ArrayLike, evidence: ArrayLike, short: ArrayLike) -> np.ndarray:
        x = combiner_features(probability, evidence, short)
        z = x @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))  # type: ignore[no-any-return]

    def to_json(self) -> dict[str, Any]:
        return {"features": list(COMBINER_FEATURES), "coef": list(self.coef), "intercept": self.intercept}

    @staticmethod
    def from_json(body: Any, path: Path) -> Combiner:
        ok = (isinstance(body, dict) and body.get("features") == list(COMBINER_FEATURES)
              and isinstance(body.get("coef"), list) and len(body["coef"]) == len(COMBINER_FEATURES))
        values = [*body["coef"], body.get("intercept")] if ok else []
        ok = ok and all(isinstance(v, int | float) and math.isfinite(v) for v in values)
        if not ok:
            raise ModelVersionError(f"anger model {path} has no valid combiner for this version: "
                                    "retrain with 'support-monitor models train'")
        return Combiner(tuple(float(v) for v in body["coef"]), float(body["intercept"]))


class AngerModel(BinaryTextModel):
    name = "anger-lr-v2"
    FORMAT = FORMAT
    FILENAME = FILENAME
    META_FILENAME = META_FILENAME
    WHAT = "anger model"

    def __init__(self, idf: np.ndarray, coef: np.ndarray, intercept: float,
                 ngram_max: int = NGRAM_MAX, metadata: dict[str, Any] | None = None,
                 combiner: Combiner | None = None) -> None:
        super().__init__(idf, coef, intercept, ngram_max, metadata)
        self.combiner = combiner

    def combine(self, probability: ArrayLike, evidence: ArrayLike, short: ArrayLike) -> np.ndarray:
        """The anger in use from the text model's probabilities and the rules' evidence."""
        if self.combiner is None:
            raise ModelVersionError("this anger model has no fitted combiner")
        return self.combiner(probability, evidence, short)

    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        if self.combiner is not None:
            metadata = {**metadata, "combiner": self.combiner.to_json()}
        return super().save(directory, metadata)

    @classmethod
    def load(cls, directory: Path) -> AngerModel:
        model = super().load(directory)
        model.combiner = Combiner.from_json(model.metadata.get("combiner"), directory / META_FILENAME)
        return model


def load_default(models_dir: str | None = None) -> AngerModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rules alone score anger."""
    return AngerModel.load_default(models_dir)
