"""``support-monitor models train|evaluate``: offline tooling, with scikit-learn (the
``[train]`` extra). Without it, one line says what to install."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.models import artifact
from monitor.models.bundle import load_models
from monitor.records.errors import UsageError
from monitor.steps.playbook import file as playbook_file

_TRAIN_EXTRA = ("scikit-learn", "sklearn", "scipy", "snownlp")


def main(args: argparse.Namespace) -> int:
    book = playbook_file.load(args.playbook)
    try:
        if args.action == "train":
            from monitor.offline import train
        else:
            from monitor.offline import evaluate
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in _TRAIN_EXTRA:
            raise UsageError(f"models {args.action} needs {exc.name}: install the training extra, "
                             "pip install 'support-monitor[train]'") from None
        raise
    data = Path(args.data_dir)
    if args.action == "train" and args.feedback:
        from monitor.cli.common import store_arg
        from monitor.offline.feedback_retrain import retrain
        from monitor.offline.feedback_train import read_labels

        if not 0 < args.feedback_weight <= 1000:
            raise UsageError("--feedback-weight must be a number in (0, 1000]")
        out = Path(args.out) if args.out else artifact.DEFAULT_DIR
        labels = read_labels(store_arg(args.feedback) or args.feedback)
        ok = retrain(data, book, out, labels, args.feedback_weight, args.models_dir)
        print(f"wrote the models to {out}" + ("" if ok else ": a public held-out figure fell by more than "
                                               "0.01 — compare before shipping them"))
        return 0
    if args.action == "train":
        out = Path(args.out) if args.out else artifact.DEFAULT_DIR
        anger = train.train_anger(data, book, out)
        print(f"wrote {out / 'anger.npz'}: anger in use, held-out ROC AUC / AP "
              + "; ".join(f"{k} {v}" for k, v in anger.metadata["held_out_roc_auc_ap"].items()))
        support = train.train_support(book, out)
        print(f"wrote {out / 'support.npz'}: held out, "
              + "; ".join(f"{k} {v}" for k, v in support.metadata["held_out"].items()))
        reply = train.train_reply(data, book, out)
        print(f"wrote {out / 'reply.npz'}: held out, "
              + "; ".join(f"{k} {v}" for k, v in reply.metadata["held_out"].items()))
        path, model = train.train_risk(data, book, out, anger, support)
        print(f"wrote {path}: cross-validated ROC AUC {model.metadata['cv_roc_auc_5fold']:.3f} "
              f"on {model.metadata['samples']} dialogues")
        return 0
    models = load_models(args.models_dir)
    print(evaluate.report(data, book, snownlp=not args.skip_snownlp, risk_model=models.risk,
                          anger=models.anger, support=models.support, reply_model=models.reply))
    return 0
