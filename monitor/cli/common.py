"""Helpers the command handlers share."""

from __future__ import annotations

from monitor.config import default_store


def store_arg(value: str | None) -> str | None:
    """``--store``: a URL or path, ``none`` for no store, default $SUPPORT_MONITOR_STORE."""
    if value is None:
        return default_store()
    return None if value.lower() == "none" else value
