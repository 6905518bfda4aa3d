"""Benchmark (not a test): the console with 10,000 open flags in the store.

Prints the answer times (p50/p99) of the queue page and of the JSON API, and the delay
from a flag being stored to its row appearing in an open browser page (headless
Chromium, live updates), beside the time of a bare ``GET /healthz`` in the same run.

    python -m monitor.offline.benchmarks.console [--flags 10000] [--store URL]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from monitor.io.store import Store
from monitor.records.flags import KINDS, Flag, Reason, flag_id_for

T0 = 1_794_790_800_000
PASSWORD = "benchmark-password"


def flags(n: int, start: int = 0, now: bool = False) -> list[Flag]:
    rng = random.Random(start)
    raised = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out = []
    for i in range(start, start + n):
        kind = KINDS[i % 4]
        severity = rng.choice(["info", "warning", "critical"])
        out.append(Flag(flag_id_for(f"bench-{i}", "m1", kind, severity), f"bench-{i}", "m1",
                        T0 + i * 1000, raised, kind, severity,  # type: ignore[arg-type]
                        {"anger": rng.random(), "urgency": rng.random(), "conversation_risk": rng.random()},
                        (Reason("anger_high", f"愤怒分 {rng.random():.2f}"),), "先处理情绪，再处理事情。",
                        "seed 003 · 7A", f"第 {i} 位客户：你们这是什么服务！！！", channel="chat",
                        queue=rng.choice(["售后", "物流", "账户"])))
    return out


def pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def timed(client: httpx.Client, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flags", type=int, default=10_000)
    ap.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--live", type=int, default=10, help="flags stored one by one for the live delay")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sm-console-bench-"))
    url = args.store or str(tmp / "store.db")
    store = Store(url)
    batch = flags(args.flags)
    for k in range(0, len(batch), 1000):
        store.write([], batch[k:k + 1000], [])
    users, password = tmp / "users.json", tmp / "pw"
    password.write_text(PASSWORD)
    cli = [sys.executable, "-m", "monitor.cli"]
    subprocess.run([*cli, "console", "add-user", "bench", "--role", "lead", "--users", str(users),
                    "--password-file", str(password)], check=True, capture_output=True)
    token = subprocess.run([*cli, "console", "token", "bench", "--users", str(users)], check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BENCH_SECRET": "benchmark-session-secret"}
    server = subprocess.Popen([*cli, "console", "--store", url, "--users", str(users), "--port", str(port),
                               "--session-secret", "env:BENCH_SECRET"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the console did not start")
            time.sleep(0.2)
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        figures = {name: timed(client, path, args.requests) for name, path in (
            ("GET /healthz (baseline)", "/healthz"), ("GET / (queue page, 200 rows)", "/"),
            ("GET /api/flags?status=open (200)", "/api/flags?status=open"),
            ("GET /api/flags?status=open&limit=1000", "/api/flags?status=open&limit=1000"),
            ("GET /oncall", "/oncall"))}
        delays = live_delays(base, store, args.flags, args.live)
        print(f"console with {args.flags:,} open flags in {url.split('://')[0] if '://' in url else 'sqlite'}"
              f" ({args.requests} requests each):")
        for name, values in figures.items():
            print(f"  {name:<42} p50 {pct(values, 50):7.1f} ms  p99 {pct(values, 99):7.1f} ms")
        print(f"  live update, stored -> row in Chromium      p50 {pct(delays, 50):7.1f} ms  "
              f"p99 {pct(delays, 99):7.1f} ms  max {max(delays) * 1000:.0f} ms ({len(delays)} flags)")
    finally:
        server.terminate()
        server.wait(timeout=20)
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)


def live_delays(base: str, store: Store, existing: int, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    delays = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", PASSWORD)
        page.click("section.login button[type=submit]")
        page.wait_for_selector("tbody#queue tr[data-flag]")
        page.wait_for_function("document.getElementById('live').classList.contains('connected')")
        for i in range(n):
            [flag] = flags(1, existing + i)
            flag = Flag(**{**{f: getattr(flag, f) for f in flag.__dataclass_fields__},
                           "severity": "critical",
                           "flag_id": flag_id_for(flag.conversation_id, "m1", flag.kind, "critical"),
                           "scores": {**flag.scores, "conversation_risk": 0.999}})
            started = time.perf_counter()
            store.write([], [flag], [])
            page.wait_for_selector(f"#flag-{re.escape(flag.flag_id)}", timeout=15_000)
            delays.append(time.perf_counter() - started)
        browser.close()
    return delays


if __name__ == "__main__":
    main()
