"""The console's "to review" list: unreviewed flags, the most instructive first — scores
nearest their threshold and rules with the fewest reviews (console/review.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
from console_helpers import ConsoleServer, make_users, token
from helpers import T0, run_file, shipped_models
from hypothesis import given
from hypothesis import strategies as st

from monitor.console.review import rank
from monitor.steps.playbook.file import builtin


def _flag(i: int, kind: str, codes: list[str], anger: float = 0.0, urgency: float = 0.0,
          risk: float = 0.0) -> dict[str, Any]:
    return {"flag_id": f"f{i}", "ts_ms": T0 + i, "kind": kind, "channel": "chat", "queue": None,
            "anger": anger, "urgency": urgency, "conversation_risk": risk,
            "reasons": [{"code": c, "detail": ""} for c in codes]}


def test_near_the_threshold_and_rarely_reviewed_come_first() -> None:
    book = builtin()
    high = book.settings.anger_high
    near = _flag(1, "handle_emotion_first", ["anger_high"], anger=high + 0.01)
    far = _flag(2, "handle_emotion_first", ["anger_high"], anger=0.99)
    urgent_near = _flag(3, "urgent", ["urgency_high", "deadline"], urgency=book.settings.urgency_high + 0.02)
    reviewed_often = _flag(4, "escalate_supervisor", ["supervisor_request"])
    order = [r.flag["flag_id"] for r in rank([far, reviewed_often, urgent_near, near], book,
                                            {"anger_high": 0, "supervisor_request": 400, "urgency_high": 3})]
    assert order.index("f1") < order.index("f2")  # same rule, nearer its threshold first
    assert order[-1] == "f4"  # no score, a rule reviewed 400 times: teaches least
    assert order[0] == "f1"


@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 500)), min_size=1, max_size=30))
def test_priority_is_the_stated_formula(rows: list[tuple[float, int]]) -> None:
    book = builtin()
    flags = [_flag(i, "urgent", [f"code{i}"], urgency=u) for i, (u, _) in enumerate(rows)]
    reviews = {f"code{i}": n for i, (_, n) in enumerate(rows)}
    ranked = rank(flags, book, reviews)
    for r in ranked:
        i = int(r.flag["flag_id"][1:])
        closeness = 1 - min(1.0, abs(rows[i][0] - book.settings.urgency_high) / 0.25)
        expected = 0.5 * closeness + 0.5 / math.sqrt(1 + rows[i][1])
        assert abs(r.priority - expected) < 1e-3
    assert [r.priority for r in ranked] == sorted((r.priority for r in ranked), reverse=True)


def test_the_review_list_leaves_out_what_was_reviewed(tmp_path: Path) -> None:
    events = tmp_path / "in.jsonl"
    texts = ["气死了！！！你们怎么回事", "太过分了，三天了还没发货", "我明天就要出国，今天必须寄到",
             "垃圾客服！！！", "有点不满意，东西一般", "请尽快处理，我很急", "气死了！！！还不发货"]
    lines = [{"conversation_id": f"c{i}", "message_id": "m1", "ts": T0 + i * 1000, "role": "customer",
              "text": t, "queue": "售后"} for i, t in enumerate(texts)]
    events.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    store = str(tmp_path / "store.db")
    run_file(events, shipped_models(), store_url=store)
    users = make_users(tmp_path)
    server = ConsoleServer(store, users, tmp_path)
    try:
        headers = {"Authorization": f"Bearer {token(users, '王组长')}"}
        listed = httpx.get(server.url + "/api/review?limit=1000", headers=headers, timeout=20).json()["flags"]
        assert len(listed) >= 3
        priorities = [f["review_priority"] for f in listed]
        assert priorities == sorted(priorities, reverse=True)
        def codes(f: dict[str, Any]) -> frozenset[str]:
            return frozenset(r["code"] for r in f["reasons"])

        # A flag that shares its rules with another one: a verdict on it lowers the other's rarity.
        first = next(f for f in listed if sum(codes(g) == codes(f) for g in listed) > 1)
        answer = httpx.post(f"{server.url}/api/flags/{first['flag_id']}/verdict", headers=headers,
                            json={"verdict": "confirmed"}, timeout=20)
        assert answer.status_code == 200
        again = httpx.get(server.url + "/api/review?limit=1000", headers=headers, timeout=20).json()["flags"]
        assert first["flag_id"] not in {f["flag_id"] for f in again}
        assert len(again) == len(listed) - 1
        # A review of a rule makes that rule's other flags less instructive.
        same = [f for f in again if codes(f) == codes(first)]
        assert same
        for f in same:
            before = next(x for x in listed if x["flag_id"] == f["flag_id"])
            assert f["rarity"] < before["rarity"]
    finally:
        server.close()
