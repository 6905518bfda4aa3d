"""The store: processed-message scores (masked text) and flags with their lifecycle
(``store.py``), its tables and migrations (``schema.py``)."""

from monitor.io.store.schema import SCHEMA_VERSION, flags, messages, schema_info
from monitor.io.store.store import Store, store_url

__all__ = ["SCHEMA_VERSION", "Store", "flags", "messages", "schema_info", "store_url"]
