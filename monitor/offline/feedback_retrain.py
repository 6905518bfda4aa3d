"""Retrain every model with the floor's labels and show what changed, held out:
on the floor's test part and on the public held-out sets (models/README.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitor.models.bundle import ModelBundle, load_models
from monitor.offline import evaluate, reply, train
from monitor.offline.feedback_train import DEFAULT_WEIGHT, MIN_CALIBRATION, MIN_CLASS, TASKS, Labels, auc
from monitor.steps.model_scoring import ModelScorer
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import PlaybookFile
from monitor.steps.scoring import RuleScorer

TASK_NAMES = {"anger": "anger", "urgency": "urgency", "reply": "expects a reply"}
# The public held-out figures may not fall by more than this (issue #17).
MAX_PUBLIC_DROP = 0.01


def floor_scores(models: ModelBundle, book: PlaybookFile, labels: Labels) -> dict[str, float | None]:
    """ROC AUC on the floor's test part, per task, of the scores the flags use."""
    scorer = ModelScorer(RuleScorer(book.lexicon), models.anger, models.support, reply=models.reply)
    out: dict[str, float | None] = {}
    for task in TASKS:
        texts, y = labels.part(task, "test")
        if not texts:
            out[task] = None
            continue
        scored = scorer.score_texts(texts)
        if task == "reply":
            p = [1.0] * len(texts) if models.reply is None else models.reply.predict_proba(texts)
        else:
            p = [getattr(s, task) for s in scored]
        out[task] = auc(y, p)
    return out


def public_scores(models: ModelBundle, data_dir: Path, book: PlaybookFile) -> dict[str, float]:
    """Anger on every public held-out set, urgency and reply on their test splits."""
    scorer = ModelScorer(RuleScorer(book.lexicon), models.anger, models.support)
    out = {}
    for name, (texts, y) in evaluate.anger_sets(data_dir).items():
        out[f"anger: {name}"] = auc(list(map(bool, y)), [s.anger for s in scorer.score_texts(
            [normalise(t) for t in texts])]) or 0.0
    own = evaluate.load_own("test")
    scored = scorer.score_texts([normalise(r["text"]) for r in own])
    urgent = [bool(r["urgency"]) for r in own]
    out["urgency: support_messages test"] = auc(urgent, [s.urgency for s in scored]) or 0.0
    if models.reply is not None:
        data = reply.load(data_dir, "test")
        p = models.reply.predict_proba(data.texts)
        out["expects a reply: test split"] = auc(data.expects.tolist(), p) or 0.0
    return out


def retrain(data_dir: Path, book: PlaybookFile, out: Path, labels: Labels, weight: float = DEFAULT_WEIGHT,
            models_dir: str | None = None, say: Callable[[str], None] = print) -> bool:
    """Train with the floor's train part, calibrate where there are enough labels, and
    print before/after; True when no public held-out figure fell by more than 0.01."""
    for task in TASKS:
        say(f"floor labels, {TASK_NAMES[task]}: " + ", ".join(
            f"{part} {n} ({pos} positive)" for part in ("train", "calibration", "test")
            for n, pos in [labels.count(task, part)]))
    if labels.conflicts:
        say(f"left out: {labels.conflicts} messages with contradicting verdicts")
    calibration: dict[str, tuple[list[str], list[bool]] | None] = {}
    for task in TASKS:
        if task != "reply" and labels.calibratable(task):
            calibration[task] = labels.part(task, "calibration")
        else:
            if task != "reply":
                n, pos = labels.count(task, "calibration")
                say(f"{TASK_NAMES[task]}: not calibrated on the floor's verdicts: {n} labels in the "
                    f"calibration part ({pos} positive); needs {MIN_CALIBRATION} with {MIN_CLASS} "
                    "of each class. They train instead.")
            calibration[task] = None
            labels.merge_calibration(task)
    before = load_models(models_dir)
    floor_before, public_before = floor_scores(before, book, labels), public_scores(before, data_dir, book)
    meta: dict[str, object] = {"weight": weight, **{f"{t}_train": labels.count(t, "train")[0] for t in TASKS}}

    def extra(task: str) -> train.Extra:
        texts, y = labels.part(task, "train")
        return list(texts), list(y), weight

    anger = train.train_anger(data_dir, book, out, extra("anger"), meta, calibration["anger"])
    support = train.train_support(book, out, extra("urgency"), meta, calibration["urgency"])
    reply_model = train.train_reply(data_dir, book, out, extra("reply"))
    train.train_risk(data_dir, book, out, anger, support)
    after = ModelBundle(anger, support, load_models(str(out)).risk, reply_model)
    floor_after, public_after = floor_scores(after, book, labels), public_scores(after, data_dir, book)
    say("| held out | before | after | change |")
    say("|---|---|---|---|")
    for task in TASKS:
        b, a = floor_before[task], floor_after[task]
        change = "–" if a is None or b is None else f"{a - b:+.3f}"
        n, pos = labels.count(task, "test")
        say(f"| floor's test part, {TASK_NAMES[task]} (ROC AUC; {n} labels, {pos} positive) | {_f(b)} | "
            f"{_f(a)} | {change} |")
    worst = 0.0
    for name, b in public_before.items():
        a = public_after.get(name, 0.0)
        worst = min(worst, a - b)
        say(f"| {name} (ROC AUC) | {b:.3f} | {a:.3f} | {a - b:+.3f} |")
    ok = worst >= -MAX_PUBLIC_DROP
    say(f"public held-out figures: largest fall {-worst:.3f} ({'within' if ok else 'MORE than'} "
        f"{MAX_PUBLIC_DROP})")
    return ok


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
