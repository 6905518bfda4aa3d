"""The weekly report against independently computed figures from a two-week replay."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import run_file, shipped_models

from monitor.privacy.pseudonym import pseudonym
from monitor.records.events import format_ts
from monitor.steps.playbook.file import builtin

WEEK = 7 * 86_400_000
PII = ["13987654321", "zhang.wei@example.com", "110101199003078515", "6222021234567890123"]


def _ts_ms(value: Any) -> int:
    if isinstance(value, int):
        return value
    return int(datetime.fromisoformat(value).timestamp() * 1000)


def build(sample_path: Path, tmp: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Week 47 = the sample stream plus one conversation full of personal data;
    week 46 = its first 20 conversations a week earlier."""
    events: list[dict[str, Any]] = []
    for line in sample_path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
            ts = _ts_ms(obj["ts"])
            assert isinstance(obj["conversation_id"], str) and isinstance(obj["message_id"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            continue  # the sample's malformed lines
        events.append({**obj, "ts": ts})
        if obj["conversation_id"] <= "c020":
            events.append({**obj, "ts": ts - WEEK, "conversation_id": obj["conversation_id"] + "-w46"})
    t = events[0]["ts"] + 3_600_000
    pii_turns = [("customer", f"气死了！！！我的电话{PII[0]}，邮箱{PII[1]}，身份证{PII[2]}，"
                              f"卡号{PII[3]}，你们再不退款我就去12315投诉"),
                 ("agent", "非常抱歉，我马上处理")]
    for i, (role, text) in enumerate(pii_turns):
        events.append({"conversation_id": f"conv-{PII[0]}", "message_id": f"p{i}", "ts": t + i * 20_000,
                       "role": role, "text": text, "queue": f"售后-{PII[0]}", "agent_id": "agent-7"})
    path = tmp / "two-weeks.jsonl"
    path.write_text("\n".join(json.dumps({**e, "ts": format_ts(e["ts"])}, ensure_ascii=False)
                              for e in sorted(events, key=lambda e: e["ts"])) + "\n", encoding="utf-8")
    # The events as the monitor keeps them: an id holding a phone number is a pseudonym.
    return path, [{**e, "conversation_id": pseudonym(e["conversation_id"])} for e in events]


@pytest.fixture
def store(sample_path: Path, tmp_path: Path) -> tuple[str, Path, list[dict[str, Any]]]:
    path, events = build(sample_path, tmp_path)
    url = str(tmp_path / "store.db")
    run_file(path, flags_out=str(tmp_path / "flags.jsonl"), scores_out=str(tmp_path / "scores.jsonl"),
             store_url=url)
    return url, tmp_path, events


def report(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", "report", "weekly", "--store", url,
                           *args], capture_output=True, text=True, timeout=120)


def in_week(ts_ms: int, week_start: datetime) -> bool:
    start = int(week_start.timestamp() * 1000)
    return start <= ts_ms < start + WEEK


def test_figures_match_an_independent_computation(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    url, tmp, events = store
    proc = report(url, "--week", "2026-W47", "--format", "json", "--out", str(tmp / "r.json"))
    assert proc.returncode == 0, proc.stderr
    got = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    start = datetime.fromisoformat("2026-11-16T00:00:00+08:00")
    assert got["week"] == "2026-W47" and got["start"].startswith("2026-11-16T00:00:00+08:00")

    # Independent figures from what the pipeline wrote (scores, flags) and the input times.
    scores = [json.loads(x) for x in (tmp / "scores.jsonl").read_text().splitlines()]
    ts_of = {(e["conversation_id"], e["message_id"]): e["ts"] for e in events}
    for week_start, fig in ((start, got), (start - timedelta(days=7), got["previous_week"])):
        rows = [s for s in scores if in_week(ts_of[(s["conversation_id"], s["message_id"])], week_start)]
        customer = [s for s in rows if s["role"] == "customer"]
        assert fig["conversations"] == len({s["conversation_id"] for s in rows})
        assert fig["customer_messages"] == len(customer)
        assert fig["mean_anger"] == pytest.approx(statistics.fmean(s["anger"] for s in customer), abs=1e-4)
        peak: dict[str, float] = defaultdict(float)
        for s in customer:
            peak[s["conversation_id"]] = max(peak[s["conversation_id"]], s["anger"])
        high = builtin().settings.anger_high  # the report counts as the playbook does
        assert fig["angry_conversations"] == sum(v >= high for v in peak.values())
        flags = [json.loads(x) for x in (tmp / "flags.jsonl").read_text().splitlines()]
        week_flags = [f for f in flags if in_week(_ts_ms(f["ts"].replace("Z", "+00:00")), week_start)]
        assert fig["flags_by_kind"] == dict(Counter(f["kind"] for f in week_flags))
        assert fig["escalations"] == sum(f["kind"] == "escalate_supervisor" for f in week_flags)

    assert got["conversations"] > got["previous_week"]["conversations"] > 0
    wow = got["week_over_week"]["conversations"]
    assert wow["arrow"] == "↑"
    before = got["previous_week"]["conversations"]
    assert wow["relative_change"] == pytest.approx((got["conversations"] - before) / before, abs=1e-4)


def test_first_reply_times_match_the_events(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    url, tmp, events = store
    assert report(url, "--week", "2026-W47", "--format", "json", "--out", str(tmp / "r.json")).returncode == 0
    got = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    start = datetime.fromisoformat("2026-11-16T00:00:00+08:00")
    scored = {(s["conversation_id"], s["message_id"])
              for s in map(json.loads, (tmp / "scores.jsonl").read_text().splitlines())}
    by_conv: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if (e["conversation_id"], e["message_id"]) in scored and in_week(e["ts"], start):
            by_conv[e["conversation_id"]].append(e)
    first = []
    for msgs in by_conv.values():
        msgs.sort(key=lambda e: e["ts"])
        c = next((m["ts"] for m in msgs if m["role"] == "customer"), None)
        a = next((m["ts"] for m in msgs if m["role"] == "agent" and c is not None and m["ts"] > c), None)
        if c is not None and a is not None:
            first.append((a - c) / 1000)
    assert got["first_reply_median_s"] == pytest.approx(statistics.median(first), abs=0.1)
    assert got["first_reply_within_target"] == pytest.approx(
        sum(w <= 60 for w in first) / len(first), abs=1e-3)


def test_no_personal_data_in_any_format(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    url, tmp, _ = store
    for fmt in ("html", "md", "json"):
        out = tmp / f"r.{fmt}"
        proc = report(url, "--week", "2026-W47", "--format", fmt, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        text = out.read_text(encoding="utf-8")
        for pii in PII:
            assert pii not in text, (fmt, pii)
        assert "[手机号]" in text  # the conversation is there, masked


def test_empty_week_says_so(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    url, tmp, _ = store
    for fmt in ("html", "md"):
        proc = report(url, "--week", "2020-W01", "--format", fmt, "--out", str(tmp / f"e.{fmt}"))
        assert proc.returncode == 0, proc.stderr
        assert "本周没有数据" in (tmp / f"e.{fmt}").read_text(encoding="utf-8")
    proc = report(url, "--week", "2020-W01", "--format", "json", "--out", "-")
    assert json.loads(proc.stdout)["empty"] is True


def test_bad_week_and_timezone_are_one_line_errors(tmp_path: Path) -> None:
    for args in (["--week", "2026-47"], ["--week", "2026-W60"], ["--timezone", "Mars/Olympus"]):
        proc = report(str(tmp_path / "s.db"), *args, "--out", str(tmp_path / "x"))
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_html_renders_in_headless_chromium(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium not found: run tests/run.sh, which installs it")
    url, tmp, _ = store
    assert report(url, "--week", "2026-W47", "--out", str(tmp / "r.html")).returncode == 0
    html = (tmp / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html  # offline
    # Charts are inline SVG with text: the reader's browser draws the Chinese labels.
    assert html.count("<svg ") == 5 and "data:image" not in html
    assert "<text" in html and "每日消息量（按渠道）" in html
    shot = tmp / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    f"--user-data-dir={tmp / 'chrome'}", f"--screenshot={shot}",
                    "--window-size=1000,2600", (tmp / "r.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 50_000  # a page with tables and charts, not a blank one


def test_report_by_email(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    from aiosmtpd.controller import Controller
    from conftest import free_port

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        url, tmp, _ = store
        proc = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "report", "weekly", "--store", url, "--week",
             "2026-W47", "--out", str(tmp / "r.html"), "--mail-to", "manager@example.com"],
            capture_output=True, text=True, timeout=120,
            env={**__import__("os").environ, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                 "SMTP_STARTTLS": "0", "SMTP_FROM": "monitor@example.com"})
    finally:
        controller.stop()
    assert proc.returncode == 0, proc.stderr
    assert len(received) == 1 and received[0].rcpt_tos == ["manager@example.com"]
    import email
    from email import policy

    message = email.message_from_bytes(received[0].content, policy=policy.default)
    assert "2026-W47" in str(message["Subject"])
    html = message.get_body(("html",))
    assert html is not None and "核心指标" in html.get_content()
    for pii in PII:
        assert pii not in received[0].content.decode("utf-8", "replace")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_what_a_manager_asked_for(store: tuple[str, Path, list[dict[str, Any]]]) -> None:
    """Range ends on Sunday, every day shown, volume neutral, shares in points, the 8-week
    trend, queues and agents, links to the console, reason codes in Chinese."""
    url, tmp, events = store
    assert report(url, "--week", "2026-W47", "--format", "json", "--out", str(tmp / "r.json")).returncode == 0
    got = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    assert got["last_day"] == "2026-11-22"
    assert len(got["volume_by_day"]) == 7 and len(got["first_reply_by_day"]) == 7
    assert sum(sum(c.values()) for c in got["volume_by_day"].values()) == got["messages"]
    assert [t["week"] for t in got["trend"]] == [f"2026-W{n}" for n in range(40, 48)]
    assert got["trend"][-1]["conversations"] == got["conversations"]
    assert got["trend"][-2]["conversations"] == got["previous_week"]["conversations"]
    share = got["week_over_week"]["angry_conversation_share"]
    this, last = got["angry_conversation_share"], got["previous_week"]["angry_conversation_share"]
    assert share["points"] == pytest.approx((this - last) * 100, abs=0.01)

    # Queues and agents against the events (queue of a conversation: its first one given).
    start = datetime.fromisoformat("2026-11-16T00:00:00+08:00")
    scored = {(s["conversation_id"], s["message_id"])
              for s in map(json.loads, (tmp / "scores.jsonl").read_text().splitlines())}
    week = [e for e in events
            if in_week(e["ts"], start) and (e["conversation_id"], e["message_id"]) in scored]
    queues: dict[str, set[str]] = defaultdict(set)
    agents: dict[str, set[str]] = defaultdict(set)
    for e in week:
        if e.get("agent_id") and e["role"] == "agent":
            agents[e["agent_id"]].add(e["conversation_id"])
    for cid in {e["conversation_id"] for e in week}:
        queue = next((e["queue"] for e in sorted(week, key=lambda e: e["ts"])
                      if e["conversation_id"] == cid and e.get("queue")), None)
        queues["(无队列)" if queue is None else queue].add(cid)
    by_queue = {r["queue"]: r["conversations"] for r in got["by_queue"]}
    for name, n in by_queue.items():
        if "[" not in name:  # a masked name is checked for privacy elsewhere
            assert n == len(queues[name]), name
    assert {r["agent"]: r["conversations"] for r in got["by_agent"]} == {
        a: len(c) for a, c in sorted(agents.items(), key=lambda x: (-len(x[1]), x[0]))[:10]}

    md = tmp / "r.md"
    assert report(url, "--week", "2026-W47", "--format", "md", "--out", str(md)).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert "至 2026-11-22" in text and "2026-11-23" not in text
    assert "个百分点" in text
    assert "| 会话数 |" in text
    for code in ("anger_model", "urgency_model", "anger_high", "no_reply"):
        assert code not in text
    assert not re.search(r"\d{3,}\.\d+(?![\d%])", text)  # no raw seconds such as "133415.0"
    html_path = tmp / "r.html"
    assert report(url, "--week", "2026-W47", "--out", str(html_path), "--console-url",
                  "https://console.floor.example/").returncode == 0
    page = html_path.read_text(encoding="utf-8")
    ids = {row["flag_id"] for row in got["severe"]}
    assert ids and all(f"href='https://console.floor.example/flags/{i}'" in page for i in ids)
    # The volume row carries no colour (neither good nor bad).
    row = page.split("<td>会话数</td>", 1)[1].split("</tr>", 1)[0]
    assert "class=''" in row and "good" not in row and "bad" not in row
    bad = report(url, "--week", "2026-W47", "--out", str(html_path), "--console-url", "javascript:alert(1)")
    assert bad.returncode == 2 and "--console-url" in bad.stderr


def test_resolutions_by_people_and_by_the_monitor_are_apart(sample_path: Path, tmp_path: Path) -> None:
    # With the shipped models, as `support-monitor run` scores: some escalations calm down.
    path, _ = build(sample_path, tmp_path)
    url, tmp = str(tmp_path / "models.db"), tmp_path
    run_file(path, models=shipped_models(), store_url=url)
    listed = _cli("flags", "list", "--store", url, "--status", "all", "--kind", "escalate_supervisor",
                  "--format", "json")
    escalations = [json.loads(x) for x in listed.stdout.splitlines()]
    start = datetime.fromisoformat("2026-11-16T00:00:00+08:00")
    week = [f for f in escalations if in_week(_ts_ms(f["ts"].replace("Z", "+00:00")), start)]
    open_ones = [f for f in week if f["status"] != "resolved"]
    assert len(open_ones) >= 2
    taken, solved = open_ones[0]["flag_id"], open_ones[1]["flag_id"]
    assert _cli("flags", "ack", taken, "--by", "王主管", "--store", url).returncode == 0
    assert _cli("flags", "resolve", solved, "--by", "李主管", "--store", url).returncode == 0
    assert report(url, "--week", "2026-W47", "--format", "json", "--out", str(tmp / "r.json")).returncode == 0
    got = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    assert got["taken_by_person"] == 2  # resolving takes the flag too
    assert got["resolved_by_person"] == 1
    import sqlite3

    ids = {f["flag_id"] for f in week} - {solved}
    with sqlite3.connect(url) as db:
        rows = db.execute("SELECT flag_id, status_reason FROM flags "
                          "WHERE resolved_ts_ms IS NOT NULL").fetchall()
    monitor = Counter(reason for flag_id, reason in rows if flag_id in ids)
    assert monitor, "the sample week has escalations the monitor ended itself"
    assert got["resolved_by_monitor"] == dict(monitor)
    assert got["resolve_person_median_s"] is not None and got["resolve_person_median_s"] >= 0
    md = report(url, "--week", "2026-W47", "--format", "md", "--out", "-").stdout
    assert "由主管标记解决：1" in md


@pytest.mark.parametrize(("seconds", "text"), [
    (0.4, "0 秒"), (45, "45 秒"), (60, "1 分"), (200, "3 分 20 秒"), (3600, "1 小时"),
    (7500, "2 小时 5 分"), (133415.0, "1 天 13 小时"), (86400 * 3, "3 天"), (None, "–")])
def test_durations_read_as_people_say_them(seconds: float | None, text: str) -> None:
    from monitor.report.figures import duration

    assert duration(seconds) == text
