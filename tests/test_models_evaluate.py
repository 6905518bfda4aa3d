"""``models evaluate`` on a small data folder of the test's own (the public sets stay outside)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
