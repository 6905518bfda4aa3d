"""Helpers the command handlers share."""

from __future__ import annotations

import os
from pathlib import Path

from monitor.config import default_store
from monitor.records.errors import UsageError


def store_arg(value: str | None) -> str | None:
    """``--store``: a URL or path, ``none`` for no store, default $SUPPORT_MONITOR_STORE."""
    if value is None:
        return default_store()
    return None if value.lower() == "none" else value


def read_secret(spec: str, option: str) -> str:
    """A secret given as ``env:NAME`` or ``file:PATH`` — never as a value on the command
    line, where other users of the machine and the shell history would see it."""
    kind, _, where = spec.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where)
        if not value:
            raise UsageError(f"{option}: environment variable {where} is not set")
        return value
    if kind == "file" and where:
        try:
            value = Path(where).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"{option}: cannot read {where}: {exc.strerror}") from None
        if not value:
            raise UsageError(f"{option}: {where} is empty")
        return value
    raise UsageError(f"{option} takes env:NAME or file:PATH, not a value")
