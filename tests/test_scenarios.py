"""The scenario suite (tests/scenarios.yaml): for each conversation written from the
PLAYBOOK cases, exactly which flags are raised, about which message, and nothing else.
Run as the monitor runs by default: the rules with the shipped models (models/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import T0, product_pipeline

from monitor.records.events import RawRecord
from monitor.records.flags import SEVERITY_RANK, Flag, Transition

SCENARIOS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "scenarios.yaml").read_text(encoding="utf-8"))
GAP_S = 30


def build(scenario: dict[str, Any]) -> tuple[list[RawRecord], dict[int, int]]:
    """Records of the scenario; ticks are system messages of another conversation."""
    out: list[RawRecord] = []
    ts_to_index: dict[int, int] = {}
    now, index = T0 - GAP_S * 1000, 0
    for turn in scenario["turns"]:
        if isinstance(turn, dict) and "tick" in turn:
            now += int(turn["tick"]) * 1000
            obj: dict[str, Any] = {"conversation_id": "clock", "message_id": f"t{now}", "ts": now,
                                   "role": "system", "text": ""}
        else:
            role, text, after = ((turn[0], turn[1], GAP_S) if isinstance(turn, list)
                                 else (turn["role"], turn["text"], turn.get("after", GAP_S)))
            now += int(after) * 1000
            index += 1
            ts_to_index[now] = index
            obj = {"conversation_id": "s", "message_id": f"m{index}", "ts": now, "role": role,
                   "text": text, "agent_id": "a1" if role == "agent" else None}
            obj = {k: v for k, v in obj.items() if v is not None}
        out.append(RawRecord(json.dumps(obj, ensure_ascii=False).encode(), "scenario", len(out)))
    return out, ts_to_index


def describe(flags: list[Flag]) -> list[str]:
    return [f"m{f.message_id[1:]} {f.kind} {f.severity} {[r.code for r in f.reasons]} "
            f"{list(f.customer_types)}" for f in flags]


def check_episodes(flags: list[Flag], transitions: list[Transition]) -> None:
    """A kind is raised once per episode: again only at a higher severity or after calm."""
    timeline: list[tuple[int, int, Flag | Transition]] = (
        [(f.ts_ms, 0, f) for f in flags] + [(t.ts_ms, 1, t) for t in transitions])
    open_rank: dict[str, int] = {}
    for _, _, item in sorted(timeline, key=lambda x: (x[0], x[1])):
        if isinstance(item, Transition):
            if item.reason == "calmed":
                open_rank.clear()
            continue
        rank = SEVERITY_RANK[item.severity]
        assert rank > open_rank.get(item.kind, -1), f"{item.kind} raised twice in one episode"
        open_rank[item.kind] = rank


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    recs, ts_to_index = build(scenario)
    result = product_pipeline().process(recs)
    flags = [f for f in result.flags if f.conversation_id == "s"]
    expected = scenario["expect"]
    got = [(int(f.message_id[1:]), f.kind) for f in flags]
    want = [(e["at"], e["kind"]) for e in expected]
    assert got == want, "raised:\n" + "\n".join(describe(flags))
    for flag, exp in zip(flags, expected, strict=True):
        if "severity" in exp:
            assert flag.severity == exp["severity"], describe([flag])
        if "reason" in exp:
            assert exp["reason"] in [r.code for r in flag.reasons], describe([flag])
        for code in exp.get("types", []):
            assert code in flag.customer_types, describe([flag])
        if "ref" in exp:  # the suggestion cites the rule behind the reason that raised it
            assert exp["ref"] in flag.playbook_ref, flag.playbook_ref
        if "ref_not" in exp:
            assert exp["ref_not"] not in flag.playbook_ref, flag.playbook_ref
        # Every flag says why, what to do and on which rule it rests.
        assert flag.reasons and all(r.code and r.detail for r in flag.reasons)
        assert flag.suggestion and flag.playbook_ref.startswith("seed ")
        assert flag.excerpt
    ids = {f.flag_id: f for f in flags}
    moves = [t for t in result.transitions if t.flag_id in ids]
    check_episodes(flags, moves)
    if "transitions" in scenario:
        got_moves = [[ts_to_index[t.ts_ms], t.status, t.reason] for t in moves]
        assert got_moves == scenario["transitions"]


def test_suite_covers_what_the_issue_asks_for() -> None:
    assert len(SCENARIOS) >= 40
    reasons = {e.get("reason") for s in SCENARIOS for e in s["expect"]}
    for code in ("supervisor_request", "out_of_control", "legal_threat", "regulator_threat",
                 "media_threat", "insult", "repeat_angry", "response_breach_angry",
                 "rhetorical_challenge", "cold_reply", "slang", "joking_with_upset",
                 "mechanical_reply", "no_empathy", "no_reply", "deadline", "occasion",
                 "money_at_risk", "health_safety"):
        assert code in reasons, code
    quiet = [s for s in SCENARIOS if not s["expect"]]
    assert len(quiet) >= 10
