"""Anger, learned: the probability that a customer message reads as angry.

Character 1–3-grams, hashed (``char_hash.py``), sublinear TF-IDF and a logistic
regression (``text_model.py``), fitted offline (``monitor/offline/estimators.py``) on the
human-labelled Weibo sets (NLPCC 2013 and SMP2020-EWECT virus train: anger vs every other
label) together with the team's own support messages (``models/data``, train split,
weighted up). At run time: ``models/anger.npz`` + ``anger.json``, numpy alone.
"""

from __future__ import annotations

from monitor.models.text_model import NGRAM_MAX, BinaryTextModel

FORMAT = "support-monitor/anger/2"  # 2: plain arrays (1 was a scikit-learn pipeline in skops)
FILENAME = "anger.npz"
META_FILENAME = "anger.json"
N_FEATURES = 2**17

__all__ = ["FILENAME", "FORMAT", "META_FILENAME", "NGRAM_MAX", "N_FEATURES", "AngerModel", "load_default"]


class AngerModel(BinaryTextModel):
    name = "anger-lr-v1"
    FORMAT = FORMAT
    FILENAME = FILENAME
    META_FILENAME = META_FILENAME
    WHAT = "anger model"


def load_default(models_dir: str | None = None) -> AngerModel | None:
    """The model in ``models_dir`` (required there), else the repository's models/ when it
    has one, else None: the rules alone score anger."""
    return AngerModel.load_default(models_dir)
