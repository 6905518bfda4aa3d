"""The fitted conversation-risk model: persistence without pickle, version checks, use."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import run_file
from test_models_evaluate import write_data

from monitor import app
from monitor.config import ProcessingConfig
from monitor.models.anger_model import AngerModel
from monitor.models.bundle import ModelBundle
from monitor.models.risk_model import FEATURES, FILENAME, ModelVersionError, RiskModel
from monitor.models.support_model import SupportModel
from monitor.offline.train import train_risk
from monitor.steps.playbook.file import builtin

REPO_MODEL = Path(__file__).resolve().parent.parent / "models" / FILENAME


def flags_and_scores(sample: Path, tmp: Path, model: RiskModel | None,
                     processing: ProcessingConfig | None = None) -> tuple[list[dict], list[dict]]:
    flags, scores = tmp / f"f-{id(model)}.jsonl", tmp / f"s-{id(model)}.jsonl"
    run_file(sample, ModelBundle(risk=model), flags_out=str(flags), scores_out=str(scores),
             store_url=None, processing=processing, overwrite=True)
    return ([json.loads(x) for x in flags.read_text().splitlines()],
            [json.loads(x) for x in scores.read_text().splitlines()])


def test_shipped_model_loads_with_its_metadata() -> None:
    model = RiskModel.load(REPO_MODEL)
    meta = model.metadata
    assert meta["cv_roc_auc_5fold"] >= 0.88 and meta["samples"] == 3700  # issue #15
    assert meta["data"]["file"] == "dch1_train.jsonl" and len(meta["data"]["sha256"]) == 64
    assert meta["scikit-learn"] and meta["trained"]


def test_model_changes_risk_and_flags_only_through_the_rules_that_read_it(sample_path: Path,
                                                                           tmp_path: Path) -> None:
    # With the three rules that read the risk switched off (risk_high, anger_with_risk,
    # anger_rising need a risk above 1), the risk model changes scores but no flag.
    book = builtin()
    off = replace(book, settings=replace(book.settings, risk_elevated=1.0, risk_escalate=1.0), channels={})
    model = RiskModel.load(REPO_MODEL)
    rule_flags, rule_scores = flags_and_scores(sample_path, tmp_path, None, ProcessingConfig(playbook=off))
    model_flags, model_scores = flags_and_scores(sample_path, tmp_path, model, ProcessingConfig(playbook=off))
    assert [f["flag_id"] for f in rule_flags] == [f["flag_id"] for f in model_flags]
    risks = [s["conversation_risk"] for s in model_scores]
    assert all(0.0 <= r <= 1.0 for r in risks)
    assert risks != [s["conversation_risk"] for s in rule_scores]
    # An escalated conversation carries more risk than a calm one.
    by_conv: dict[str, float] = {}
    for s in model_scores:
        by_conv[s["conversation_id"]] = max(by_conv.get(s["conversation_id"], 0.0), s["conversation_risk"])
    escalated = {f["conversation_id"] for f in model_flags if f["kind"] == "escalate_supervisor"}
    calm = set(by_conv) - {f["conversation_id"] for f in model_flags}
    assert min(by_conv[c] for c in escalated) > 0 and calm
    assert sum(by_conv[c] for c in escalated) / len(escalated) > sum(by_conv[c] for c in calm) / len(calm)


def same(a: RiskModel, b: RiskModel) -> bool:
    return ((a.mean_, a.scale_, a.coef_, a.intercept_) == (b.mean_, b.scale_, b.coef_, b.intercept_)
            and (a.text.idf == b.text.idf).all() and (a.text.coef == b.text.coef).all())


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = RiskModel.load(REPO_MODEL)
    model.save(tmp_path / FILENAME)
    again = RiskModel.load(tmp_path / FILENAME)
    assert same(again, model) and again.metadata == model.metadata


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.update(format="support-monitor/conversation-risk/0"), "has format"),
    (lambda b: b.update(features=[*FEATURES[:-1], "signal:new"]), "other features"),
    (lambda b: b.update(coef=b["coef"][:-1]), "damaged"),
])
def test_version_mismatch_is_refused_with_a_clear_error(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(REPO_MODEL.read_text())
    change(body)
    for other in ("anger.npz", "anger.json", "support.npz", "support.json", "reply.npz", "reply.json",
                  "conversation_risk.npz"):  # intact
        shutil.copy(REPO_MODEL.parent / other, tmp_path / other)
    path = tmp_path / FILENAME
    path.write_text(json.dumps(body))
    with pytest.raises(ModelVersionError, match=message):
        RiskModel.load(path)
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "demo", "--store", "none",
                           "--models-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert message in proc.stderr


def training_data(tmp_path: Path) -> Path:
    """The test's small data folder, with enough dialogues for 5-fold cross-validation."""
    data = tmp_path / "data"
    write_data(data)
    lines = (data / "dialogues" / "dch1_train.jsonl").read_text(encoding="utf-8").splitlines()
    more = [json.dumps({**json.loads(x), "id": f"{json.loads(x)['id']}-{k}"}, ensure_ascii=False)
            for k in range(5) for x in lines]
    (data / "dialogues" / "dch1_train.jsonl").write_text("\n".join(more), encoding="utf-8")
    return data


def test_train_on_data_of_our_own(tmp_path: Path) -> None:
    data = training_data(tmp_path)
    path, model = train_risk(data, builtin(), tmp_path / "out", None)
    assert path.exists() and model.metadata["samples"] == 40
    assert model.metadata["cv_roc_auc_5fold"] >= 0.9  # angry vs calm dialogues: separable
    assert same(RiskModel.load(path), model)


def test_models_train_writes_the_models_that_the_monitor_then_uses(tmp_path: Path) -> None:
    data = training_data(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "models", "train", "--data-dir",
                           str(data), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    anger = AngerModel.load(out)
    risk = RiskModel.load(out / FILENAME)
    assert anger.metadata["data"]["samples"] > 147  # the tiny Weibo sets + our support train split
    support = SupportModel.load(out)
    assert support.metadata["held_out"]["samples"] > 0
    assert risk.metadata["scorer"] == "rules-v1+anger-lr-v2+support-lr-v1"
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "score", "--models-dir", str(out),
                           "你们就是骗子，气死我了"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scorer"] == "rules-v1+anger-lr-v2+support-lr-v1+reply-lr-v1"


def test_fast_scoring_is_the_standardised_logistic_regression(sample_path: Path) -> None:
    import math

    from monitor.models.risk_model import features
    from monitor.records.events import RawRecord
    from monitor.steps.pipeline import Pipeline

    model = RiskModel.load(REPO_MODEL)
    pipeline: Pipeline = app.build_pipeline(ProcessingConfig(), ModelBundle(risk=model))
    lines = sample_path.read_bytes().splitlines()
    result = pipeline.process([RawRecord(x, "sample", i) for i, x in enumerate(lines)])
    states = [pipeline.states.get(c) for c in {p.event.conversation_id for p in result.processed}]
    checked = 0
    for state in states:
        if state is None:
            continue
        z = model.intercept_ + sum(w * (x - m) / sd for x, m, sd, w in
                                   zip(features(state), model.mean_, model.scale_, model.coef_, strict=True))
        assert model(state) == round(1 / (1 + math.exp(-z)), 4)
        checked += 1
    assert checked > 10
