"""The conversation-risk figures of the model card (``support-monitor models evaluate``).

Three recipes in the same 5-fold cross-validation on ``dch1_train`` (folds by dialogue,
stratified): risk v1's (the course features alone), the plain text baseline (char
1–3-gram TF-IDF + logistic regression over the customer's text), and v2 (text
contributions beside the course, ``risk_fit.py``). Then once on a split held out from
all of that: a fifth of the dialogues chosen by a hash of their id, never used to choose
anything; the recipes are fitted on the other four fifths and scored there, v2 also as
the peak ``conversation_risk`` of a replay, message by message, as the monitor runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.models.anger_model import AngerModel
from monitor.models.bundle import ModelBundle
from monitor.models.support_model import SupportModel
from monitor.offline import risk_fit
from monitor.offline.benchmarks.dch1 import peak_aucs
from monitor.offline.benchmarks.dch1 import records as dch1_records
from monitor.offline.dch1_data import dch1_dialogues, risk_data
from monitor.steps.playbook.file import PlaybookFile

RISK_TARGET = 0.88
BASELINE_MARGIN = 0.02


def held_out(dialogue_id: str) -> bool:
    """The split held out once: a fifth of the dialogues, by a hash of the id."""
    return int(hashlib.sha1(dialogue_id.encode()).hexdigest(), 16) % 5 == 0


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, scores)) if len(set(labels.tolist())) == 2 else None


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def comparison(data_dir: Path, book: PlaybookFile, anger: AngerModel | None,
               support: SupportModel | None) -> list[str]:
    dialogues = dch1_dialogues(data_dir)
    data = risk_data(dialogues, book, anger, support)
    raw = [" ".join(t["text"] or "" for t in d["turns"] if t["role"] == "customer") for d in dialogues]
    y = data.labels
    recipes: dict[str, Any] = {
        "risk v1 recipe (course features only)": lambda tr, te: risk_fit.course_only(data, tr, te),
        "text baseline (char 1–3 TF-IDF + LR, customer text)":
            lambda tr, te: risk_fit.text_baseline(raw, y, tr, te),
        "risk v2 (text contributions + course)": lambda tr, te: risk_fit.v2(data, tr, te),
    }
    folds = max(2, min(5, int(y.sum()), int((~y).sum())))
    cv = {name: risk_fit.cross_validated(y, recipe, folds) for name, recipe in recipes.items()}
    hold = np.array([held_out(d["id"]) for d in dialogues])
    dev, test = np.flatnonzero(~hold), np.flatnonzero(hold)
    once: dict[str, float | None] = {}
    for name, recipe in recipes.items():
        enough = len(set(y[dev].tolist())) == 2 and len(test) > 0
        once[name] = _auc(y[test], recipe(dev, test)) if enough else None
    lines = [f"| recipe | {folds}-fold CV on dch1_train ({len(y)} dialogues) | held-out fifth "
             f"({len(test)} dialogues, final state) |", "|---|---|---|"]
    lines += [f"| {name} | {cv[name]:.3f} | {_fmt(once[name])} |" for name in recipes]
    v2 = cv["risk v2 (text contributions + course)"]
    base = cv["text baseline (char 1–3 TF-IDF + LR, customer text)"]
    met = v2 >= RISK_TARGET and v2 >= base + BASELINE_MARGIN
    lines += ["", f"Targets (issue #15): v2 ≥ {RISK_TARGET:.2f} in the CV and ≥ the baseline + "
                  f"{BASELINE_MARGIN:.2f} in the same folds ({v2:.3f} vs {base + BASELINE_MARGIN:.3f}): "
                  + ("met" if met else "NOT met")]
    if len(test) and len(set(y[dev].tolist())) == 2:
        model = risk_fit.RiskEstimator().fit(data, dev).to_model()
        held = [dialogues[i] for i in test]
        pipeline = build_pipeline(ProcessingConfig(playbook=book), ModelBundle(anger, support, model))
        peaks = peak_aucs(pipeline.process(dch1_records(held)), held)
        lines.append(f"Held-out fifth, replayed message by message with v2 fitted on the other four "
                     f"fifths: peak conversation_risk ROC AUC {peaks['peak conversation_risk']:.3f} "
                     f"(peak anger {peaks['peak anger']:.3f})")
    return lines
