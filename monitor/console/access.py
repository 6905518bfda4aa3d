"""Who may see and do what, for the handlers: the identity of a request (or a redirect
to the login page, or 401), acting (403 for viewers, CSRF), and which flags a user sees."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from monitor.console.auth import Identity
from monitor.console.state import state_of


class LoginRedirect(Exception):
    """A page asked for without a session: the login page, then back here."""

    def __init__(self, request: Request) -> None:
        self.response = RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def page_identity(request: Request) -> Identity:
    identity = state_of(request).auth.identify(request)
    if identity is None:
        raise LoginRedirect(request)
    return identity


def api_identity(request: Request) -> Identity:
    identity = state_of(request).auth.identify(request)
    if identity is None:
        raise HTTPException(401, "请先登录（sign in, or send Authorization: Bearer TOKEN）",
                            headers={"WWW-Authenticate": 'Bearer realm="support-monitor"'})
    return identity


def require_act(request: Request, identity: Identity, csrf: str | None) -> None:
    """Acting needs a role that acts, and (with a session cookie) the page's CSRF token."""
    if not identity.user.can_act:
        raise HTTPException(403, f"{identity.user.name} 是只读账号，不能操作（viewer: read only）")
    if not state_of(request).auth.csrf_ok(request, identity, csrf):
        raise HTTPException(403, "页面已过期，请刷新后再试（missing or wrong CSRF token）")


def visible(identity: Identity, row: dict[str, Any] | None) -> bool:
    if row is None:
        return False
    allowed = identity.user.allowed_queues
    return allowed is None or row.get("queue") in allowed


def client(request: Request, kind: str) -> str:
    address = request.client.host if request.client else "?"
    agent = request.headers.get("user-agent", "")[:120]
    return f"{kind} {address} {agent}".strip()
