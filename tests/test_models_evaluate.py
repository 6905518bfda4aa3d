"""``models evaluate`` on a small data folder of the test's own (the public sets stay outside)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.offline.evaluate import review_complaints
from monitor.records.errors import UsageError
from monitor.steps.playbook import file as playbook_file

ANGRY = ["气死我了！！！什么破服务", "太过分了，你们就是骗子", "我要投诉你们，垃圾", "受够了！！！"]
CALM = ["今天天气真好", "谢谢你们的帮助", "请问几点开门", "周末去公园散步"]


def write_data(root: Path) -> None:
    (root / "emotion").mkdir(parents=True)
    (root / "dialogues").mkdir()
    for name in ("nlpcc2013_train", "smp2020_virus_train", "smp2020_usual_eval", "smp2020_virus_eval",
                 "clue_valid"):
        rows = [{"text": t, "label": "anger"} for t in ANGRY] + [{"text": t, "label": "none"} for t in CALM]
        (root / "emotion" / f"{name}.jsonl").write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    dialogues = [{"id": f"d{i}", "satisfaction_mean": -1.0 if i % 2 else 1.0,
                  "turns": [{"role": "customer", "text": ANGRY[i % 4] if i % 2 else CALM[i % 4]},
                            {"role": "agent", "text": "您好"}]} for i in range(8)]
    (root / "dialogues" / "dch1_train.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in dialogues), encoding="utf-8")


def test_evaluate_prints_the_table(tmp_path: Path) -> None:
    write_data(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "models", "evaluate", "--data-dir",
                           str(tmp_path), "--skip-snownlp"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| smp2020_usual_eval")]
    assert rows
    rules_auc = float(rows[0].split("|")[2].split("/")[0])
    assert rules_auc == 1.0  # the rules separate these obvious cases completely
    assert "peak conversation_risk: ROC AUC 1.000" in proc.stdout


def test_evaluate_without_data_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "models", "evaluate", "--data-dir",
                           str(tmp_path / "nope"), "--skip-snownlp"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_complaint_type_on_labelled_reviews(tmp_path: Path) -> None:
    reviews = ["快递三天了还没到", "手机经常死机，质量太差", "刚买就降价了", "还行吧"]
    (tmp_path / "reviews").mkdir()
    with (tmp_path / "reviews" / "r.csv").open("w", encoding="utf-8") as fh:
        fh.write("label,review\n" + "".join(f"0,{r}\n" for r in reviews))
    labels = [["logistics"], ["product_quality", "after_sales"], ["price"], [None]]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps({
        "file": "reviews/r.csv", "row": i, "complaint_types": t,
        "text_sha1": hashlib.sha1(reviews[i].encode()).hexdigest()[:12]}) for i, t in enumerate(labels)),
        encoding="utf-8")
    lines = review_complaints(tmp_path, playbook_file.load(None), labels_path=path)
    row = {line.split("|")[1].strip(): line.split("|")[2:4] for line in lines if line.startswith("| ")}
    assert row["price"] == [" 1 ", " 1.00 / 1.00 "]
    assert row["product_quality"] == [" 1 ", " 1.00 / 1.00 "]  # 死机 and 质量
    assert "rules-v1 4/4" in lines[-1] and "says none on 0 of the 3 complaints" in lines[-1]

    (tmp_path / "reviews" / "r.csv").write_text("label,review\n0,另一条评论\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not the review that was labelled"):
        review_complaints(tmp_path, playbook_file.load(None), labels_path=path)
