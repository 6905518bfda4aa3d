"""Urgency and complaint type, learned from the team's labelled support messages.

No public data labels urgency or complaint type, so both are fitted on
``models/data/support_messages.jsonl`` (train split; the test split is held out for the
model card). Features: the message's hashed character 1–3-grams (TF-IDF) beside what the
rules already found — their urgency score, each urgency signal (deadline, occasion, money
at risk, health, long wait, negation) and their complaint category — so the model learns
how much each rule is worth and the wording the lists miss (宝宝发烧, 房租今天必须交).

- ``urgency_``: logistic regression, P(urgent), on all features but the complaint
  category; the scorer uses max(rules, model).
- ``complaint_``: multinomial logistic regression over the five PLAYBOOK §2 categories and
  "none"; the scorer takes its category, or the rules' when the model says none.

Persisted like the anger model (``artifact.py``): one skops file holding the three
fitted parts and a JSON file with format, checksum, versions, feature names and
held-out figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.lexicon import COMPLAINT_TYPES, URGENCY_SIGNALS
from monitor.models import artifact
from monitor.models.risk_model import DEFAULT_DIR
from monitor.scoring import MessageScores

FORMAT = "support-monitor/support/3"  # 2: urgency without the complaint columns; 3: 2^14 buckets
FILENAME = "support.skops"
META_FILENAME = "support.json"
RULE_SIGNALS = (*URGENCY_SIGNALS, "long_wait", "urgency_negated")
FEATURES = ("rules:urgency", *(f"signal:{s}" for s in RULE_SIGNALS),
            *(f"rules:complaint:{k}" for k in COMPLAINT_TYPES))
NONE = "none"
# A few hundred training texts need no 2^17 buckets; 2^14 keeps the file ~1 MB instead of
# 8 MB (six complaint classes × buckets). Counts hashed for the anger model (2^17, same
# hash) are folded, not recomputed: see ``fold``.
N_FEATURES = 2**14


_COLUMN = {**{s: 1 + i for i, s in enumerate(RULE_SIGNALS)},
           **{k: 1 + len(RULE_SIGNALS) + i for i, k in enumerate(COMPLAINT_TYPES)}}


def rule_features(rules: Sequence[MessageScores]) -> Any:
    """One row per message, columns as ``FEATURES``."""
    import numpy as np

    x = np.zeros((len(rules), len(FEATURES)))
    for i, s in enumerate(rules):
        x[i, 0] = s.urgency
        for signal in s.signals:
            if (j := _COLUMN.get(signal.code)) is not None:
                x[i, j] = 1.0
        if s.complaint_type is not None:
            x[i, _COLUMN[s.complaint_type]] = 1.0
    return x


def fold(counts: Any, buckets: int) -> Any:
    """Counts of the same hasher with more buckets, as counts over ``buckets``. The hasher
    keeps the top bits of a multiplicative hash, so bucket b of 2^k+j is b >> j of 2^k."""
    import scipy.sparse as sp

    if counts.shape[1] == buckets:
        return counts
    shift = (counts.shape[1] // buckets).bit_length() - 1
    if counts.shape[1] != buckets << shift:
        raise ValueError(f"cannot fold {counts.shape[1]} buckets into {buckets}")
    folded = sp.csr_matrix((counts.data, counts.indices >> shift, counts.indptr),
                           shape=(counts.shape[0], buckets))
    folded.sum_duplicates()
    return folded


def _urgency_columns(x: Any) -> Any:
    """All but the rules' complaint category (the last columns): what a complaint is about
    is no evidence of time pressure, and with it the urgency head learned that logistics
    requests (快点派送) are urgent whenever the category's term list changed."""
    return x[:, : x.shape[1] - len(COMPLAINT_TYPES)]


class SupportModel:
    """Fitted: ``vectoriser_`` (texts → TF-IDF), ``urgency_`` and ``complaint_``."""

    name = "support-lr-v1"

    def __init__(self, c: float = 10.0, n_features: int = N_FEATURES) -> None:
        self.c = c
        self.n_features = n_features
        self.metadata: dict[str, Any] = {}

    @property
    def hashing(self) -> tuple[int, int]:
        """(buckets, longest n-gram): models that hash alike can share ``hash(texts)``."""
        hasher = self.vectoriser_[0]
        return hasher.n_features, hasher.ngram_max

    def hash(self, texts: Sequence[str]) -> Any:
        return self.vectoriser_[0].transform(texts)

    def _x(self, texts: Sequence[str], rules: Sequence[MessageScores], counts: Any = None) -> Any:
        import scipy.sparse as sp

        from monitor.models import linear

        counts = self.hash(texts) if counts is None else fold(counts, self.n_features)
        extra = sp.csr_matrix(rule_features(rules))
        return sp.hstack([linear.tfidf(counts, self.vectoriser_[1]), extra], format="csr")

    def fit(self, texts: Sequence[str], rules: Sequence[MessageScores], urgent: Sequence[bool],
            complaint: Sequence[str | None]) -> SupportModel:
        """Fit on normalised texts and the rule scores of the same texts."""
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline, make_pipeline

        from monitor.models.char_hash import CharNgramHasher

        self.vectoriser_: Pipeline = make_pipeline(CharNgramHasher(self.n_features),
                                                   TfidfTransformer(sublinear_tf=True))
        self.vectoriser_.fit(list(texts))
        x = self._x(texts, rules)
        # Classes as they come (not balanced): balancing pushed plain requests to hurry
        # (请尽快) over 0.5 on real chat.
        self.urgency_ = LogisticRegression(C=self.c, max_iter=3000)
        self.urgency_.fit(_urgency_columns(x), list(urgent))
        self.complaint_ = LogisticRegression(C=self.c, max_iter=3000)
        self.complaint_.fit(x, [k or NONE for k in complaint])
        return self

    def predict(self, texts: Sequence[str], rules: Sequence[MessageScores],
                counts: Any = None) -> tuple[list[float], list[str | None]]:
        """P(urgent) and the complaint category (None: no complaint) per text;
        ``counts``: ``hash(texts)`` when the caller has it already."""
        if not texts:
            return [], []
        from monitor.models import linear

        x = self._x(texts, rules, counts)
        urgency = linear.positive_proba(_urgency_columns(x), self.urgency_).tolist()
        kinds = [None if k == NONE else str(k) for k in linear.predict_class(x, self.complaint_)]
        return urgency, kinds

    # --- persistence ----------------------------------------------------------------
    def save(self, directory: Path, metadata: dict[str, Any]) -> Path:
        parts = {"vectoriser": self.vectoriser_, "urgency": self.urgency_, "complaint": self.complaint_}
        self.metadata = artifact.save(directory, FILENAME, META_FILENAME, parts, {
            "format": FORMAT, "name": self.name, "features": list(FEATURES),
            "hyperparameters": {"C": self.c, "n_features": self.n_features}, **metadata})
        return directory / FILENAME

    @classmethod
    def load(cls, directory: Path) -> SupportModel:
        parts, meta = artifact.load(directory, FILENAME, META_FILENAME, FORMAT, "support model",
                                    list(FEATURES))
        model = cls(float(meta["hyperparameters"]["C"]), int(meta["hyperparameters"]["n_features"]))
        model.vectoriser_, model.urgency_, model.complaint_ = (
            parts["vectoriser"], parts["urgency"], parts["complaint"])
        model.metadata = meta
        return model


def load_default(models_dir: str | None = None) -> SupportModel | None:
    """As ``anger_model.load_default``: the given folder (required), else models/ if present."""
    directory = artifact.find(models_dir, DEFAULT_DIR, META_FILENAME)
    return SupportModel.load(directory) if directory else None
