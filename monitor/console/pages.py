"""The pages (HTML, Jinja2 with autoescape): login, the queue, the on-call view, a flag's
page with its actions. Forms post back here with the page's CSRF token and are
redirected (303) to the page they came from."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.console import views
from monitor.console.access import client, page_identity, require_act, visible
from monitor.console.api import flag_filter, perform
from monitor.console.auth import Auth, Identity, safe_next
from monitor.console.review import to_review
from monitor.console.state import state_of
from monitor.io.store.actions import FALSE_ALARM_REASONS, ActionRefused
from monitor.io.store.queries import FlagFilter
from monitor.records.flags import KINDS, reason_terms


def render(request: Request, name: str, identity: Identity | None, status_code: int = 200,
           **context: Any) -> Response:
    state = state_of(request)
    return state.templates.TemplateResponse(request, name, {
        "user": identity.user if identity else None, "csrf": Auth.csrf_token(request),
        "now_ms": int(time.time() * 1000), **context}, status_code=status_code)


async def login_form(request: Request) -> Response:
    return render(request, "login.html", None, next=safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    state = state_of(request)
    form = await request.form()
    name, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:256]
    target = safe_next(str(form.get("next", "/")))
    if not state.auth.csrf_ok(request, None, str(form.get("csrf_token", ""))):
        raise HTTPException(403, "登录页已过期，请刷新后再登录")
    address = request.client.host if request.client else "?"
    if state.throttle.blocked(name, address):
        return render(request, "login.html", None, 429, next=target,
                      error="尝试次数过多，请 5 分钟后再试。")
    user = await anyio.to_thread.run_sync(state.auth.users.check_password, name, password)
    if user is None:
        state.throttle.failed(name, address)
        return render(request, "login.html", None, 401, next=target, error="用户名或密码不正确。")
    Auth.start_session(request, user, state.settings.session_max_age_s)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if not state_of(request).auth.csrf_ok(request, None, str(form.get("csrf_token", ""))):
        raise HTTPException(403, "页面已过期，请刷新后再试")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def queue(request: Request) -> Response:
    identity = page_identity(request)
    state = state_of(request)
    f = flag_filter(request, identity)
    rows = await anyio.to_thread.run_sync(state.reader.queue, f)
    counts = await anyio.to_thread.run_sync(state.reader.counts_by_kind, FlagFilter(
        f.status, (), f.queues, f.channels, f.allowed_queues))
    return render(request, "queue.html", identity, flags=rows, counts=counts, filter=f, kinds=KINDS,
                  waited=views.waited)


async def oncall(request: Request) -> Response:
    identity = page_identity(request)
    state = state_of(request)
    rows = []
    for status in ("open", "acknowledged"):
        rows += await anyio.to_thread.run_sync(state.reader.queue, FlagFilter(
            status, ("escalate_supervisor",), allowed_queues=identity.user.allowed_queues, limit=500))
    rows.sort(key=lambda r: (r["taken_by"] is not None, r["ts_ms"]))  # nobody on it, longest first
    return render(request, "oncall.html", identity, flags=rows, waited=views.waited)


async def review(request: Request) -> Response:
    identity = page_identity(request)
    f = flag_filter(request, identity, "all")
    ranked = await anyio.to_thread.run_sync(to_review, state_of(request), f)
    return render(request, "review.html", identity, ranked=ranked[:100])


async def flag(request: Request) -> Response:
    identity = page_identity(request)
    state = state_of(request)
    detail = await anyio.to_thread.run_sync(state.reader.detail, request.path_params["flag_id"])
    if detail is None or not visible(identity, detail.flag):
        raise HTTPException(404, "没有这个提醒，或你无权查看（no such flag）")
    f = detail.flag
    terms = reason_terms(f["reasons"])
    transcript = [{**m, "segments": views.segments(
        m["text_masked"], terms if m["message_id"] == f["message_id"] else [])} for m in detail.messages]
    return render(request, "flag.html", identity, flag=f, transcript=transcript, detail=detail,
                  chart=views.chart(detail.messages, f["message_id"]),
                  customer_types=views.customer_types(f["customer_types"] or []),
                  reasons=FALSE_ALARM_REASONS, kinds=KINDS, notice=request.query_params.get("notice"),
                  waited=views.waited)


async def act(request: Request) -> Response:
    identity = page_identity(request)
    form = await request.form()
    require_act(request, identity, str(form.get("csrf_token", "")))
    state = state_of(request)
    flag_id, action = request.path_params["flag_id"], request.path_params["action"]
    if not visible(identity, await anyio.to_thread.run_sync(state.reader.flag, flag_id)):
        raise HTTPException(404, "没有这个提醒，或你无权查看（no such flag）")
    body = {k: str(form[k])[:2000] for k in ("note", "verdict", "reason") if form.get(k)}
    try:
        outcome = await anyio.to_thread.run_sync(perform, state, identity, action, flag_id, body,
                                                 client(request, "web"))
        notice = outcome.message
    except ActionRefused as exc:
        notice = f"未能完成：{exc}"
    return _back(f"/flags/{flag_id}", notice)


async def missed(request: Request) -> Response:
    identity = page_identity(request)
    form = await request.form()
    require_act(request, identity, str(form.get("csrf_token", "")))
    state = state_of(request)
    back = safe_next(str(form.get("return_to", "/")))
    try:
        outcome = await anyio.to_thread.run_sync(
            state.actions.missed, str(form.get("conversation_id", "")), request.path_params["message_id"],
            str(form.get("kind", "")), identity.user.name, client(request, "web"),
            str(form.get("note", "")) or None, identity.user.allowed_queues)
        state.metrics.actions.labels("missed", outcome.outcome).inc()
        notice = outcome.message
    except ActionRefused as exc:
        notice = f"未能完成：{exc}"
    return _back(back, notice)


def _back(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?notice={quote(notice)}", status_code=303)
