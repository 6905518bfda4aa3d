"""The console's users file: names, roles, salted password hashes (argon2id), API token
hashes. Never a password or a token in clear: ``add-user`` hashes the password it reads,
``token`` prints a new token once and keeps only its sha256 (tokens are 256 random bits,
so a fast hash is safe; passwords are not, so they get argon2).

The file is JSON, written atomically with mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from monitor.records.errors import UsageError

ROLES = ("supervisor", "lead", "viewer")
_HASHER = PasswordHasher()
# Verifying an unknown user's password takes as long as a known one's (no user probing).
_DUMMY = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    password_hash: str
    queues: tuple[str, ...] = ()  # a supervisor's or viewer's queues; empty: every queue
    token_hashes: tuple[str, ...] = field(default=(), repr=False)

    @property
    def can_act(self) -> bool:
        return self.role in ("supervisor", "lead")

    @property
    def allowed_queues(self) -> tuple[str, ...] | None:
        """The queues this user may see; None: every queue (leads, or no list)."""
        return None if self.role == "lead" or not self.queues else self.queues

    @property
    def session_version(self) -> str:
        """Changes when the password does: a session made before is no longer valid."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Users:
    def __init__(self, users: dict[str, User]) -> None:
        self._users = users
        self._by_token = {h: u for u in users.values() for h in u.token_hashes}

    @classmethod
    def load(cls, path: str) -> Users:
        try:
            body = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"no users file {path}: create one with 'support-monitor console add-user "
                             "NAME --role lead --users FILE'") from None
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read users file {path}: {exc}") from None
        users = {}
        for name, entry in (body.get("users") or {}).items():
            hashed = str(entry.get("password_hash", ""))
            if entry.get("role") not in ROLES or not hashed.startswith("$argon2"):
                raise UsageError(f"users file {path}: user {name!r} has no valid role or password hash")
            users[name] = User(name, entry["role"], entry["password_hash"], tuple(entry.get("queues", ())),
                               tuple(entry.get("tokens", ())))
        return cls(users)

    def save(self, path: str) -> None:
        body: dict[str, Any] = {"users": {u.name: {"role": u.role, "password_hash": u.password_hash,
                                                   "queues": list(u.queues), "tokens": list(u.token_hashes)}
                                          for u in self._users.values()}}
        directory = Path(path).resolve().parent
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".users-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(body, fh, ensure_ascii=False, indent=1)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def __len__(self) -> int:
        return len(self._users)

    def add(self, name: str, role: str, password: str, queues: tuple[str, ...] = ()) -> User:
        if role not in ROLES:
            raise UsageError(f"role must be one of {', '.join(ROLES)}")
        if not name or len(name) > 64 or any(c.isspace() or ord(c) < 32 for c in name):
            raise UsageError("a user name is 1-64 characters without spaces")
        if len(password) < 10:
            raise UsageError("a password needs at least 10 characters")
        old = self._users.get(name)
        user = User(name, role, _HASHER.hash(password), queues, old.token_hashes if old else ())
        self._users[name] = user
        return user

    def new_token(self, name: str) -> str:
        user = self._users.get(name)
        if user is None:
            raise UsageError(f"no user {name!r} in the users file")
        token = "smc_" + secrets.token_urlsafe(32)
        self._users[name] = replace(user, token_hashes=(*user.token_hashes, token_hash(token)))
        self._by_token = {h: u for u in self._users.values() for h in u.token_hashes}
        return token

    def check_password(self, name: str, password: str) -> User | None:
        user = self._users.get(name)
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    def for_token(self, token: str) -> User | None:
        return self._by_token.get(token_hash(token))


class UsersFile:
    """The users file as the console sees it: read again when it changes (a new user, a
    new token or a new password counts at once, without a restart)."""

    def __init__(self, path: str, check_every_s: float = 1.0) -> None:
        self.path = path
        self.check_every_s = check_every_s
        self._mtime = os.stat(path).st_mtime_ns if os.path.exists(path) else 0
        self._users = Users.load(path)
        self._checked = time.monotonic()

    def current(self, fresh: bool = False) -> Users:
        """The users; ``fresh``: look at the file now (an unknown token may be a new one)."""
        now = time.monotonic()
        if now - self._checked >= (0.05 if fresh else self.check_every_s):
            self._checked = now
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except OSError:
                return self._users  # gone for a moment (an atomic replace): keep what we had
            if mtime != self._mtime:
                self._users, self._mtime = Users.load(self.path), mtime
        return self._users
