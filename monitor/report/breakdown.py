"""The week by queue and by agent: where the anger, the escalations and the slow replies are.

A queue name can carry what a customer typed (a web form's free field): it is masked like
any other text. Agent ids are the floor's own staff ids, shown as they are.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from monitor.privacy import mask

NO_QUEUE = "(无队列)"
TOP = 10


def _first_wait(ms: list[dict[str, Any]]) -> tuple[float | None, str | None]:
    """Seconds from the first customer message to the first agent reply, and that agent."""
    customer: int | None = None
    for m in sorted(ms, key=lambda r: r["ts_ms"]):
        if m["role"] == "customer" and customer is None:
            customer = m["ts_ms"]
        elif m["role"] == "agent" and customer is not None:
            return (m["ts_ms"] - customer) / 1000, m["agent_id"]
    return None, None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def by_queue(by_conv: dict[str, list[dict[str, Any]]], flags: list[dict[str, Any]],
             anger_high: float) -> list[dict[str, Any]]:
    """Per queue (the busiest first): conversations, customer messages, share of angry
    conversations, flags, escalations, median first reply."""
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"conversations": 0, "customer_messages": 0,
                                                           "angry": 0, "waits": []})
    for ms in by_conv.values():
        queue = next((m["queue"] for m in ms if m["queue"]), None)
        row = rows[mask(queue) if queue else NO_QUEUE]
        row["conversations"] += 1
        customer = [m for m in ms if m["role"] == "customer"]
        row["customer_messages"] += len(customer)
        row["angry"] += any((m["anger"] or 0.0) >= anger_high for m in customer)
        wait, _ = _first_wait(ms)
        if wait is not None:
            row["waits"].append(wait)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for f in flags:
        kinds[mask(f["queue"]) if f["queue"] else NO_QUEUE][f["kind"]] += 1
    out = []
    for name, row in rows.items():
        out.append({"queue": name, "conversations": row["conversations"],
                    "customer_messages": row["customer_messages"],
                    "angry_conversation_share": round(row["angry"] / row["conversations"], 4),
                    "flags": sum(kinds[name].values()),
                    "escalations": kinds[name]["escalate_supervisor"],
                    "first_reply_median_s": _median(row["waits"])})
    return sorted(out, key=lambda r: (-r["conversations"], r["queue"]))[:TOP]


def by_agent(by_conv: dict[str, list[dict[str, Any]]], flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per agent (the most conversations first): conversations answered, replies, coaching
    flags, escalations in their conversations, median first reply when they answered first."""
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"conversations": set(), "replies": 0, "waits": []})
    for cid, ms in by_conv.items():
        for m in ms:
            if m["role"] == "agent" and m["agent_id"]:
                rows[m["agent_id"]]["conversations"].add(cid)
                rows[m["agent_id"]]["replies"] += 1
        wait, agent = _first_wait(ms)
        if wait is not None and agent:
            rows[agent]["waits"].append(wait)
    coaching = Counter(f["agent_id"] for f in flags if f["kind"] == "agent_coaching" and f["agent_id"])
    esc = Counter(f["agent_id"] for f in flags if f["kind"] == "escalate_supervisor" and f["agent_id"])
    out = [{"agent": agent, "conversations": len(row["conversations"]), "replies": row["replies"],
            "coaching": coaching[agent], "escalations": esc[agent],
            "first_reply_median_s": _median(row["waits"])} for agent, row in rows.items()]
    return sorted(out, key=lambda r: (-r["conversations"], r["agent"]))[:TOP]
