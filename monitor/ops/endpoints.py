"""HTTP endpoints next to the metrics: ``/metrics``, ``/healthz`` (liveness), ``/readyz``.

Liveness is tied to the run loop: the runner beats on every turn, idle ones included,
so a loop stuck for longer than ``stale_after_s`` answers 503 and an orchestrator
restarts the process. Readiness is set by the source once it can process (for Kafka:
partitions assigned and their state rebuilt).

The server binds 127.0.0.1 unless told otherwise; with a token, ``/metrics`` answers only
a request bearing it (the health endpoints stay open: they tell nothing, and probes
carry no credentials).
"""

from __future__ import annotations

import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class Health:
    """Thread-safe liveness heartbeat and readiness flag."""

    def __init__(self, stale_after_s: float = 60.0) -> None:
        self.stale_after_s = stale_after_s
        self._last_beat = time.monotonic()
        self._ready = False
        self._lock = threading.Lock()

    def beat(self) -> None:
        with self._lock:
            self._last_beat = time.monotonic()

    def set_ready(self, ready: bool) -> None:
        with self._lock:
            self._ready = ready

    def live(self) -> tuple[bool, str]:
        with self._lock:
            age = time.monotonic() - self._last_beat
        ok = age <= self.stale_after_s
        return ok, f"run loop last turned {age:.1f} s ago (limit {self.stale_after_s:g} s)"

    def ready(self) -> tuple[bool, str]:
        with self._lock:
            ready = self._ready
        return ready, "ready" if ready else "not ready: input not assigned or state not rebuilt"


class Endpoints:
    """A small threaded HTTP server; ``port=0`` picks a free port (see ``.port``)."""

    def __init__(self, registry: CollectorRegistry, health: Health, port: int,
                 host: str = "127.0.0.1", token: str | None = None) -> None:
        handler = _handler(registry, health, token)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="endpoints",
                                        daemon=True)

    def start(self) -> Endpoints:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(registry: CollectorRegistry, health: Health,
             token: str | None) -> type[BaseHTTPRequestHandler]:
    expected = None if token is None else f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                given = self.headers.get("Authorization", "").encode("utf-8", "replace")
                if expected is not None and not hmac.compare_digest(given, expected):
                    self._send(401, b"a bearer token is needed for /metrics\n")
                    return
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/livez"):
                ok, text = health.live()
                self._send(200 if ok else 503, text.encode() + b"\n")
            elif path == "/readyz":
                ok, text = health.ready()
                self._send(200 if ok else 503, text.encode() + b"\n")
            else:
                self._send(404, b"not found: try /metrics, /healthz or /readyz\n")

        def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would flood the log

    return Handler
