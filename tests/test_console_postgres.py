"""One console on a PostgreSQL store that two monitor instances write: the flags of both
appear in the console's live stream, and an action taken on the console is what the
command line shows at once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from console_helpers import ConsoleServer, cli_json, make_users, token, wait_for
from helpers import T0


def stream(path: Path, prefix: str, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"conversation_id": f"{prefix}-{i}", "message_id": "m1", "ts": T0 + i * 1000,
                                 "role": "customer", "text": f"叫你们经理来，气死了！！！第{i}次了"},
                                ensure_ascii=False) + "\n")
    return path


@pytest.mark.postgres
def test_two_monitors_one_postgres_store_one_console(tmp_path: Path, postgres_url: str) -> None:
    from monitor.io.store import Store

    Store(postgres_url).close()  # the schema, before the console opens the store
    users = make_users(tmp_path)
    server = ConsoleServer(postgres_url, users, tmp_path)
    bearer = {"Authorization": f"Bearer {token(users, '王组长')}"}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", server.url + "/api/events", headers=bearer, timeout=None) as answer:
            event = None
            for line in answer.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "flag":
                    flag = json.loads(line[5:])
                    seen.setdefault(flag["conversation_id"], time.monotonic())

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(1.0)  # the stream is open
    try:
        started = time.monotonic()
        monitors = [subprocess.Popen([sys.executable, "-m", "monitor.cli", "run", "--input",
                                      str(stream(tmp_path / f"{p}.jsonl", p, 20)), "--store", postgres_url,
                                      "--flags-out", str(tmp_path / f"{p}-flags.jsonl"), "--quiet"])
                    for p in ("a", "b")]
        for m in monitors:
            assert m.wait(timeout=120) == 0
        wait_for(lambda: {f"{p}-{i}" for p in "ab" for i in range(20)} <= set(seen), timeout_s=20)
        delay = max(seen.values()) - started
        assert delay < 20
        flag = httpx.get(server.url + "/api/flags?limit=1", headers=bearer).json()["flags"][0]
        acted = httpx.post(f"{server.url}/api/flags/{flag['flag_id']}/ack", headers=bearer)
        assert acted.status_code == 200
        [shown] = cli_json("flags", "show", flag["flag_id"], "--store", postgres_url)
        assert shown["status"] == "acknowledged" and shown["acknowledged_by"] == "王组长"
        second = httpx.post(f"{server.url}/api/flags/{flag['flag_id']}/ack",
                            headers={"Authorization": f"Bearer {token(users, '张主管')}"})
        assert second.status_code == 409 and "王组长" in second.json()["error"]
    finally:
        stop.set()
        server.close()
