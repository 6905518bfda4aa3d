"""A real Prometheus scrapes a running monitor (stdin kept open, as a live source)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Prometheus, free_port, wait_http


@pytest.fixture
def live_monitor(sample_path: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run", "--input", "-", "--store", "none",
         "--flags-out", str(tmp_path / "flags.jsonl"), "--metrics-port", str(port), "--quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(sample_path.read_bytes())
    proc.stdin.flush()  # and keep stdin open: the monitor stays up to be scraped
    wait_http(f"http://127.0.0.1:{port}/readyz")
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def wait_value(prom: Prometheus, promql: str, want: float, timeout_s: float = 30) -> float:
    deadline = time.monotonic() + timeout_s
    got: float | None = None
    while time.monotonic() < deadline:
        result = prom.query(promql)
        if result:
            got = float(result[0]["value"][1])  # type: ignore[index]
            if got == want:
                return got
        time.sleep(0.5)
    raise AssertionError(f"{promql} = {got}, expected {want}")


def wait_nonempty(prom: Prometheus, promql: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not prom.query(promql):
        assert time.monotonic() < deadline, f"no data for {promql}"
        time.sleep(0.5)


def test_prometheus_scrapes_the_contract_metrics(live_monitor: tuple[subprocess.Popen[bytes], int],
                                                 tmp_path: Path) -> None:
    proc, port = live_monitor
    prom = Prometheus([f"127.0.0.1:{port}"])
    try:
        wait_value(prom, 'up{job="support-monitor"}', 1)
        flags = [json.loads(x) for x in (tmp_path / "flags.jsonl").read_text().splitlines()]
        wait_value(prom, "sum(support_flags_total)", len(flags))
        escalations = sum(f["kind"] == "escalate_supervisor" for f in flags)
        assert escalations > 0
        assert 0 < float(prom.query("support_open_escalations")[0]["value"][1]) <= escalations  # type: ignore[index]
        wait_value(prom, "sum(support_invalid_events_total)", 7)
        for promql in (
            "sum by (role, channel) (support_messages_total)",
            "histogram_quantile(0.9, sum by (le, channel) (rate(support_message_anger_bucket[1m])))",
            "sum by (le) (support_agent_first_reply_seconds_bucket)",
            "histogram_quantile(0.99, sum by (le) (rate(monitor_processing_seconds_bucket[1m])))",
            "monitor_event_lag_seconds",
            "sum by (kind, reason) (support_flag_reasons_total)",
            "monitor_build_info",
        ):
            wait_nonempty(prom, promql)  # rate() needs two scrapes
    finally:
        prom.close()
    assert proc.stdin is not None
    proc.stdin.close()  # end of input: a clean exit
    assert proc.wait(timeout=30) == 0
