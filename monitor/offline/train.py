"""``support-monitor models train``: fit the anger model (Weibo train sets + the team's
support messages), the urgency and complaint-type model (the team's support messages),
then the conversation-risk model on dch1_train with both in the pipeline, and write all
three with their metadata to the models folder."""

from __future__ import annotations

import json
from pathlib import Path

import sklearn

from monitor import __version__
from monitor.app import build_pipeline
from monitor.config import ProcessingConfig
from monitor.models.anger_model import AngerModel
from monitor.models.artifact import file_sha256
from monitor.models.bundle import ModelBundle
from monitor.models.risk_model import FILENAME, RiskModel
from monitor.models.support_model import SupportModel
from monitor.offline.benchmarks.dch1 import records as dch1_records
from monitor.offline.estimators import AngerEstimator, SupportEstimator, fit_risk
from monitor.offline.evaluate import OWN_DATA, Score, anger_sets, load, load_own
from monitor.records.errors import UsageError
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import PlaybookFile
from monitor.steps.scoring import RuleScorer

# Weibo sets the anger model learns from; the evaluation sets are never among them.
ANGER_TRAIN = ("nlpcc2013_train", "smp2020_virus_train")
# Each team-written support message counts as this many Weibo posts: a few hundred of them
# against ~22,000 posts would otherwise barely move the model towards the support register.
OWN_WEIGHT = 10.0


def train_anger(data_dir: Path, out_dir: Path) -> AngerModel:
    texts: list[str] = []
    labels: list[bool] = []
    sources = {}
    for name in ANGER_TRAIN:
        t, y = load(data_dir, name)
        texts += [normalise(x) for x in t]
        labels += [bool(v) for v in y]
        sources[name] = file_sha256(data_dir / "emotion" / f"{name}.jsonl")
    weights = [1.0] * len(texts)
    own_train = load_own("train")
    texts += [normalise(r["text"]) for r in own_train]
    labels += [bool(r["anger"]) for r in own_train]
    weights += [OWN_WEIGHT] * len(own_train)
    sources[OWN_DATA.name + " (split train)"] = file_sha256(OWN_DATA)
    estimator = AngerEstimator().fit(texts, labels, weights)
    model = estimator.to_model()
    held_out: dict[str, str] = {}
    from sklearn.metrics import average_precision_score, roc_auc_score

    for name, (t, y) in anger_sets(data_dir).items():
        p = model.predict_proba([normalise(x) for x in t])
        held_out[name] = str(Score(float(roc_auc_score(y, p)), float(average_precision_score(y, p))))
    model.save(out_dir, {
        "data": {"train": sources, "own_weight": OWN_WEIGHT, "samples": len(texts),
                 "positives": int(sum(labels)),
                 "label": "anger vs every other label (disgust is not anger)",
                 "licence": "Weibo sets: research use (see ../shared/data/README.md); "
                            "support_messages: the project's own"},
        "held_out_roc_auc_ap": held_out, "support-monitor": __version__,
        "hyperparameters": estimator.hyperparameters(), "scikit-learn": sklearn.__version__,
    })
    return model


def train_support(book: PlaybookFile, out_dir: Path) -> SupportModel:
    """Urgency and complaint type on the team's support messages (train split)."""
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    rules = RuleScorer(book.lexicon)
    train, test = load_own("train"), load_own("test")
    texts = [normalise(r["text"]) for r in train]
    estimator = SupportEstimator().fit(texts, [rules.score_text(t) for t in texts],
                                       [bool(r["urgency"]) for r in train],
                                       [r["complaint_type"] for r in train])
    model = estimator.to_model()
    test_texts = [normalise(r["text"]) for r in test]
    urgency, kinds = model.predict(test_texts, [rules.score_text(t) for t in test_texts])
    truth = [r["complaint_type"] or "none" for r in test]
    f1 = precision_recall_fscore_support(truth, [k or "none" for k in kinds], average="macro",
                                         zero_division=0)[2]
    model.save(out_dir, {
        "data": {"file": OWN_DATA.name, "sha256": file_sha256(OWN_DATA), "samples": len(train),
                 "urgent": sum(r["urgency"] for r in train), "licence": "the project's own"},
        "held_out": {"urgency ROC AUC": round(float(roc_auc_score([r["urgency"] for r in test], urgency)), 3),
                     "complaint macro-F1": round(float(f1), 3), "samples": len(test)},
        "rules_sha256": book.sha256, "support-monitor": __version__,
        "hyperparameters": estimator.hyperparameters(), "scikit-learn": sklearn.__version__,
    })
    return model


def train_risk(data_dir: Path, book: PlaybookFile, out_dir: Path, anger: AngerModel | None,
               support: SupportModel | None = None) -> tuple[Path, RiskModel]:
    path = data_dir / "dialogues" / "dch1_train.jsonl"
    try:
        dialogues = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror} (give --data-dir ../shared/data)") from None
    # Conversations replayed as one stream (turns 30 s apart); the features are the final
    # state of each. They rest on the rule scores and the playbook file, so both are
    # recorded: a model is only as valid as the scorer it was trained with.
    pipeline = build_pipeline(ProcessingConfig(playbook=book, conversation_ttl_s=10**9),
                              ModelBundle(anger=anger, support=support))
    pipeline.process(dch1_records(dialogues))
    states, labels = [], []
    for d in dialogues:
        state = pipeline.states.get(d["id"])
        if state is not None:
            states.append(state)
            labels.append(d["satisfaction_mean"] <= -0.5)
    model = fit_risk(states, labels, {
        "data": {"file": path.name, "sha256": file_sha256(path),
                 "label": "dissatisfied = mean satisfaction <= -0.5", "licence": "CC BY 4.0"},
        "scorer": pipeline.scorer.name, "playbook_sha256": book.sha256,
        "support-monitor": __version__,
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILENAME
    model.save(target)
    return target, model
