"""The JSON API (CONTRACT §5), the live-update stream, health and metrics.

Answers: 401 without a session or token, 403 for a viewer's action or a missing CSRF
token (session only), 404 for a flag the user may not see or that does not exist, 409
for a refused action (taken by someone else), 400 for a bad body.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from monitor.console.access import api_identity, client, require_act, visible
from monitor.console.auth import Identity
from monitor.console.live import event_stream
from monitor.console.review import to_review
from monitor.console.state import ConsoleState, state_of
from monitor.io.store.actions import ActionRefused, Outcome, UnknownFlag
from monitor.io.store.queries import STATUSES, FlagFilter, flag_json
from monitor.records.flags import KINDS


def _listed(values: list[str], allowed: tuple[str, ...] | None = None) -> list[str]:
    if allowed is not None and any(v not in allowed for v in values):
        raise HTTPException(400, f"unknown value; expected one of {', '.join(allowed)}")
    return values


def flag_filter(request: Request, identity: Identity, default_status: str = "open") -> FlagFilter:
    q = request.query_params
    status = q.get("status", default_status)
    if status not in STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(STATUSES)}")
    try:
        limit, offset = int(q.get("limit", "200")), int(q.get("offset", "0"))
    except ValueError:
        raise HTTPException(400, "limit and offset are whole numbers") from None
    return FlagFilter(status, _listed(q.getlist("kind"), KINDS), q.getlist("queue"),
                      q.getlist("channel"), identity.user.allowed_queues, min(max(limit, 1), 1000),
                      max(offset, 0))


def with_links(row: dict[str, Any]) -> dict[str, Any]:
    return {**flag_json(row), "url": f"/flags/{row['flag_id']}",
            "waiting_s": max(0, int(time.time() * 1000) - row["ts_ms"]) // 1000}


async def review(request: Request) -> Response:
    """GET /api/review: unreviewed flags, the most instructive verdicts first."""
    identity = api_identity(request)
    f = flag_filter(request, identity, "all")
    ranked = (await anyio.to_thread.run_sync(to_review, state_of(request), f))[:f.limit]
    return JSONResponse({"flags": [{**with_links(r.flag), "review_priority": r.priority,
                                    "closeness": r.closeness, "rarity": r.rarity, "why": r.why}
                                   for r in ranked]})


async def list_flags(request: Request) -> Response:
    identity = api_identity(request)
    state = state_of(request)
    rows = await anyio.to_thread.run_sync(state.reader.queue, flag_filter(request, identity))
    return JSONResponse({"flags": [with_links(r) for r in rows]})


async def get_flag(request: Request) -> Response:
    identity = api_identity(request)
    state = state_of(request)
    detail = await anyio.to_thread.run_sync(state.reader.detail, request.path_params["flag_id"])
    if detail is None or not visible(identity, detail.flag):
        raise HTTPException(404, "没有这个提醒，或你无权查看（no such flag）")
    return JSONResponse({**with_links(detail.flag), "messages": [
        {"message_id": m["message_id"], "role": m["role"], "ts_ms": m["ts_ms"], "text": m["text_masked"],
         "anger": m["anger"], "urgency": m["urgency"], "conversation_risk": m["conversation_risk"]}
        for m in detail.messages]})


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise HTTPException(400, "the body must be JSON") from None
    if not isinstance(body, dict) or any(v is not None and not isinstance(v, str) for v in body.values()):
        raise HTTPException(400, "the body must be a JSON object of strings")
    return body


def perform(state: ConsoleState, identity: Identity, action: str, flag_id: str, body: dict[str, Any],
            via: str) -> Outcome:
    """One action on a flag, as the API and the pages both do it (and count it)."""
    who, where = identity.user.name, via
    if action == "ack":
        outcome = state.actions.take(flag_id, who, where)
    elif action == "resolve":
        outcome = state.actions.resolve(flag_id, who, where, body.get("note"))
    elif action == "verdict":
        outcome = state.actions.verdict(flag_id, who, where, str(body.get("verdict") or ""),
                                        body.get("reason") or None, body.get("note"))
    else:
        raise HTTPException(404, "no such action")
    row = state.reader.flag(flag_id)
    state.metrics.actions.labels(action, outcome.outcome).inc()
    if row is not None and outcome.outcome == "done":
        if action == "ack" and row["taken_at_ms"]:
            raised_ms = row["raised_at"].timestamp() * 1000
            state.metrics.ack_seconds.labels(row["kind"]).observe(max(0.0, (row["taken_at_ms"] - raised_ms)
                                                                      / 1000))
        if action == "verdict":
            state.metrics.verdicts.labels(row["kind"], row["verdict"], row["verdict_reason"] or "none").inc()
    return outcome


def answer(exc: Exception) -> JSONResponse:
    status = 404 if isinstance(exc, UnknownFlag) else 409
    return JSONResponse({"error": str(exc)}, status_code=status)


async def act(request: Request) -> Response:
    identity = api_identity(request)
    require_act(request, identity, None)
    state = state_of(request)
    flag_id, action = request.path_params["flag_id"], request.path_params["action"]
    if not visible(identity, await anyio.to_thread.run_sync(state.reader.flag, flag_id)):
        raise HTTPException(404, "没有这个提醒，或你无权查看（no such flag）")
    body = await _body(request)
    try:
        outcome = await anyio.to_thread.run_sync(perform, state, identity, action, flag_id, body,
                                                 client(request, "api"))
    except ActionRefused as exc:
        return answer(exc)
    row = await anyio.to_thread.run_sync(state.reader.flag, flag_id)
    return JSONResponse({"outcome": outcome.outcome, "message": outcome.message,
                         "flag": with_links(row) if row else None})


async def missed(request: Request) -> Response:
    identity = api_identity(request)
    require_act(request, identity, None)
    state = state_of(request)
    body = await _body(request)
    conversation, kind = body.get("conversation_id"), body.get("kind")
    if not conversation or not kind:
        raise HTTPException(400, "the body needs conversation_id and kind")
    try:
        outcome = await anyio.to_thread.run_sync(
            state.actions.missed, conversation, request.path_params["message_id"], kind,
            identity.user.name, client(request, "api"), body.get("note"),
            identity.user.allowed_queues)
    except ActionRefused as exc:
        return answer(exc)
    state.metrics.actions.labels("missed", outcome.outcome).inc()
    return JSONResponse({"outcome": outcome.outcome, "message": outcome.message})


async def events(request: Request) -> Response:
    identity = api_identity(request)
    state = state_of(request)

    def shown(row: dict[str, Any]) -> dict[str, Any] | None:
        return with_links(row) if visible(identity, row) else None

    return StreamingResponse(event_stream(state.changes, shown, request.is_disconnected),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def healthz(request: Request) -> Response:
    """200 while the console can read the store (no data in the answer: no login needed)."""
    try:
        await anyio.to_thread.run_sync(state_of(request).reader.readable)
    except Exception:
        return PlainTextResponse("cannot read the store\n", status_code=503)
    return PlainTextResponse("ok\n")


async def metrics(request: Request) -> Response:
    api_identity(request)  # counts are data too: Prometheus scrapes with a viewer's token
    body = await anyio.to_thread.run_sync(generate_latest, state_of(request).metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
