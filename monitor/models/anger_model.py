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

Persistence without pickle: the fitted scikit-learn pipeline in a ``skops`` file, and a
JSON file beside it with the format, the file's sha256, library versions, data hashes
and held-out metrics. Loading refuses a file made for another format or another
scikit-learn minor version, or one that does not match its checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor.errors import UsageError
from monitor.models.risk_model import DEFAULT_DIR, ModelVersionError

FORMAT = "support-monitor/anger/1"
FILENAME = "anger.skops"
META_FILENAME = "anger.json"
N_FEATURES = 2**17
# What a skops file of this model may contain besides skops' own defaults; anything else
# is refused rather than loaded.
TRUSTED = ["monitor.models.char_hash.CharNgramHasher"]

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


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

    def predict_proba(self, texts: Sequence[str]) -> list[float]:
        """P(anger) per normalised text, one vectorised call per batch."""
        if not texts:
            return []
        return self.pipeline_.predict_proba(list(texts))[:, 1].tolist()  # type: ignore[no-any-return]

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        import sklearn
        import skops
        import skops.io as sio

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / FILENAME
        sio.dump(self.pipeline_, path)
        self.metadata = {
            "format": FORMAT, "name": self.name, "file": FILENAME,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "scikit-learn": sklearn.__version__, "skops": skops.__version__,
            "numpy": np.__version__, "trained": datetime.now(UTC).isoformat(timespec="seconds"),
            "hyperparameters": {"C": self.c, "n_features": self.n_features, "ngram_range": [1, 3]},
            **metadata,
        }
        (directory / META_FILENAME).write_text(
            json.dumps(self.metadata, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> AngerModel:
        import sklearn
        import skops.io as sio
        from sklearn.pipeline import Pipeline

        meta_path, path = directory / META_FILENAME, directory / FILENAME
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            blob = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read anger model in {directory}: {exc.strerror} "
                             f"({exc.filename})") from None
        except ValueError:
            raise ModelVersionError(f"{meta_path} is not JSON") from None
        retrain = "retrain with 'support-monitor models train'"
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise ModelVersionError(f"anger model {meta_path} has format {found!r}, this version "
                                    f"reads {FORMAT!r}: {retrain}")
        if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
            raise ModelVersionError(f"{path} does not match the checksum in {meta_path}: "
                                    f"the pair was changed separately; {retrain}")
        if _minor(str(meta.get("scikit-learn"))) != _minor(sklearn.__version__):
            raise ModelVersionError(
                f"anger model {path} was made with scikit-learn {meta.get('scikit-learn')}, "
                f"this installation has {sklearn.__version__}: {retrain} or install "
                f"scikit-learn=={meta.get('scikit-learn')}")
        untrusted = sio.get_untrusted_types(data=blob)
        if set(untrusted) - set(TRUSTED):
            raise ModelVersionError(f"{path} holds types this version does not trust: {untrusted}")
        pipeline = sio.loads(blob, trusted=TRUSTED)
        if not isinstance(pipeline, Pipeline):
            raise ModelVersionError(f"{path} does not hold a scikit-learn pipeline")
        model = cls(float(meta["hyperparameters"]["C"]), int(meta["hyperparameters"]["n_features"]))
        model.pipeline_ = pipeline
        model.metadata = meta
        return model


def load_default(models_dir: str | None = None) -> AngerModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rules alone score anger."""
    directory = Path(models_dir) if models_dir else DEFAULT_DIR
    if models_dir is None and not (directory / META_FILENAME).exists():
        return None
    return AngerModel.load(directory)
