"""The playbook file: built-in default, partial overrides, and rejection with the line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import flags_at, pipeline, records

from monitor.records.errors import UsageError
from monitor.records.events import RawRecord
from monitor.steps.playbook import file as playbook_file
from monitor.steps.playbook.file import PlaybookFileError, load


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "playbook.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_builtin_file_is_the_default_and_matches_its_text() -> None:
    raw = yaml.safe_load(playbook_file.builtin_text())
    book = load(None)
    assert book.source == "built-in"
    assert book.settings.anger_high == raw["thresholds"]["anger_high"]
    assert book.settings.first_reply_target_s == raw["response_targets"]["first_reply_s"]
    assert book.settings.talkative_run == raw["customer_type_rules"]["talkative_run"]
    assert dict(book.lexicon.customer["insult"]) == raw["customer_signals"]["insult"]
    assert book.lexicon.customer_closing == tuple(raw["customer_closing"])


def test_partial_file_changes_only_what_it_gives(tmp_path: Path) -> None:
    book = load(write(tmp_path, "version: 1\nthresholds:\n  anger_high: 0.6\n"
                                "response_targets: {first_reply_s: 30}\n"))
    default = load(None)
    assert book.settings.anger_high == 0.6
    assert book.settings.first_reply_target_s == 30
    assert book.settings.anger_critical == default.settings.anger_critical
    assert book.settings.reply_target_s == default.settings.reply_target_s
    assert book.lexicon == default.lexicon
    assert book.sha256 != default.sha256


def test_a_term_list_given_replaces_the_builtin_and_changes_the_flags(tmp_path: Path) -> None:
    turns = [("customer", "你们这样做事我真的很上火"), ("agent", "您好，我看一下")]
    assert flags_at(pipeline().process(records(turns))) == []
    path = write(tmp_path, 'version: 1\ncustomer_signals:\n  anger_words: {"上火": 0.6}\n')
    book = load(path)
    assert dict(book.lexicon.customer["anger_words"]) == {"上火": 0.6}
    flags = flags_at(pipeline(playbook=book).process(records(turns)))
    assert ("m1", "handle_emotion_first", "warning") in flags


def test_terms_are_normalised_like_messages(tmp_path: Path) -> None:
    # A term written in Traditional characters or capitals still matches.
    book = load(write(tmp_path, 'version: 1\nagent_signals:\n  slang: ["YYDS", "絕絕子"]\n'))
    assert book.lexicon.agent["slang"] == ("yyds", "绝绝子")


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("version: 1\nthresholds:\n  anger_hihg: 0.6\n", 3, "unknown key 'anger_hihg'"),
    ("version: 1\nthresholds:\n  anger_high: high\n", 3, "expected a number"),
    ("version: 1\nthresholds:\n  anger_high: 1.5\n", 3, "out of range"),
    ("version: 1\nthresholds:\n  calm_turns: 2.5\n", 3, "expected a whole number"),
    ("version: 1\nthresholds:\n  anger_high: 0.6\n  anger_high: 0.7\n", 4, "appears twice"),
    ("version: 1\ncustomer_closing: [\"好的\", \"好的\"]\n", 2, "listed twice"),
    ("version: 1\ncustomer_closing: \"好的\"\n", 2, "expected a list of terms"),
    ("version: 1\ncustomer_signals:\n  insult: {\"笨蛋\": 2}\n", 3, "out of range"),
    ("version: 1\ncustomer_signals:\n  insult: [\"笨蛋\"]\n", 3, "term: weight"),
    ("version: 1\nthresholds:\n  anger_high: [0.6\n", 4, "not valid YAML"),
    ("version: 1\nthresholds:\n  anger_high: 0.8\n  anger_critical: 0.7\n", 4,
     "'anger_critical' must be ≥ 'anger_high'"),
    ("version: 1\nresponse_targets:\n  badly_breached_s: 30\n", 3, "'badly_breached_s' must be ≥"),
    ("thresholds:\n  anger_high: 0.6\n", 1, "missing 'version: 1'"),
    ("version: 2\n", 1, "out of range"),
    ("", 1, "the file is empty"),
    ("- a\n- b\n", 1, "expected sections"),
    ("version: 1\ncomplaint_types:\n  billing: [\"话费\"]\n", 3, "unknown key 'billing'"),
])
def test_bad_file_is_rejected_with_line_and_reason(tmp_path: Path, text: str, line: int,
                                                   reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PlaybookFileError) as err:
        load(path)
    assert err.value.line == line
    assert reason in err.value.reason
    assert str(err.value).startswith(f"playbook {path}:{line}: ")


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read playbook"):
        load(str(tmp_path / "nope.yaml"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_rejects_a_bad_playbook_at_start_with_one_line(tmp_path: Path, sample_path: str) -> None:
    path = write(tmp_path, "version: 1\nthresholds:\n  upset: lots\n")
    for args in (["playbook", "check", path],
                 ["run", "--input", sample_path, "--store", "none", "--playbook", path]):
        proc = cli(*args)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.strip().splitlines() == [
            f"support-monitor: error: playbook {path}:3: expected a number, got 'lots'"]


def test_cli_show_prints_a_file_that_checks(tmp_path: Path) -> None:
    shown = cli("playbook", "show")
    assert shown.returncode == 0
    path = write(tmp_path, shown.stdout)
    checked = cli("playbook", "check", path)
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout


def _queued(turns: list[tuple[str, str]], queue: str | None, channel: str = "chat") -> list[Any]:
    out = []
    for r in records(turns, cid=f"c-{queue}-{channel}"):
        obj = json.loads(r.value)
        obj["channel"] = channel
        if queue is not None:
            obj["queue"] = queue
        out.append(RawRecord(json.dumps(obj, ensure_ascii=False).encode(), r.source, r.position))
    return out


def test_a_queue_has_its_own_thresholds_over_its_channels(tmp_path: Path) -> None:
    # The VIP queue answers within 20 s; the rest of the floor keeps the built-in target.
    book = load(write(tmp_path, "version: 1\nqueues:\n  vip:\n"
                                "    response_targets: {first_reply_s: 20, reply_s: 20}\n"
                                "  货运 专线:\n    thresholds: {anger_high: 0.95, anger_critical: 0.99}\n"))
    default = load(None)
    assert book.queues[("chat", "vip")].first_reply_target_s == 20
    assert book.queues[("chat", "vip")].anger_high == default.settings.anger_high
    # A queue on the social channel keeps the social thresholds it does not set itself.
    assert book.queues[("social", "vip")].anger_high == default.channels["social"].anger_high
    assert book.queues[("social", "货运 专线")].anger_high == 0.95
    # The agent answers after 30 s: late for the VIP queue only.
    turns = [("customer", "请问我的订单到哪里了"), ("agent", "您好，我查一下")]
    for queue, expected in (("vip", True), ("other", False), (None, False)):
        got = flags_at(pipeline(playbook=book).process(_queued(turns, queue)))
        assert any(f[1] == "agent_coaching" for f in got) is expected, (queue, got)


def test_queue_section_errors_name_the_line(tmp_path: Path) -> None:
    cases = [
        ("version: 1\nqueues:\n  vip:\n    thresholds: {anger_hihg: 0.9}\n", 4, "unknown key"),
        ("version: 1\nqueues:\n  vip:\n    thresholds: {calm: 0.2}\n", 4, "unknown key 'calm'"),
        ("version: 1\nqueues:\n  vip: 3\n", 3, "expects"),
        ("version: 1\nqueues: [vip]\n", 2, "queue names"),
        ("version: 1\nqueues:\n  vip:\n    thresholds: {anger_high: 0.95}\n", 2,
         "'anger_critical' must be ≥ 'anger_high' (queue vip on channel chat)"),
    ]
    for text, line, reason in cases:
        with pytest.raises(PlaybookFileError) as err:
            load(write(tmp_path, text))
        assert (err.value.line, reason in err.value.reason) == (line, True), (text, str(err.value))
