"""Escalations reach on-call leads through a real Alertmanager, and are resolved later."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Alertmanager, Webhook, free_port, wait_http

T0 = 1_794_790_800_000
PHONE = "13812345678"


def event(cid: str, n: int, role: str, text: str) -> bytes:
    return json.dumps({"conversation_id": cid, "message_id": f"m{n}", "ts": T0 + n * 30_000,
                       "role": role, "text": text, "queue": f"售后-{PHONE}",
                       "customer_id": PHONE}, ensure_ascii=False).encode() + b"\n"


ESCALATION = [("customer", f"你们再不处理我就去法院起诉你们！电话{PHONE}"),
              ("agent", "非常抱歉给您带来不便，我马上请主管联系您")]
CALM = [("customer", "好的，主管已经联系我了"), ("agent", "感谢您的耐心"),
        ("customer", "嗯，问题解决了，谢谢"), ("agent", "不客气")]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    try:
        yield hook
    finally:
        hook.close()


def start_monitor(am_url: str, metrics_port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run", "--input", "-", "--store", "none",
         "--flags-out", "/dev/null", "--quiet", "--alertmanager-url", am_url,
         "--alert-link", "https://console.example/flags/{flag_id}",
         "--metrics-port", str(metrics_port)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_http(f"http://127.0.0.1:{metrics_port}/readyz")
    return proc


def send(proc: subprocess.Popen[bytes], cid: str, turns: list[tuple[str, str]], start: int) -> None:
    assert proc.stdin is not None
    for i, (role, text) in enumerate(turns, start):
        proc.stdin.write(event(cid, i, role, text))
    proc.stdin.flush()


def wait_for(hook: Webhook, status: str, timeout_s: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [a for a in hook.alerts() if a["status"] == status]
        if found:
            return found  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"no {status} alert reached the webhook; got {hook.received}")


def finish(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""


def test_escalation_fires_then_resolves_without_personal_data(webhook: Webhook) -> None:
    am = Alertmanager(webhook.url)
    port = free_port()
    proc = start_monitor(am.url, port)
    try:
        send(proc, f"conv-{PHONE}", ESCALATION, 1)
        firing = wait_for(webhook, "firing")[0]
        labels, notes = firing["labels"], firing["annotations"]
        assert labels["alertname"] == "SupportEscalation"
        assert labels["kind"] == "escalate_supervisor" and labels["severity"] == "critical"
        assert labels["channel"] == "chat" and labels["queue"].startswith("售后-")
        assert "legal_threat" in notes["reasons"] and notes["suggestion"]
        assert notes["playbook_ref"].startswith("seed ")
        assert "起诉" in notes["excerpt"]
        assert firing["generatorURL"] == f"https://console.example/flags/{labels['flag_id']}"
        send(proc, f"conv-{PHONE}", CALM, 3)  # two calm customer turns: the episode ends
        resolved = wait_for(webhook, "resolved")[0]
        assert resolved["labels"]["flag_id"] == labels["flag_id"]
        with __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
            assert b"support_alerts_sent_total 2.0" in r.read()
    finally:
        finish(proc)
        am.close()
    everything = json.dumps(webhook.received, ensure_ascii=False)
    assert PHONE not in everything and PHONE[:7] not in everything


def test_alertmanager_down_for_a_while_loses_no_alert(webhook: Webhook) -> None:
    am_port = free_port()
    port = free_port()
    proc = start_monitor(f"http://127.0.0.1:{am_port}", port)  # nothing listens there yet
    am = None
    try:
        send(proc, "c-down", ESCALATION, 1)
        time.sleep(3)  # deliveries fail meanwhile; the monitor keeps running
        assert proc.poll() is None
        with __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
            body = r.read().decode()
        failed = [x for x in body.splitlines() if x.startswith("support_alerts_failed_total ")]
        assert failed and float(failed[0].split()[1]) >= 1
        am = Alertmanager(webhook.url, port=am_port)  # Alertmanager comes up
        firing = wait_for(webhook, "firing")
        assert firing[0]["labels"]["kind"] == "escalate_supervisor"
    finally:
        finish(proc)
        if am:
            am.close()
