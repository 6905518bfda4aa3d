"""Shared fixtures. PostgreSQL is a real server started here for the session."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

SAMPLE = Path(str(resources.files("monitor") / "data" / "sample_stream.jsonl"))


def _pg_bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=True)
        if (Path(out.stdout.strip()) / "initdb").exists():
            return Path(out.stdout.strip())
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found: run tests/run.sh, which installs them")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free loopback port; yields its base URL."""
    bindir = _pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="sm-pg-"))
    # PostgreSQL refuses to run as root: run it as the postgres system user then.
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o755)
    data, log, port = base / "data", base / "server.log", _free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "monitor",
                    "--auth=trust", "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                    "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://monitor@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


def free_port() -> int:
    return _free_port()


def wait_http(url: str, timeout_s: float = 30.0) -> None:
    """Wait until ``url`` answers 200 (a server we started is up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up in {timeout_s:g} s")
        time.sleep(0.2)


class Prometheus:
    """A real Prometheus server scraping the given targets every second."""

    def __init__(self, targets: list[str], rules: list[Path] | None = None,
                 console: tuple[str, str] | None = None, token: str | None = None) -> None:
        """``console``: (target, bearer token) of a supervisors' console to scrape too;
        ``token``: the bearer token the monitor's targets ask for."""
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus not found: run tests/run.sh, which installs it")
        self.dir = Path(tempfile.mkdtemp(prefix="sm-prom-"))
        self.port = _free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in rules or []],
            "scrape_configs": [{"job_name": "support-monitor",
                                "static_configs": [{"targets": targets}]}],
        }
        if token is not None:
            (self.dir / "monitor-token").write_text(token)
            config["scrape_configs"][0]["authorization"] = {  # type: ignore[index]
                "type": "Bearer", "credentials_file": str(self.dir / "monitor-token")}
        if console is not None:
            (self.dir / "console-token").write_text(console[1])
            config["scrape_configs"].append({  # type: ignore[attr-defined]
                "job_name": "support-console", "static_configs": [{"targets": [console[0]]}],
                "authorization": {"type": "Bearer", "credentials_file": str(self.dir / "console-token")}})
        (self.dir / "prometheus.yml").write_text(json.dumps(config))  # JSON is valid YAML
        self.log = (self.dir / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.dir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + "/-/ready")

    def query(self, promql: str) -> list[dict[str, object]]:
        """Run an instant query; raise on any error Prometheus reports."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body = json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raise AssertionError(f"{promql}: {err.read().decode()}") from None
        assert body["status"] == "success", body
        result: list[dict[str, object]] = body["data"]["result"]
        return result

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Webhook:
    """An HTTP receiver of the test's own, collecting what Alertmanager posts to it."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[dict[str, object]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def alerts(self) -> list[dict[str, object]]:
        return [a for n in self.received for a in n["alerts"]]  # type: ignore[attr-defined]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Alertmanager:
    """A real Alertmanager routing everything to ``webhook_url``, on ``port``."""

    def __init__(self, webhook_url: str, port: int | None = None) -> None:
        binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if binary is None:
            raise RuntimeError("alertmanager not found: run tests/run.sh, which installs it")
        self.dir = Path(tempfile.mkdtemp(prefix="sm-am-"))
        self.port = port or _free_port()
        config = {
            "route": {"receiver": "hook", "group_by": ["flag_id"], "group_wait": "1s",
                      "group_interval": "1s", "repeat_interval": "1h"},
            "receivers": [{"name": "hook",
                           "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}],
        }
        (self.dir / "alertmanager.yml").write_text(json.dumps(config))
        self.log = (self.dir / "am.log").open("wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.dir / 'alertmanager.yml'}",
             f"--storage.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + "/-/ready")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
