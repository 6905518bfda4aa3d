"""``support-monitor models train``: fit the anger model (Weibo train sets + the team's
support messages), the urgency and complaint-type model (the team's support messages),
then the conversation-risk model on dch1_train with both in the pipeline, and write all
three with their metadata to the models folder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import sklearn

from monitor import __version__
from monitor.models.anger_model import AngerModel
from monitor.models.artifact import file_sha256
from monitor.models.reply_model import ReplyModel
from monitor.models.risk_model import FILENAME, RiskModel
from monitor.models.support_model import SupportModel
from monitor.offline import feedback_train, jddc_lines, reply, risk_fit
from monitor.offline.dch1_data import dch1_dialogues, risk_data
from monitor.offline.estimators import AngerEstimator, SupportEstimator
from monitor.offline.evaluate import CHAT_LABELS, OWN_DATA, Score, anger_sets, load, load_chat, load_own
from monitor.offline.risk_fit import RiskEstimator, cross_validated
from monitor.steps.model_scoring import ModelScorer, scorer_name
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import PlaybookFile
from monitor.steps.scoring import RuleScorer

# Weibo sets the anger model learns from; the evaluation sets are never among them.
ANGER_TRAIN = ("nlpcc2013_train", "smp2020_virus_train")
# Each support message (the team's own and the real chat lines it labelled) counts as this
# many Weibo posts: a few hundred of them against ~22,000 posts would otherwise barely move
# the model towards the support register.
OWN_WEIGHT = 10.0


# More labelled texts from the floor's verdicts (normalised masked texts, labels, one weight).
Extra = tuple[list[str], list[bool], float]


def train_anger(data_dir: Path, book: PlaybookFile, out_dir: Path, extra: Extra | None = None,
                feedback_meta: dict[str, object] | None = None,
                calibration: tuple[list[str], list[bool]] | None = None) -> AngerModel:
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
    chat_texts: list[str] = []
    if chat_available(data_dir):
        chat_texts, chat_labels = load_chat(data_dir, "train")
        labels += [bool(v) for v in chat_labels]
    texts += [normalise(t) for t in chat_texts]
    weights += [OWN_WEIGHT] * (len(own_train) + len(chat_texts))
    if extra is not None and extra[0]:
        texts += extra[0]
        labels += extra[1]
        weights += [extra[2]] * len(extra[0])
    sources[OWN_DATA.name + " (split train)"] = file_sha256(OWN_DATA)
    if chat_texts:
        sources[CHAT_LABELS.name + " (split train)"] = file_sha256(CHAT_LABELS)
    rules = RuleScorer(book.lexicon)
    evidence = [rules.score_text(t).anger_evidence for t in texts]
    estimator = AngerEstimator().fit(texts, labels, weights, evidence)
    model = estimator.to_model()
    scorer = ModelScorer(rules, model)
    if calibration is not None:  # the floor's calibration part (offline/feedback_train.py)
        a, b = feedback_train.platt(np.array([s.anger for s in scorer.score_texts(calibration[0])]),
                                    np.array(calibration[1]))
        feedback_train.fold_anger(model, a, b)
        feedback_meta = {**(feedback_meta or {}), "anger_calibration": {"a": a, "b": b,
                                                                        "samples": len(calibration[0])}}
    held_out: dict[str, str] = {}
    from sklearn.metrics import average_precision_score, roc_auc_score

    for name, (t, y) in anger_sets(data_dir).items():
        p = [s.anger for s in scorer.score_texts([normalise(x) for x in t])]
        held_out[name] = str(Score(float(roc_auc_score(y, p)), float(average_precision_score(y, p))))
    model.save(out_dir, {
        "data": {"train": sources, "own_weight": OWN_WEIGHT, "samples": len(texts),
                 "positives": int(sum(labels)),
                 "label": "anger vs every other label (disgust is not anger)",
                 "licence": "Weibo sets: research use (see ../shared/data/README.md); "
                            "support_messages: the project's own"},
        "held_out_roc_auc_ap": held_out,
        "held_out_of": "the anger in use (combined with the rules' evidence)",
        **({"feedback": feedback_meta} if feedback_meta else {}),
        "rules_sha256": book.sha256, "support-monitor": __version__,
        "hyperparameters": estimator.hyperparameters(), "scikit-learn": sklearn.__version__,
    })
    return model


def chat_available(data_dir: Path) -> bool:
    if jddc_lines.available(data_dir, CHAT_LABELS):
        return True
    print(f"note: {data_dir} has no dialogues/jddc2019_sample.jsonl: training without the labelled "
          "real chat lines (the shipped models are trained with them)", file=sys.stderr)
    return False


def train_support(book: PlaybookFile, out_dir: Path, extra: Extra | None = None,
                  feedback_meta: dict[str, object] | None = None,
                  calibration: tuple[list[str], list[bool]] | None = None) -> SupportModel:
    """Urgency and complaint type on the team's support messages (train split); ``extra``:
    the floor's urgency labels, for the urgency head."""
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    rules = RuleScorer(book.lexicon)
    train, test = load_own("train"), load_own("test")
    texts = [normalise(r["text"]) for r in train]
    more = None if extra is None or not extra[0] else (
        extra[0], [rules.score_text(t) for t in extra[0]], extra[1], extra[2])
    estimator = SupportEstimator().fit(texts, [rules.score_text(t) for t in texts],
                                       [bool(r["urgency"]) for r in train],
                                       [r["complaint_type"] for r in train], more)
    model = estimator.to_model()
    if calibration is not None:
        raw, _ = model.predict(calibration[0], [rules.score_text(t) for t in calibration[0]])
        a, b = feedback_train.platt(np.asarray(raw), np.array(calibration[1]))
        feedback_train.fold_urgency(model, a, b)
        feedback_meta = {**(feedback_meta or {}), "urgency_calibration": {"a": a, "b": b,
                                                                          "samples": len(calibration[0])}}
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
        **({"feedback": feedback_meta} if feedback_meta else {}),
        "rules_sha256": book.sha256, "support-monitor": __version__,
        "hyperparameters": estimator.hyperparameters(), "scikit-learn": sklearn.__version__,
    })
    return model


def train_reply(data_dir: Path, book: PlaybookFile, out_dir: Path, extra: Extra | None = None) -> ReplyModel:
    """Does a customer message expect a reply? On the team's labels (monitor/offline/reply.py)."""
    return reply.train(data_dir, book, out_dir, __version__, extra)


def train_risk(data_dir: Path, book: PlaybookFile, out_dir: Path, anger: AngerModel | None,
               support: SupportModel | None = None) -> tuple[Path, RiskModel]:
    dialogues = dch1_dialogues(data_dir)
    source = data_dir / "dialogues" / "dch1_train.jsonl"
    data = risk_data(dialogues, book, anger, support)
    cv = cross_validated(data.labels, lambda tr, te: risk_fit.v2(data, tr, te))
    model = RiskEstimator().fit(data).to_model({
        "data": {"file": "dch1_train.jsonl", "sha256": file_sha256(source),
                 "label": "dissatisfied = mean satisfaction <= -0.5", "licence": "CC BY 4.0"},
        "samples": len(data.labels), "positives": int(data.labels.sum()),
        "cv_roc_auc_5fold": round(cv, 4),
        "scorer": scorer_name(anger, support), "playbook_sha256": book.sha256,
        "support-monitor": __version__, "scikit-learn": sklearn.__version__,
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILENAME
    model.save(target)
    return target, model
