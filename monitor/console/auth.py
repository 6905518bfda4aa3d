"""Who is asking: a signed session cookie (from the login page), ``Authorization: Bearer
TOKEN``, or — only when configured, and only from the trusted proxy's own address — a
single-sign-on header set by a reverse proxy. Anything else is nobody.

A state-changing request authenticated by the session cookie also needs the session's
CSRF token (a form field or the ``X-CSRF-Token`` header) and, when the browser sends
one, an ``Origin`` of this site; one with a Bearer token needs neither (a browser never
sends it by itself). Failed logins are throttled per user and address.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from starlette.requests import Request

from monitor.console.users import User, Users, UsersFile

CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Identity:
    user: User
    via: str  # session | token | proxy


@dataclass(frozen=True, slots=True)
class ProxyAuth:
    """Trust ``header`` as the user's name on requests from these addresses only."""

    header: str
    addresses: frozenset[str]


class Auth:
    def __init__(self, users: UsersFile, proxy: ProxyAuth | None = None) -> None:
        self._users = users
        self.proxy = proxy

    @property
    def users(self) -> Users:
        return self._users.current()

    def identify(self, request: Request) -> Identity | None:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer":
                return None
            user = self.users.for_token(token.strip()) or self._users.current(fresh=True).for_token(
                token.strip())
            return Identity(user, "token") if user else None  # a bad token is never a session
        if self.proxy is not None and request.client is not None \
                and request.client.host in self.proxy.addresses:
            name = _header_text(request.headers.get(self.proxy.header))
            if name:
                user = self.users.get(name)
                return Identity(user, "proxy") if user else None
        name = request.session.get("user")
        user = self.users.get(name) if isinstance(name, str) else None
        if user is None or request.session.get("v") != user.session_version:
            return None
        if time.time() > float(request.session.get("expires", 0)):
            return None
        return Identity(user, "session")

    @staticmethod
    def start_session(request: Request, user: User, max_age_s: int) -> None:
        request.session.clear()
        request.session.update({"user": user.name, "v": user.session_version,
                                "csrf": secrets.token_urlsafe(32), "expires": time.time() + max_age_s})

    @staticmethod
    def csrf_token(request: Request) -> str:
        """The session's token (made for the login form before anyone is logged in)."""
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    @staticmethod
    def csrf_ok(request: Request, identity: Identity | None, submitted: str | None) -> bool:
        if identity is not None and identity.via == "token":
            return True
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
            return False
        expected = request.session.get("csrf")
        given = submitted or request.headers.get(CSRF_HEADER) or ""
        return isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode())


def _header_text(value: str | None) -> str | None:
    """A user name from a header. HTTP carries bytes (read as Latin-1): proxies send a
    Chinese name as raw UTF-8 or percent-encoded; both are read back as the name."""
    if value is None:
        return None
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("latin-1").decode("utf-8")
    if "%" not in value:
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None  # not a name anybody has


class LoginThrottle:
    """At most ``attempts`` failed logins per user name, and ``per_address`` per address
    (a floor's supervisors may share one address), in ``window_s``."""

    def __init__(self, attempts: int = 5, per_address: int = 50, window_s: float = 300.0) -> None:
        self.attempts = attempts
        self.per_address = per_address
        self.window_s = window_s
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        q = self._failures[key]
        while q and q[0] < time.monotonic() - self.window_s:
            q.popleft()
        return q

    def blocked(self, name: str, address: str) -> bool:
        return (len(self._recent(f"u:{name}")) >= self.attempts
                or len(self._recent(f"a:{address}")) >= self.per_address)

    def failed(self, name: str, address: str) -> None:
        for key in (f"u:{name}", f"a:{address}"):
            self._recent(key).append(time.monotonic())
        if len(self._failures) > 10_000:  # bounded: forget the oldest keys
            for key in list(self._failures)[:5_000]:
                del self._failures[key]


def safe_next(target: str | None) -> str:
    """A redirect target after login: a path of this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
