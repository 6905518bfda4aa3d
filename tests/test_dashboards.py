"""Dashboards: generated = committed, well-formed, the store table's SQL on real
PostgreSQL, and the push through grafana-client.

Grafana itself cannot run on these machines: the push test talks to a small HTTP server
of the test's own that answers like Grafana's dashboard API (the one mock in the suite).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from helpers import run_file

from monitor.ops import dashboards

REPO = Path(__file__).resolve().parent.parent


def test_committed_dashboards_are_the_generated_ones(tmp_path: Path) -> None:
    dashboards.export(tmp_path)
    for name in dashboards.all_dashboards():
        assert (REPO / "dashboards" / name).read_text(encoding="utf-8") == \
            (tmp_path / name).read_text(encoding="utf-8"), \
            f"dashboards/{name} is stale: run support-monitor dashboards export dashboards"


@pytest.mark.parametrize("name", list(dashboards.all_dashboards()))
def test_dashboard_is_well_formed(name: str) -> None:
    board = dashboards.all_dashboards()[name]
    assert board["uid"] and board["title"] and board["panels"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
        assert panel["datasource"]["uid"] in ("prometheus", "support-store")
        assert panel["targets"] and all(t.get("expr") or t.get("rawSql") for t in panel["targets"])
    text = json.dumps(board)
    for forbidden in ("conversation_id", "customer_id", "agent_id", "message_id"):
        assert forbidden not in text  # no panel shows ids (PLAYBOOK §5)


@pytest.mark.postgres
def test_open_escalations_table_query_on_the_real_store(postgres_url: str, sample_path: Path) -> None:
    run_file(sample_path, flags_out=None, store_url=postgres_url)
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text(dashboards.OPEN_ESCALATIONS_SQL)).mappings().all()
        open_count = conn.execute(sqlalchemy.text(
            "SELECT count(*) FROM flags WHERE kind = 'escalate_supervisor' AND status <> 'resolved'"
        )).scalar_one()
    engine.dispose()
    assert rows and len(rows) == open_count
    for row in rows:
        assert row["原因"] and row["建议"] and row["依据"].startswith("seed ")
        assert not re.search(r"1[3-9]\d{9}|@\w+\.", row["客户原话（已脱敏）"])  # masked


class _FakeGrafana:
    """Answers POST /api/dashboards/db like Grafana does; records what it got."""

    def __init__(self) -> None:
        got: list[tuple[str, dict[str, Any]]] = []
        self.got = got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                got.append((self.headers.get("Authorization", ""), body))
                uid = body["dashboard"]["uid"]
                answer = json.dumps({"status": "success", "uid": uid, "url": f"/d/{uid}/x",
                                     "version": 1}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_push_uploads_every_dashboard_with_the_token() -> None:
    grafana = _FakeGrafana()
    try:
        proc = cli("dashboards", "push", "--grafana-url", grafana.url, "--folder-uid", "support",
                   env={"GRAFANA_TOKEN": "glsa_test"})
    finally:
        grafana.server.shutdown()
    assert proc.returncode == 0, proc.stderr
    assert {b["dashboard"]["uid"] for _, b in grafana.got} == \
        {d["uid"] for d in dashboards.all_dashboards().values()}
    assert all(auth == "Bearer glsa_test" for auth, _ in grafana.got)
    assert all(b["overwrite"] and b["folderUid"] == "support" for _, b in grafana.got)
    assert proc.stdout.count("/d/") == 3


def test_push_failures_are_one_line() -> None:
    proc = cli("dashboards", "push", "--grafana-url", "http://127.0.0.1:9", env={"GRAFANA_TOKEN": "t"})
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "push to" in proc.stderr
    env = {k: v for k, v in os.environ.items() if k != "GRAFANA_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "dashboards", "push",
                           "--grafana-url", "http://x"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "GRAFANA_TOKEN" in proc.stderr
