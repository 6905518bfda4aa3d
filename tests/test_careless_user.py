"""What a user hits first (issue #14 §4), and the dead-letter output (§3): real
processes, real files, a real terminal (a pseudo-terminal) where it matters."""

from __future__ import annotations

import base64
import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

from monitor.io.store import SCHEMA_VERSION, Store

CMD = [sys.executable, "-m", "monitor.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120)


def test_stdout_carries_exactly_the_flags_when_stderr_is_a_terminal(sample_path: Path) -> None:
    # The progress display used to capture stdout: `> out.jsonl` got nothing.
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([*CMD, "run", "--input", str(sample_path), "--store", "none"],
                              stdout=subprocess.PIPE, stderr=follower, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert len(lines) > 20 and all(json.loads(x)["flag_id"] for x in lines)


def test_pretty_shows_panels_instead_of_json(sample_path: Path) -> None:
    proc = cli("run", "--input", str(sample_path), "--store", "none", "--pretty", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "先处理情绪" in proc.stdout and "建议" in proc.stdout and '"flag_id"' not in proc.stdout


def test_a_corrupt_store_is_one_line_and_exit_2(tmp_path: Path, sample_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    for args in (["run", "--input", str(sample_path), "--store", str(bad), "--quiet"],
                 ["report", "weekly", "--store", str(bad), "--out", "-"]):
        proc = cli(*args)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "cannot open store" in proc.stderr, proc.stderr


def test_a_report_on_a_store_that_does_not_exist_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.db"
    proc = cli("report", "weekly", "--store", str(missing), "--out", "-")
    assert proc.returncode == 2 and "no store at" in proc.stderr
    assert not missing.exists()  # it used to create an empty store and report 本周没有数据


def test_the_demo_says_how_to_get_its_weekly_report(tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    proc = cli("demo", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    command = next(line for line in proc.stdout.splitlines() if "report weekly" in line).strip()
    args = command.split("support-monitor ", 1)[1].split()
    args[args.index("--out") + 1] = "-"
    report = cli(*args, "--format", "md")
    assert report.returncode == 0 and "本周没有数据" not in report.stdout


def test_output_files_append_unless_overwrite(tmp_path: Path, sample_path: Path) -> None:
    flags = tmp_path / "f.jsonl"
    for extra in ([], [], ["--overwrite"]):
        assert cli("run", "--input", str(sample_path), "--flags-out", str(flags), "--store", "none",
                   "--quiet", *extra).returncode == 0
        if not extra:
            appended = len(flags.read_text().splitlines())
    once = len(flags.read_text().splitlines())
    assert appended == 2 * once


def test_blank_lines_and_cut_texts_are_counted(tmp_path: Path) -> None:
    events = tmp_path / "in.jsonl"
    long_event = {"conversation_id": "c", "message_id": "m1", "ts": 1794790800000, "role": "customer",
                  "text": "太慢了" * 10_000}
    events.write_text("\n   \n" + json.dumps(long_event, ensure_ascii=False) + "\n\n", encoding="utf-8")
    scores, db = tmp_path / "s.jsonl", tmp_path / "m.db"
    proc = cli("run", "--input", str(events), "--scores-out", str(scores), "--store", str(db),
               "--max-text", "1000")
    assert proc.returncode == 0, proc.stderr
    assert "blank lines skipped" in proc.stderr and "3" in proc.stderr
    assert json.loads(scores.read_text())["truncated"] is True
    store = Store(str(db))
    try:
        [row] = store.messages()
    finally:
        store.close()
    assert row["truncated"] is True and len(row["text_masked"]) == 1000


def test_dead_letters_are_masked_unless_kept_raw(tmp_path: Path) -> None:
    events = tmp_path / "in.jsonl"
    good_json_bad_event = json.dumps({"conversation_id": "c", "message_id": "m1",
                                      "text": "手机13800138000 地址北京市朝阳区建国路88号"},
                                     ensure_ascii=False)
    # The same number as JSON escapes: masking must read the value, not the raw text.
    hidden = "".join(f"\\u{ord(c):04x}" for c in "13800138000")
    escaped = '{"conversation_id": "c", "text": "' + hidden + '"}'
    not_utf8 = b"{\"text\": \"\xff\xfe 13800138000\"}"
    events.write_bytes("\n".join([good_json_bad_event, escaped, "not json 13800138000"]).encode()
                       + b"\n" + not_utf8 + b"\n")
    masked, raw = tmp_path / "dead.jsonl", tmp_path / "dead-raw.jsonl"
    assert cli("run", "--input", str(events), "--dead-letter-out", str(masked), "--store", "none",
               "--quiet").returncode == 0
    text = masked.read_text(encoding="utf-8")
    assert "13800138000" not in text and "建国路88号" not in text and "[手机号]" in text
    assert all(json.loads(x)["raw_masked"] for x in text.splitlines())
    assert cli("run", "--input", str(events), "--dead-letter-out", str(raw), "--store", "none",
               "--quiet", "--dead-letter-raw").returncode == 0
    rows = [json.loads(x) for x in raw.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["raw"] == good_json_bad_event and rows[1]["raw"] == escaped
    assert "raw" not in rows[3] and base64.b64decode(rows[3]["raw_base64"]) == not_utf8


def test_epoch_seconds_are_named_as_such(tmp_path: Path) -> None:
    events = tmp_path / "in.jsonl"
    events.write_text(json.dumps({"conversation_id": "c", "message_id": "m", "ts": 1794790800,
                                  "role": "customer", "text": "你好"}) + "\n", encoding="utf-8")
    dead = tmp_path / "d.jsonl"
    assert cli("run", "--input", str(events), "--dead-letter-out", str(dead), "--store", "none",
               "--quiet").returncode == 0
    [row] = [json.loads(x) for x in dead.read_text().splitlines()]
    assert row["reason"] == "timestamp_out_of_range" and "epoch seconds" in row["detail"]


def test_id_key_sets_the_pseudonyms_of_ids_with_personal_data(tmp_path: Path) -> None:
    events = tmp_path / "in.jsonl"
    events.write_text(json.dumps({"conversation_id": "tel:13800138000", "message_id": "m1",
                                  "ts": "2026-11-16T09:00:00+08:00", "role": "customer",
                                  "text": "叫你们经理来，我要去12315投诉"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")

    def conversation(*extra: str, env: dict[str, str] | None = None) -> str:
        out = subprocess.run([*CMD, "run", "--input", str(events), "--store", "none", "--quiet",
                              *extra], capture_output=True, text=True, timeout=120,
                             env={**os.environ, **(env or {})})
        assert out.returncode == 0, out.stderr
        ids = {json.loads(line)["conversation_id"] for line in out.stdout.splitlines()}
        assert len(ids) == 1 and "13800138000" not in out.stdout
        return ids.pop()

    built_in = conversation()
    keyed = conversation("--id-key", "env:FLOOR_ID_KEY", env={"FLOOR_ID_KEY": "s3cret"})
    assert built_in.startswith("tel:[手机号]~") and keyed.startswith("tel:[手机号]~")
    assert keyed != built_in
    assert keyed == conversation("--id-key", "env:FLOOR_ID_KEY", env={"FLOOR_ID_KEY": "s3cret"})
    missing = cli("run", "--input", str(events), "--store", "none", "--id-key", "env:NO_SUCH_KEY")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "NO_SUCH_KEY" in missing.stderr


def test_a_store_password_never_reaches_the_error(tmp_path: Path, sample_path: Path) -> None:
    for url in ("postgresql://monitor:S3cretPw@127.0.0.1:1/floor",  # nothing listens on port 1
                "postgresql+nosuchdriver://monitor:S3cretPw@127.0.0.1/floor", "postgresql://monitor:S3cretPw@[::1"):
        for args in (["run", "--input", str(sample_path), "--quiet"], ["flags", "list"]):
            out = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "SUPPORT_MONITOR_STORE": url})
            assert out.returncode == 2 and out.stderr.count("\n") <= 2, out.stderr
            assert "S3cretPw" not in out.stderr + out.stdout and "store" in out.stderr


def test_what_a_customer_wrote_never_drives_the_terminal(tmp_path: Path) -> None:
    """Rich markup in a text crashed ``run --pretty`` and ``flags list`` (``[/]``) or made
    links; ESC sequences reached the terminal. Both from new texts and from a store that
    an older version wrote."""
    events, store = tmp_path / "in.jsonl", tmp_path / "s.db"
    texts = ["叫你们经理来！！！[/] [link=https://evil.example]点这里[/link] [bold red]",
             "我要投诉！！！叫你们经理来\x1b[2J\x1b]0;PWNED\x07\u202e反转"]
    events.write_text("".join(json.dumps({"conversation_id": f"t{i}", "message_id": "m1",
                                          "ts": "2026-11-16T09:00:00+08:00", "role": "customer",
                                          "text": t, "queue": "售后[/]"}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(texts)), encoding="utf-8")
    pretty = cli("run", "--input", str(events), "--store", str(store), "--pretty", "--quiet")
    assert pretty.returncode == 0, pretty.stderr
    assert "[/] [link=https://evil.example]点这里[/link]" in pretty.stdout.replace("\n", "")
    # As an older version stored it: the ESC sequence in the stored text itself.
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE messages SET text_masked = ? WHERE conversation_id = 't1'",
                     ("叫你们经理来\x1b[2J\x1b]0;PWNED\x07",))
        conn.execute("UPDATE flags SET excerpt = ? WHERE conversation_id = 't1'", ("\x1b]0;PWNED\x07",))
        flag_id = conn.execute("SELECT flag_id FROM flags WHERE conversation_id = 't1'").fetchone()[0]
    for args in (["flags", "list"], ["flags", "show", flag_id]):
        out = cli(*args, "--store", str(store))
        assert out.returncode == 0, out.stderr
        assert "\x1b" not in out.stdout and "\x07" not in out.stdout and "PWNED" in out.stdout
    assert "[/]" in cli("flags", "list", "--store", str(store)).stdout


def test_a_version_1_store_is_migrated(tmp_path: Path, store_url: str) -> None:
    """A store written by the previous version (schema 1, no ``truncated`` column) opens,
    is migrated in place, keeps its rows, and takes new ones."""
    from sqlalchemy import create_engine, text

    from monitor.io.store.store import store_url as url_of

    engine = create_engine(url_of(store_url))
    with engine.begin() as conn:
        for ddl in V1_SCHEMA:
            conn.execute(text(ddl))
        conn.execute(text("INSERT INTO schema_info (id, version) VALUES (1, 1)"))
        conn.execute(text("INSERT INTO messages VALUES ('c', 'm0', 1794790800000, '2026-11-16 01:00:00', "
                          "'customer', 'chat', NULL, NULL, '旧的消息', 0.1, 0.0, 0.1, NULL, '[]')"))
    engine.dispose()
    store = Store(store_url)
    try:
        assert store.migrated_from == 1
        rows = store.messages()
        assert rows[0]["text_masked"] == "旧的消息" and rows[0]["truncated"] is False
    finally:
        store.close()
    if store_url.endswith(".db"):
        with sqlite3.connect(store_url) as conn:
            assert conn.execute("SELECT version FROM schema_info").fetchone() == (SCHEMA_VERSION,)


V1_SCHEMA = [
    "CREATE TABLE messages (conversation_id VARCHAR(128) NOT NULL, message_id VARCHAR(128) NOT NULL, "
    "ts_ms BIGINT NOT NULL, ts TIMESTAMP NOT NULL, role VARCHAR(16) NOT NULL, channel VARCHAR(32) NOT NULL, "
    "queue VARCHAR(128), agent_id VARCHAR(128), text_masked TEXT NOT NULL, anger FLOAT, urgency FLOAT, "
    "conversation_risk FLOAT, complaint_type VARCHAR(32), signals JSON NOT NULL, "
    "PRIMARY KEY (conversation_id, message_id))",
    "CREATE TABLE flags (flag_id VARCHAR(36) NOT NULL PRIMARY KEY, conversation_id VARCHAR(128) NOT NULL, "
    "message_id VARCHAR(128) NOT NULL, ts_ms BIGINT NOT NULL, ts TIMESTAMP NOT NULL, "
    "raised_at TIMESTAMP NOT NULL, kind VARCHAR(32) NOT NULL, severity VARCHAR(16) NOT NULL, "
    "anger FLOAT NOT NULL, urgency FLOAT NOT NULL, conversation_risk FLOAT NOT NULL, reasons JSON NOT NULL, "
    "complaint_type VARCHAR(32), customer_types JSON NOT NULL, suggestion TEXT NOT NULL, "
    "playbook_ref VARCHAR(200) NOT NULL, excerpt TEXT NOT NULL, channel VARCHAR(32) NOT NULL, "
    "queue VARCHAR(128), agent_id VARCHAR(128), status VARCHAR(16) NOT NULL, acknowledged_ts_ms BIGINT, "
    "resolved_ts_ms BIGINT, status_reason VARCHAR(64))",
    "CREATE TABLE schema_info (id INTEGER NOT NULL PRIMARY KEY, version INTEGER NOT NULL)",
]


def test_fields_the_store_cannot_hold_are_dead_letters_not_a_crash(tmp_path: Path, store_url: str) -> None:
    """Found by probing: PostgreSQL refuses a 40-character channel (VARCHAR(32)), a queue
    over 128 characters and NUL in text, so one such record stopped the monitor on every
    restart. Now they are dead letters (channel, queue) or repaired (NUL in text)."""
    base = {"conversation_id": "c", "ts": 1794790800000, "role": "customer", "text": "你好"}
    events = tmp_path / "in.jsonl"
    lines = [{**base, "message_id": "m1", "channel": "x" * 40},
             {**base, "message_id": "m2", "queue": "售后" * 100},
             {**base, "message_id": "m3", "text": "坏\u0000字节"},
             {**base, "message_id": "m\n4"},
             {**base, "message_id": "m5", "agent_id": "a\u0000"}]
    events.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    dead = tmp_path / "dead.jsonl"
    proc = cli("run", "--input", str(events), "--dead-letter-out", str(dead), "--store", store_url,
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    reasons = [json.loads(x)["reason"] for x in dead.read_text().splitlines()]
    assert reasons == ["invalid_field", "invalid_field", "invalid_id", "invalid_field"]
    store = Store(store_url)
    try:
        [row] = store.messages()
    finally:
        store.close()
    assert row["message_id"] == "m3" and row["text_masked"] == "坏\ufffd字节"
