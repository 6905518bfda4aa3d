"""The command line as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.io.store import Store

CMD = [sys.executable, "-m", "monitor.cli"]


def cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def read_jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_run_writes_every_output(tmp_path: Path, sample_path: Path) -> None:
    flags, scores, dead = tmp_path / "f.jsonl", tmp_path / "s.jsonl", tmp_path / "d.jsonl"
    proc = cli("run", "--input", str(sample_path), "--flags-out", str(flags), "--scores-out",
               str(scores), "--dead-letter-out", str(dead), "--store", str(tmp_path / "m.db"))
    assert proc.returncode == 0, proc.stderr
    assert "messages" in proc.stderr and "dead letters" in proc.stderr  # the summary
    flag_rows, score_rows, dead_rows = read_jsonl(flags), read_jsonl(scores), read_jsonl(dead)
    lines = sample_path.read_text(encoding="utf-8").splitlines()
    # nothing lost: every line is a scored message, a dead letter or a skipped duplicate
    assert len(score_rows) + len(dead_rows) + 1 == len(lines)
    assert {d["reason"] for d in dead_rows} >= {"invalid_json", "missing_field", "invalid_timestamp",
                                                 "invalid_role", "invalid_id", "not_an_object"}
    for d in dead_rows:
        assert d["source"] == str(sample_path) and lines[d["line"] - 1] == d["raw"]
    assert set(score_rows[0]) == {"conversation_id", "message_id", "role", "anger", "urgency",
                                  "conversation_risk", "complaint_type"}
    for f in flag_rows:
        assert f["kind"] in {"handle_emotion_first", "escalate_supervisor", "urgent", "agent_coaching"}
        assert set(f["scores"]) >= {"anger", "urgency", "conversation_risk"}
        assert f["reasons"] and f["suggestion"] and f["playbook_ref"] and f["ts"].endswith("Z")
    assert "13912345678" not in flags.read_text(encoding="utf-8")
    store = Store(str(tmp_path / "m.db"))
    assert {f["flag_id"] for f in store.flags()} == {f["flag_id"] for f in flag_rows}
    store.close()


def test_replaying_twice_gives_the_same_flag_ids(tmp_path: Path, sample_path: Path) -> None:
    ids = []
    for i in range(2):
        out = tmp_path / f"f{i}.jsonl"
        assert cli("run", "--input", str(sample_path), "--flags-out", str(out), "--store", "none",
                   "--batch-size", str(7 + i * 50)).returncode == 0
        ids.append([f["flag_id"] for f in read_jsonl(out)])
    assert ids[0] == ids[1] and len(ids[0]) > 10


def test_stdin_input_flags_to_stdout(tmp_path: Path) -> None:
    event = {"conversation_id": "c1", "message_id": "m1", "ts": 1794790800000, "role": "customer",
             "text": "再不处理我就去法院起诉你们"}
    proc = cli("run", "--input", "-", "--store", "none", stdin=json.dumps(event) + "\nnot json\n")
    assert proc.returncode == 0, proc.stderr
    flags = [json.loads(line) for line in proc.stdout.splitlines()]
    assert "escalate_supervisor" in [f["kind"] for f in flags]
    assert "dead letters" in proc.stderr and "invalid_json 1" in proc.stderr


def test_sigterm_on_live_stdin_flushes_and_exits_zero(tmp_path: Path) -> None:
    flags = tmp_path / "f.jsonl"
    proc = subprocess.Popen([*CMD, "run", "--input", "-", "--flags-out", str(flags),
                             "--store", str(tmp_path / "m.db")],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    event = {"conversation_id": "c1", "message_id": "m1", "ts": 1794790800000, "role": "customer",
             "text": "叫你们经理来"}
    proc.stdin.write(json.dumps(event, ensure_ascii=False) + "\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not (flags.exists() and flags.read_text()):
        time.sleep(0.1)  # the batch is cut when input pauses, so the flag arrives now
    assert read_jsonl(flags)[0]["kind"] == "escalate_supervisor"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    store = Store(str(tmp_path / "m.db"))
    assert len(store.messages()) == 1
    store.close()


@pytest.mark.parametrize(("args", "needle"), [
    (["run"], "--input"),
    (["run", "--input", "/nonexistent/x.jsonl"], "cannot read input"),
    (["run", "--input", "-", "--batch-size", "0"], "must be positive"),
    (["run", "--input", "-", "--flags-out", "/nonexistent/dir/f.jsonl"], "cannot write"),
    (["frobnicate"], "invalid choice"),
    (["score"], "TEXT"),
])
def test_bad_arguments_one_line_exit_2(args: list[str], needle: str) -> None:
    proc = cli(*args, stdin="")
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_every_subcommand_has_help() -> None:
    for sub in ([], ["run"], ["score"], ["demo"]):
        proc = cli(*sub, "--help")
        assert proc.returncode == 0 and "usage:" in proc.stdout


def test_score_prints_json_per_text() -> None:
    proc = cli("score", "叫你们经理来,我要去12315投诉", "請問有貨嗎", "手机13800138000")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and len(rows) == 3
    assert rows[0]["anger"] > rows[1]["anger"]
    assert rows[2]["text"] == "手机[手机号]"


def test_demo_prints_flags_and_writes_the_store(tmp_path: Path) -> None:
    proc = cli("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "转主管" in proc.stdout and "seed 003" in proc.stdout and "建议" in proc.stdout
    store = Store(str(tmp_path / "support-monitor-demo.db"))
    assert len(store.flags()) > 10
    store.close()


def test_default_store_from_environment(tmp_path: Path, sample_path: Path) -> None:
    env = {**os.environ, "SUPPORT_MONITOR_STORE": str(tmp_path / "env.db")}
    proc = subprocess.run([*CMD, "run", "--input", str(sample_path), "--quiet"], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0 and (tmp_path / "env.db").exists()
    assert not (tmp_path / "support-monitor.db").exists()


def test_live_stdin_flags_a_waiting_customer_while_the_stream_is_idle(tmp_path: Path) -> None:
    flags = tmp_path / "f.jsonl"
    proc = subprocess.Popen([*CMD, "run", "--input", "-", "--flags-out", str(flags), "--store", "none"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    now_ms = int(time.time() * 1000)
    event = {"conversation_id": "live", "message_id": "m1", "ts": now_ms - 58_000,
             "role": "customer", "text": "你好，发票怎么开？"}
    proc.stdin.write(json.dumps(event, ensure_ascii=False) + "\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not (flags.exists() and flags.read_text()):
        time.sleep(0.2)  # no further input: only the wall clock can raise this flag
    rows = read_jsonl(flags)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert [(r["kind"], r["message_id"], r["reasons"][0]["code"]) for r in rows] == [
        ("agent_coaching", "m1", "no_reply")]
    assert time.time() * 1000 - now_ms >= 2_000  # it fired after the 60 s target, not at once


def test_run_without_trained_models_says_it_scores_with_the_rules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor import cli
    from monitor.models import artifact

    monkeypatch.setattr(artifact, "DEFAULT_DIR", tmp_path)  # as an installed package: no models/
    events = tmp_path / "in.jsonl"
    events.write_text(json.dumps({"conversation_id": "c", "message_id": "m", "ts": 1794790800000,
                                  "role": "customer", "text": "气死了！！！"}) + "\n", encoding="utf-8")
    flags = tmp_path / "flags.jsonl"
    assert cli.main(["run", "--input", str(events), "--store", "none", "--quiet",
                     "--flags-out", str(flags)]) == 0
    assert "scoring with the rules alone" in capsys.readouterr().err
    assert flags.read_text(encoding="utf-8")  # and it still flags
