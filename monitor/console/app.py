"""The console's wiring: settings, the shared state, middleware, routes, the lifespan
(store, users, the live-update poller). Served by uvicorn (``support-monitor console``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.console import api, pages
from monitor.console.access import LoginRedirect
from monitor.console.state import ConsoleSettings, ConsoleState, build_state, state_of

# No page loads anything from elsewhere, runs inline script or style, or may be framed.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; "
                                 b"img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                 b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on
    # form posts, and the CSRF check could not tell this site's forms from another's.
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response (static files and errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(n, v) for n, v in SECURITY_HEADERS
                                        if n not in names and not (n == b"cache-control"
                                                                   and scope["path"].startswith("/static/"))]]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRedirect)
    return exc.response


async def _error(request: Request, exc: Exception) -> Response:
    """JSON for the API and metrics, a page for people."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if request.url.path.startswith(("/api/", "/metrics")):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
    state = state_of(request)
    return state.templates.TemplateResponse(request, "error.html", {
        "user": None, "csrf": "", "status": exc.status_code, "message": exc.detail},
        status_code=exc.status_code, headers=headers)


def create_app(settings: ConsoleSettings, state: ConsoleState | None = None) -> Starlette:
    state = state or build_state(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        poller = asyncio.create_task(state.changes.run())
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            state.store.close()

    static = StaticFiles(directory=str(resources.files("monitor") / "console" / "static"))
    routes: list[Any] = [
        Route("/login", pages.login_form, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/", pages.queue, methods=["GET"]),
        Route("/oncall", pages.oncall, methods=["GET"]),
        Route("/review", pages.review, methods=["GET"]),
        Route("/flags/{flag_id}", pages.flag, methods=["GET"]),
        Route("/flags/{flag_id}/{action:str}", pages.act, methods=["POST"]),
        Route("/messages/{message_id:path}/missed", pages.missed, methods=["POST"]),
        Route("/api/flags", api.list_flags, methods=["GET"]),
        Route("/api/flags/{flag_id}", api.get_flag, methods=["GET"]),
        Route("/api/flags/{flag_id}/{action:str}", api.act, methods=["POST"]),
        Route("/api/messages/{message_id:path}/missed", api.missed, methods=["POST"]),
        Route("/api/events", api.events, methods=["GET"]),
        Route("/api/review", api.review, methods=["GET"]),
        Route("/healthz", api.healthz, methods=["GET"]),
        Route("/metrics", api.metrics, methods=["GET"]),
        Mount("/static", app=static, name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=settings.session_secret, session_cookie="smc_session",
                   max_age=settings.session_max_age_s, same_site="lax",
                   https_only=settings.secure_cookies),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={LoginRedirect: _to_login, HTTPException: _error},
                    max_body_size=settings.max_body_bytes)
    app.state.console = state
    return app
