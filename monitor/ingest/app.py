"""The ingest service's HTTP side (Starlette on uvicorn; CONTRACT §6).

Answers: 200 only once the events are durable; 401 for a bad or missing signature or
token or a stale timestamp (nothing written); 413 over the body limit; 400 for an
authentic payload that cannot be mapped (it goes to the dead letters with its reason);
503 with ``Retry-After`` while the sink cannot take events; 404 for a platform this
instance has no secret for. Nothing a customer wrote is logged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.ingest.common import Request, Unauthorized, Unmappable, same
from monitor.ingest.metrics import IngestMetrics
from monitor.ingest.wecom import Wecom
from monitor.io.event_sinks import DeadLetterFile, Event, EventSink
from monitor.records.errors import Backpressure, InvalidMessage
from monitor.records.events import RawRecord
from monitor.steps.parse import parse_record


class Adapter(Protocol):
    @property
    def name(self) -> str: ...

    def verify(self, req: Request) -> None: ...
    def events(self, req: Request) -> list[dict[str, Any]]: ...


class TooLarge(Exception):
    pass


@dataclass
class Ingest:
    adapters: Mapping[str, Adapter]
    sink: EventSink
    metrics: IngestMetrics
    wecom: Wecom | None = None
    dead_letters: DeadLetterFile | None = None
    max_body: int = 1 << 20
    metrics_token: str | None = field(default=None, repr=False)

    def write(self, platform: str, events: list[dict[str, Any]]) -> int:
        """Check each event as the monitor will read it, then write them all, durably."""
        pairs: list[Event] = []
        for number, e in enumerate(events, 1):
            value = orjson.dumps(e)
            try:
                parse_record(RawRecord(value, f"ingest:{platform}", number))
            except InvalidMessage as exc:
                raise Unmappable(exc.reason, f"event {number} would not be valid: {exc.reason}") from None
            pairs.append((str(e["conversation_id"]), value))
        if pairs:
            started = time.perf_counter()
            self.sink.write(pairs)
            self.metrics.write_seconds.observe(time.perf_counter() - started)
            self.metrics.events.labels(platform).inc(len(pairs))
        return len(pairs)


async def _body(request: HttpRequest, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(ingest: Ingest, platform: str, code: int, body: Any, headers: dict[str, str] | None = None,
            text: bool = False) -> Response:
    ingest.metrics.requests.labels(platform, str(code)).inc()
    if text:
        return PlainTextResponse(body, status_code=code, headers=headers)
    return JSONResponse(body, status_code=code, headers=headers)


async def receive(request: HttpRequest) -> Response:
    ingest: Ingest = request.app.state.ingest
    platform = request.path_params["platform"]
    known = platform in ingest.adapters or (platform == "wecom" and ingest.wecom is not None)
    label = platform if known else "unknown"
    if not known:
        return _answer(ingest, label, 404, {"error": "no such platform on this instance"})
    try:
        body = b"" if request.method == "GET" else await _body(request, ingest.max_body)
    except TooLarge:
        return _answer(ingest, label, 413, {"error": f"body over {ingest.max_body} bytes"})
    headers = {k.lower(): v for k, v in request.headers.items()}
    req = Request(body, headers, dict(request.query_params), time.time())
    try:
        result = await anyio.to_thread.run_sync(_handle, ingest, platform, request.method, req)
    except Unauthorized:
        ingest.metrics.signature_failures.labels(label).inc()
        return _answer(ingest, label, 401, {"error": "signature, token or timestamp not accepted"})
    except Unmappable as exc:
        ingest.metrics.dead_letters.labels(label, exc.reason[:32]).inc()
        if ingest.dead_letters is not None:
            await anyio.to_thread.run_sync(ingest.dead_letters.write, platform, exc.reason, exc.detail, body)
        return _answer(ingest, label, 400, {"error": exc.detail, "reason": exc.reason})
    except Backpressure as exc:
        retry = str(max(1, round(exc.retry_after_s)))
        return _answer(ingest, label, 503, {"error": "the event sink is unavailable, retry later"},
                       {"Retry-After": retry})
    if isinstance(result, bytes):  # the WeChat Work handshake: the decrypted echostr
        return _answer(ingest, label, 200, result.decode("utf-8", "replace"), text=True)
    if platform == "wecom":
        return _answer(ingest, label, 200, "success", text=True)
    return _answer(ingest, label, 200, {"written": result})


def _handle(ingest: Ingest, platform: str, method: str, req: Request) -> int | bytes:
    if platform == "wecom":
        assert ingest.wecom is not None
        if method == "GET":
            echo: bytes = _guard(ingest.wecom.handshake, req)
            return echo
        call = _guard(ingest.wecom.callback, req)
        if call is None:
            return 0
        return ingest.wecom.pull(call, lambda events: _write(ingest, platform, events))
    adapter = ingest.adapters[platform]
    _guard(adapter.verify, req)
    return ingest.write(platform, _mapped(adapter, req))


def _guard(step: Any, req: Request) -> Any:
    """Verification: anything odd in what we were sent is "not verified", never a 500."""
    try:
        return step(req)
    except (Unauthorized, Unmappable):
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, UnicodeError):
        raise Unauthorized("could not verify") from None


def _mapped(adapter: Adapter, req: Request) -> list[dict[str, Any]]:
    """Mapping an authentic payload of an unexpected shape is a 400, never a 500."""
    try:
        return adapter.events(req)
    except Unmappable:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
        raise Unmappable("bad_shape", "the payload is not shaped as the platform documents") from None


def _write(ingest: Ingest, platform: str, events: list[dict[str, Any]]) -> None:
    ingest.write(platform, events)


async def healthz(request: HttpRequest) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: HttpRequest) -> Response:
    ingest: Ingest = request.app.state.ingest
    ready = await anyio.to_thread.run_sync(ingest.sink.ready)
    return JSONResponse({"ready": ready}, status_code=200 if ready else 503)


async def metrics(request: HttpRequest) -> Response:
    ingest: Ingest = request.app.state.ingest
    if ingest.metrics_token is not None:
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer ") or not same(given[7:].strip(), ingest.metrics_token):
            return JSONResponse({"error": "a bearer token is needed"}, status_code=401)
    return Response(generate_latest(ingest.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def create_app(ingest: Ingest) -> Starlette:
    app = Starlette(routes=[
        Route("/ingest/{platform}", receive, methods=["POST"]),
        Route("/ingest/{platform}", receive, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ])
    app.state.ingest = ingest
    return app
