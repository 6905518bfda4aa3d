"""A real Prometheus scrapes a running monitor (stdin kept open, as a live source): the
contract metrics arrive, and every dashboard panel's query runs against it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLE, Prometheus, free_port, wait_http
from console_helpers import ConsoleServer, make_users, token
from helpers import run_file

from monitor.ops import dashboards

METRICS_TOKEN = "scrape-me-3f9a"  # the monitor's /metrics asks for it (--metrics-token)


@dataclass
class Scraped:
    prom: Prometheus
    proc: subprocess.Popen[bytes]
    flags: list[dict[str, object]]


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


def wait_nonempty(prom: Prometheus, promql: str, timeout_s: float = 30) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout_s
    while not (result := prom.query(promql)):
        assert time.monotonic() < deadline, f"no data for {promql}"
        time.sleep(0.5)
    return result


@pytest.fixture(scope="module")
def scraped() -> Iterator[Scraped]:
    tmp = Path(tempfile.mkdtemp(prefix="sm-scraped-"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run", "--input", "-", "--store", "none",
         "--flags-out", str(tmp / "flags.jsonl"), "--metrics-port", str(port), "--quiet",
         "--metrics-token", "env:MONITOR_METRICS_TOKEN"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "MONITOR_METRICS_TOKEN": METRICS_TOKEN})
    assert proc.stdin is not None
    proc.stdin.write(SAMPLE.read_bytes())
    proc.stdin.flush()  # and keep stdin open: the monitor stays up to be scraped
    wait_http(f"http://127.0.0.1:{port}/readyz")
    # The supervisors' console on a store of the same stream, with a take and a verdict,
    # so the floor's console panels have data too.
    store = str(tmp / "store.db")
    run_file(SAMPLE, flags_out=None, store_url=store)
    users = make_users(tmp)
    console = ConsoleServer(store, users, tmp)
    bearer = token(users, "王组长")
    flags_api = httpx.get(console.url + "/api/flags", headers={"Authorization": f"Bearer {bearer}"}).json()
    for f, action, body in zip(flags_api["flags"][:2], ("ack", "verdict"), ({}, {"verdict": "false_alarm",
                                                                                "reason": "not_angry"}),
                               strict=True):
        httpx.post(f"{console.url}/api/flags/{f['flag_id']}/{action}", json=body,
                   headers={"Authorization": f"Bearer {bearer}"}).raise_for_status()
    prom = Prometheus([f"127.0.0.1:{port}"], console=(f"127.0.0.1:{console.port}", bearer),
                      token=METRICS_TOKEN)
    try:
        wait_value(prom, 'up{job="support-monitor"}', 1)
        flags = [json.loads(x) for x in (tmp / "flags.jsonl").read_text().splitlines()]
        wait_value(prom, "sum(support_flags_total)", len(flags))
        yield Scraped(prom, proc, flags)
    finally:
        prom.close()
        console.close()
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=30)


def test_prometheus_scrapes_the_contract_metrics(scraped: Scraped) -> None:
    prom, flags = scraped.prom, scraped.flags
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


def panel_queries(board: dict[str, object]) -> list[tuple[str, str]]:
    out = []
    for panel in board["panels"]:  # type: ignore[attr-defined]
        for target in panel["targets"]:
            if "expr" in target:
                # Grafana's macro, as Grafana would fill it in for a short range.
                out.append((panel["title"], target["expr"].replace("$__rate_interval", "1m")))
    return out


@pytest.mark.parametrize("name", list(dashboards.all_dashboards()))
def test_every_dashboard_query_runs_and_floor_panels_have_data(scraped: Scraped, name: str) -> None:
    board = dashboards.all_dashboards()[name]
    queries = panel_queries(board)
    assert queries
    for title, expr in queries:
        result = scraped.prom.query(expr)  # raises on any PromQL error
        # The floor must show data right after a replay; "offset 1w" (last week) and
        # Kafka-only panels legitimately have none here.
        if name == "floor-live.json":
            if not result:
                result = wait_nonempty(scraped.prom, expr)
            assert result, f"{title}: no data for {expr}"
    assert re.search(r"support_open_escalations", json.dumps(board)) or name != "floor-live.json"


def test_the_process_ends_cleanly_at_end_of_input(scraped: Scraped) -> None:
    assert scraped.proc.stdin is not None
    scraped.proc.stdin.close()
    assert scraped.proc.wait(timeout=30) == 0
