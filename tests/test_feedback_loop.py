"""The feedback loop end to end: a replayed stream, a scripted reviewer giving verdicts
through the command line (the scenario suite's own expectations as ground truth),
`feedback report` checked against counts computed here, `playbook propose` checked by
loading its file and replaying again."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import T0
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from monitor.cli import main as cli_main
from monitor.report.precision import wilson
from monitor.steps.playbook import file as playbook_file

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios.yaml").read_text(encoding="utf-8"))
Key = tuple[str, str, str]
FALSE_ALARM_REASON = {"handle_emotion_first": "not_angry", "escalate_supervisor": "not_angry",
                      "urgent": "not_urgent"}


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_matches_scipy(kn: tuple[int, int]) -> None:
    k, n = kn
    got = wilson(k, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert got is not None
    assert got[0] == pytest.approx(ci.low, abs=1e-6) and got[1] == pytest.approx(ci.high, abs=1e-6)


def test_no_reviews_no_interval() -> None:
    assert wilson(0, 0) is None


def stream(tmp: Path) -> tuple[Path, set[Key], dict[str, str]]:
    """Every scenario as its own conversation two hours apart; channels and queues vary."""
    events: list[dict[str, Any]] = []
    truth: set[Key] = set()
    last: dict[str, str] = {}
    for i, s in enumerate(SCENARIOS):
        cid, now, index = f"s{i:02d}", T0 + i * 7_200_000 - 30_000, 0
        channel, queue = ("app" if i % 4 == 3 else "chat"), ("vip" if i % 3 == 0 else "general")
        for turn in s["turns"]:
            if isinstance(turn, dict) and "tick" in turn:
                now += int(turn["tick"]) * 1000
                events.append({"conversation_id": f"clock{i:02d}", "message_id": f"t{now}", "ts": now,
                               "role": "system", "text": ""})
                continue
            role, text, after = ((turn[0], turn[1], 30) if isinstance(turn, list)
                                 else (turn["role"], turn["text"], turn.get("after", 30)))
            now += int(after) * 1000
            index += 1
            event = {"conversation_id": cid, "message_id": f"m{index}", "ts": now, "role": role,
                     "text": text, "channel": channel, "queue": queue}
            if role == "agent":
                event["agent_id"] = "a1"
            events.append(event)
            last[cid] = f"m{index}"
        truth |= {(cid, f"m{x['at']}", x["kind"]) for x in s.get("expect", [])}
    path = tmp / "stream.jsonl"
    lines = [json.dumps(e, ensure_ascii=False) for e in sorted(events, key=lambda e: e["ts"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, truth, last


def noisy_playbook(tmp: Path) -> Path:
    """The floor's playbook before the feedback: everyday words as anger words, and a VIP
    queue with a first-reply target shorter than its agents can meet."""
    raw = yaml.safe_load(playbook_file.builtin_text())
    words = {**raw["customer_signals"]["anger_words"], "订单": 0.5, "请问": 0.5, "快递": 0.5}
    path = tmp / "noisy.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "customer_signals": {"anger_words": words},
                                    "queues": {"vip": {"response_targets": {"first_reply_s": 20}}}},
                                   allow_unicode=True), encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(list(args))
    return code, out.getvalue()


def flag_keys(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_verdicts_measure_precision_and_a_proposal_removes_false_alarms(tmp_path: Path,
                                                                        store_url: str) -> None:
    path, truth, last = stream(tmp_path)
    noisy = noisy_playbook(tmp_path)
    store = store_url
    assert cli("run", "--input", str(path), "--playbook", str(noisy), "--store", store,
               "--flags-out", str(tmp_path / "before.jsonl"))[0] == 0
    code, listed = cli("flags", "list", "--store", store, "--status", "all", "--format", "json")
    flags = [json.loads(x) for x in listed.splitlines()]
    assert code == 0 and flags

    # The scripted reviewer: an expected flag is confirmed, any other a false alarm; a reply
    # timer on a conversation's very last message is left unreviewed (the scenario ends
    # there and says nothing about it). Two quiet customer messages are reported missed.
    events = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    ts_of = {(e["conversation_id"], e["message_id"]): e["ts"] for e in events}
    agent_ts = [(e["conversation_id"], e["ts"]) for e in events if e["role"] == "agent"]
    verdicts: dict[str, tuple[str, str | None]] = {}
    for f in flags:
        key = (f["conversation_id"], f["message_id"], f["kind"])
        codes = {r["code"] for r in f["reasons"]}
        if key in truth:
            verdicts[f["flag_id"]] = ("confirmed", None)
        elif last[key[0]] == key[1] and codes <= {"no_reply", "response_breach_angry"}:
            continue
        else:
            # A reply timer that fired before the agent's answer came: handled, not "no reply needed".
            answered = any(c == key[0] and t > ts_of[key[:2]] for c, t in agent_ts)
            timer = "already_handled" if answered else "no_reply_needed"
            reason = FALSE_ALARM_REASON.get(f["kind"], timer if "no_reply" in codes else "other")
            verdicts[f["flag_id"]] = ("false_alarm", reason)
    for flag_id, (verdict, reason) in verdicts.items():
        args = ["flags", "verdict", flag_id, verdict, "--by", "scripted-reviewer", "--store", store]
        assert cli(*args, *(["--reason", reason] if reason else []))[0] == 0
    flagged = {(f["conversation_id"], f["message_id"]) for f in flags}
    quiet = [e for e in events
             if e["role"] == "customer" and (e["conversation_id"], e["message_id"]) not in flagged][:2]
    assert len(quiet) == 2
    for e in quiet:
        assert cli("flags", "missed", e["message_id"], "--conversation", e["conversation_id"], "--kind",
                   "urgent", "--by", "scripted-reviewer", "--store", store)[0] == 0

    # feedback report against counts computed here.
    code, text = cli("feedback", "report", "--store", store, "--format", "json")
    assert code == 0
    report = json.loads(text)
    by_kind: dict[str, Counter[str]] = {}
    for f in flags:
        c = by_kind.setdefault(f["kind"], Counter())
        c["raised"] += 1
        verdict = verdicts.get(f["flag_id"])
        if verdict:
            c["reviewed"] += 1
            c["confirmed" if verdict[0] == "confirmed" else "false_alarms"] += 1
    by_kind.setdefault("urgent", Counter())["missed"] = 2
    for kind, c in by_kind.items():
        got = report["kind"][kind]
        assert (got["raised"], got["reviewed"], got["confirmed"], got["false_alarms"], got["missed"]) == (
            c["raised"], c["reviewed"], c["confirmed"], c["false_alarms"], c["missed"]), kind
        if c["reviewed"]:
            assert got["precision"] == pytest.approx(c["confirmed"] / c["reviewed"], abs=1e-4)
            ci = binomtest(c["confirmed"], c["reviewed"]).proportion_ci(method="wilson")
            assert got["precision_95"] == pytest.approx([ci.low, ci.high], abs=1e-4)
    assert report["total"]["reviewed"] == len(verdicts)
    assert sum(report["queue"][q]["raised"] for q in report["queue"]) == len(flags)
    reasons = Counter(r for v, r in verdicts.values() if v == "false_alarm")
    assert report["total"]["false_alarms_by_reason"] == dict(sorted(reasons.items()))
    assert {t["term"] for t in report["false_alarm_terms"]} & {"订单", "请问", "快递"}

    # playbook propose: a file that checks, whose claims hold when it is loaded and replayed.
    out = tmp_path / "proposed.yaml"
    code, table = cli("playbook", "propose", "--store", store, "--playbook", str(noisy), "--out", str(out))
    assert code == 0, table
    assert cli("playbook", "check", str(out))[0] == 0
    header = out.read_text(encoding="utf-8")
    kept = re.search(r"保留确认提醒 (\d+)/(\d+)，消除误报 (\d+)/(\d+)", header)
    assert kept, header
    confirmed_kept, confirmed_before, removed, false_before = map(int, kept.groups())
    assert removed > 0 and confirmed_kept == confirmed_before
    assert cli("run", "--input", str(path), "--playbook", str(out),
               "--flags-out", str(tmp_path / "after.jsonl"))[0] == 0
    after = {(f["conversation_id"], f["message_id"], f["kind"]) for f in flag_keys(tmp_path / "after.jsonl")}
    key_of = {f["flag_id"]: (f["conversation_id"], f["message_id"], f["kind"]) for f in flags}
    confirmed = {key_of[i] for i, (v, _) in verdicts.items() if v == "confirmed"}
    false_alarms = {key_of[i] for i, (v, _) in verdicts.items() if v == "false_alarm"}
    assert confirmed <= after, confirmed - after
    assert len(false_alarms) == false_before
    assert len(false_alarms - after) == removed
    assert "first_reply_s" in header or "customer_ignore" in header


def test_a_question_is_never_proposed_as_a_closing() -> None:
    from monitor.offline.feedback_data import Floor, Review
    from monitor.offline.propose import term_changes

    floor = Floor()
    book = playbook_file.builtin()
    for i, text in enumerate(["好嘞那我等通知", "请问什么时候到", "那我明天再来问问吗", "你们发京东物流"]):
        key = (f"c{i}", "m1", "agent_coaching")
        floor.messages[key[:2]] = {"text_masked": text, "channel": "chat", "queue": None}
        floor.reviews[key] = Review("false_alarm", "no_reply_needed", {
            "reasons": [{"code": "no_reply", "detail": "客户已等待 60 秒，坐席尚未回复"}], "channel": "chat"})
    proposed = [c.label for changes in term_changes(book, floor, set(floor.reviews)) for c in changes]
    assert proposed == ["「好嘞那我等通知」加入 customer_closing（无需回复）",
                        "「你们发京东物流」加入 customer_closing（无需回复）"]


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 5), st.floats(-3, 3), st.lists(st.floats(0.01, 0.99), min_size=1, max_size=20))
def test_calibration_folds_into_the_combiner(a: float, b: float, probabilities: list[float]) -> None:
    import numpy as np

    from monitor.models.bundle import load_models
    from monitor.offline.feedback_train import fold_anger

    model = load_models().anger
    assert model is not None
    p = np.array(probabilities)
    evidence, short = np.zeros(len(p)), np.zeros(len(p), dtype=bool)
    before = model.combine(p, evidence, short)
    saved = model.combiner
    try:
        fold_anger(model, a, b)
        after = model.combine(p, evidence, short)
    finally:
        model.combiner = saved
    expected = 1 / (1 + np.exp(-(a * np.log(before / (1 - before)) + b)))
    assert np.allclose(after, expected, atol=1e-9)


def test_retraining_with_the_floors_verdicts(tmp_path: Path) -> None:
    """models train --feedback: the floor's labels counted as documented, split by
    conversation, the models written and loadable, before/after printed (a small public
    data folder of the test's own stands in for ../shared/data)."""
    from test_models_evaluate import write_data

    from monitor.models.bundle import load_models
    from monitor.offline.feedback_train import part_of

    path, truth, _ = stream(tmp_path)
    store = str(tmp_path / "floor.db")
    assert cli("run", "--input", str(path), "--playbook", str(noisy_playbook(tmp_path)), "--store", store,
               "--flags-out", str(tmp_path / "f.jsonl"))[0] == 0
    flags = [json.loads(x) for x in cli("flags", "list", "--store", store, "--status", "all",
                                         "--format", "json")[1].splitlines()]
    expected: Counter[tuple[str, str]] = Counter()
    for f in flags:
        key = (f["conversation_id"], f["message_id"], f["kind"])
        if f["kind"] not in ("handle_emotion_first", "urgent"):
            continue
        verdict = "confirmed" if key in truth else "false_alarm"
        reason = None if verdict == "confirmed" else FALSE_ALARM_REASON[f["kind"]]
        assert cli("flags", "verdict", f["flag_id"], verdict, "--by", "r", "--store", store,
                   *(["--reason", reason] if reason else []))[0] == 0
        task = "anger" if f["kind"] == "handle_emotion_first" else "urgency"
        expected[(task, part_of(f["conversation_id"]))] += 1
    data = tmp_path / "data"
    write_data(data)
    # Enough dialogues for the risk model's 5-fold cross-validation.
    angry, calm = ["气死我了！！！什么破服务", "太过分了，你们就是骗子"], ["谢谢你们的帮助", "请问几点开门"]
    dialogues = [{"id": f"d{i}", "satisfaction_mean": -1.0 if i % 2 else 1.0,
                  "turns": [{"role": "customer", "text": (angry if i % 2 else calm)[i % 2 and i % 4 // 2]},
                            {"role": "agent", "text": "您好"}]} for i in range(24)]
    (data / "dialogues" / "dch1_train.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in dialogues), encoding="utf-8")
    out = tmp_path / "models"
    code, text = cli("models", "train", "--data-dir", str(data), "--feedback", store, "--out", str(out))
    assert code == 0, text
    for task in ("anger", "urgency"):
        line = next(x for x in text.splitlines() if x.startswith(f"floor labels, {task}:"))
        for part in ("train", "calibration", "test"):
            assert f"{part} {expected[(task, part)]} " in line, line
    assert "not calibrated on the floor's verdicts" in text
    assert "floor's test part, anger" in text and "public held-out figures: largest fall" in text
    models = load_models(str(out))
    # Too few to calibrate: the calibration part trained too.
    trained = expected[("anger", "train")] + expected[("anger", "calibration")]
    assert models.anger is not None and models.anger.metadata["feedback"]["anger_train"] == trained
    assert cli("score", "--models-dir", str(out), "气死了！！！")[0] == 0


def test_weekly_precision_is_the_feedback_reports_and_names_are_escaped(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>13987654321"
    events = [{"conversation_id": f"c{i}", "message_id": "m1", "ts": T0 + i * 60_000, "role": "customer",
               "text": text, "queue": hostile if i % 2 else "售后"}
              for i, text in enumerate(["气死了！！！什么破服务", "太过分了，我要投诉", "垃圾客服！！！",
                                        "我明天就要用，今天必须送到"])]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")
    store = str(tmp_path / "s.db")
    assert cli("run", "--input", str(path), "--store", store, "--flags-out", str(tmp_path / "f"))[0] == 0
    flags = [json.loads(x) for x in cli("flags", "list", "--store", store, "--status", "all",
                                         "--format", "json")[1].splitlines()]
    assert len(flags) >= 3
    for i, f in enumerate(flags):
        verdict = ("confirmed",) if i % 3 else ("false_alarm", "--reason", "other")
        assert cli("flags", "verdict", f["flag_id"], *verdict, "--by", "r", "--store", store)[0] == 0
    week = json.loads(cli("report", "weekly", "--store", store, "--week", "2026-W47", "--format", "json",
                          "--out", "-")[1])
    feedback = json.loads(cli("feedback", "report", "--store", store, "--since", "2026-11-16", "--until",
                              "2026-11-22", "--format", "json")[1])
    assert week["precision"]["total"] == feedback["total"] and week["precision"]["kind"] == feedback["kind"]
    assert feedback["total"]["reviewed"] == len(flags)
    out = tmp_path / "p.html"
    assert cli("feedback", "report", "--store", store, "--format", "html", "--out", str(out))[0] == 0
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "13987654321" not in page and "13987654321" not in json.dumps(feedback, ensure_ascii=False)
    for bad in (["--since", "2026-13-01"], ["--until", "2026-11-01", "--since", "2026-11-20"],
                ["--timezone", "Mars/Olympus"]):
        assert cli("feedback", "report", "--store", store, *bad)[0] == 2
