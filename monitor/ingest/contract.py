"""``POST /ingest/events``: contract events (CONTRACT §1) as they are, one JSON object or
JSON Lines, with ``Authorization: Bearer`` the events token. Each line is checked as the
monitor checks it (``steps/parse.py``), so a producer learns at once what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from monitor.ingest.common import Request, Unauthorized, Unmappable, same
from monitor.records.errors import InvalidMessage
from monitor.records.events import RawRecord
from monitor.steps.parse import parse_record


@dataclass(frozen=True)
class ContractEvents:
    token: str
    name: str = "events"

    def verify(self, req: Request) -> None:
        given = req.headers.get("authorization", "")
        if not given.startswith("Bearer ") or not same(given[7:].strip(), self.token):
            raise Unauthorized("bad or missing bearer token")

    def events(self, req: Request) -> list[dict[str, Any]]:
        lines = [line for line in req.body.split(b"\n") if line.strip()]
        if not lines:
            raise Unmappable("empty", "the body holds no event")
        out = []
        for number, line in enumerate(lines, 1):
            try:
                parse_record(RawRecord(line, "ingest", number))
            except InvalidMessage as exc:
                raise Unmappable(exc.reason, f"line {number}: {exc.reason}") from None
            out.append(orjson.loads(line))
        return out
