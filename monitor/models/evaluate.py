"""``support-monitor models evaluate``: the anger and conversation-risk figures of the
model card, on held-out public data (``../shared/data``, by path; never copied in).

Anger, ROC AUC and average precision per evaluation set, for
- the scorer in use (``rules-v1``, the PLAYBOOK lexicons),
- the baseline of issue #3: character 1–3-gram TF-IDF + logistic regression trained on
  nlpcc2013_train + smp2020_virus_train (so never on an evaluated set),
- snownlp: 1 − ``SnowNLP(text).sentiments`` (slow: ``--skip-snownlp``).
Conversation risk: the peak ``conversation_risk`` (and peak anger) of each dch1_train
dialogue replayed through the pipeline, against dissatisfied (mean satisfaction ≤ -0.5).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from monitor.app import build_pipeline
from monitor.benchmarks.dch1 import peak_aucs
from monitor.benchmarks.dch1 import records as dch1_records
from monitor.config import Config
from monitor.errors import UsageError
from monitor.models.risk_model import RiskModel
from monitor.normalise import normalise
from monitor.playbook_file import PlaybookFile
from monitor.scoring import RuleScorer

EVAL_SETS = ("smp2020_usual_eval", "smp2020_virus_eval", "clue_valid")
BASELINE_TRAIN = ("nlpcc2013_train", "smp2020_virus_train")
TARGETS = {"smp2020_usual_eval": 0.90, "smp2020_virus_eval": 0.95, "clue_valid": 0.78}
RISK_TARGET = 0.85


@dataclass(frozen=True, slots=True)
class Score:
    auc: float
    ap: float

    def __str__(self) -> str:
        return f"{self.auc:.3f} / {self.ap:.3f}"


def load(data_dir: Path, name: str) -> tuple[list[str], np.ndarray]:
    path = data_dir / "emotion" / f"{name}.jsonl"
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror} (give --data-dir ../shared/data)") from None
    return [r["text"] for r in rows], np.array([r["label"] == "anger" for r in rows])


def _score(labels: np.ndarray, scores: list[float] | np.ndarray) -> Score:
    return Score(float(roc_auc_score(labels, scores)), float(average_precision_score(labels, scores)))


def baseline(data_dir: Path) -> tuple[TfidfVectorizer, LogisticRegression]:
    texts: list[str] = []
    labels: list[bool] = []
    for name in BASELINE_TRAIN:
        t, y = load(data_dir, name)
        texts += t
        labels += list(y)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    clf = LogisticRegression(max_iter=2000).fit(vec.fit_transform(texts), labels)
    return vec, clf


def anger_table(data_dir: Path, book: PlaybookFile, snownlp: bool) -> dict[str, dict[str, Score]]:
    rules = RuleScorer(book.lexicon)
    vec, clf = baseline(data_dir)
    table: dict[str, dict[str, Score]] = {}
    for name in EVAL_SETS:
        texts, labels = load(data_dir, name)
        row = {rules.name: _score(labels, [rules.score_text(normalise(t)).anger for t in texts]),
               "tfidf-lr baseline": _score(labels, clf.predict_proba(vec.transform(texts))[:, 1])}
        if snownlp:
            from snownlp import SnowNLP

            row["snownlp"] = _score(labels, [1 - SnowNLP(t).sentiments if t.strip() else 0.5
                                             for t in texts])
        table[name] = row
    return table


def risk_auc(data_dir: Path, book: PlaybookFile) -> dict[str, float]:
    path = data_dir / "dialogues" / "dch1_train.jsonl"
    try:
        dialogues = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    result = build_pipeline(Config(input_path="-", store_url=None, playbook=book)).process(
        dch1_records(dialogues))
    return peak_aucs(result, dialogues)


def report(data_dir: Path, book: PlaybookFile, snownlp: bool = True,
           risk_model: RiskModel | None = None) -> str:
    started = time.perf_counter()
    table = anger_table(data_dir, book, snownlp)
    columns = list(next(iter(table.values())))
    lines = ["Anger: ROC AUC / average precision (anger vs the rest; held out: no scorer was "
             "trained on an evaluated set)", "",
             "| evaluation set | " + " | ".join(columns) + " | target AUC |",
             "|---|" + "---|" * (len(columns) + 1)]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(str(row[c]) for c in columns)
                     + f" | ≥ {TARGETS[name]:.2f} |")
    risk = risk_auc(data_dir, book)
    lines += ["", "Conversation risk vs dissatisfied dialogues (dch1_train, mean satisfaction ≤ -0.5; "
              "no training on it):", ""]
    lines += [f"- {k}: ROC AUC {v:.3f}" for k, v in risk.items()]
    if risk_model is not None:
        meta = risk_model.metadata
        lines.append(f"- fitted conversation-risk model ({risk_model.name}, trained {meta.get('trained')}): "
                     f"5-fold cross-validated ROC AUC {meta.get('cv_roc_auc_5fold')} on "
                     f"{meta.get('samples')} dialogues; the rule-based figures above are without it")
    lines.append(f"- target for conversation_risk: ≥ {RISK_TARGET:.2f}")
    lines += ["", f"({time.perf_counter() - started:.0f} s; data from {data_dir})"]
    return "\n".join(lines)
