"""The "to review" list: the flags whose verdict would teach the monitor the most first.

In the manner of uncertainty sampling (Lewis & Gale 1994; Settles, *Active Learning
Literature Survey*): a flag whose deciding score sat just over its threshold is the one
the monitor was least sure of, and a verdict on it moves a threshold or a model the
most; a flag of a rule that few people have reviewed says the most about that rule's
precision, which `feedback report` can only state with a wide interval until then. A
flag far above its threshold, of a rule reviewed hundreds of times, teaches little.

priority = ½ · closeness to the threshold + ½ · how little its rules were reviewed
  closeness = 1 − min(1, |score − threshold| / 0.25)   (0.5 for rules without a score)
  rarity    = 1 / √(1 + reviews of its least-reviewed reason code)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.console.state import ConsoleState
from monitor.io.store.queries import FlagFilter
from monitor.records.settings import PlaybookSettings
from monitor.steps.playbook.file import PlaybookFile

BAND = 0.25


@dataclass(frozen=True, slots=True)
class Ranked:
    flag: dict[str, Any]
    priority: float
    closeness: float
    rarity: float
    why: str


def _settings(book: PlaybookFile, flag: Mapping[str, Any]) -> PlaybookSettings:
    queue = flag.get("queue")
    if queue is not None and (flag["channel"], queue) in book.queues:
        return book.queues[(flag["channel"], queue)]
    return book.channels.get(flag["channel"], book.settings)


def deciding_score(flag: Mapping[str, Any], s: PlaybookSettings) -> tuple[float, float, str] | None:
    """(score, threshold, name) the flag was raised on, if one score decided it."""
    codes = {r["code"] for r in flag["reasons"]}
    if flag["kind"] == "urgent":
        return flag["urgency"], s.urgency_high, "紧急度"
    if flag["kind"] == "handle_emotion_first" and "anger_high" in codes:
        return flag["anger"], s.anger_high, "愤怒分"
    if flag["kind"] == "handle_emotion_first" and "anger_with_risk" in codes:
        return flag["conversation_risk"], s.risk_elevated, "会话风险"
    if flag["kind"] == "escalate_supervisor" and "risk_high" in codes:
        return flag["conversation_risk"], s.risk_escalate, "会话风险"
    return None


def rank(flags: list[dict[str, Any]], book: PlaybookFile, reviews: Mapping[str, int]) -> list[Ranked]:
    out = []
    for f in flags:
        decided = deciding_score(f, _settings(book, f))
        if decided is None:
            closeness, near = 0.5, "无单一分数"
        else:
            score, threshold, name = decided
            closeness = 1 - min(1.0, abs(score - threshold) / BAND)
            near = f"{name} {score:.2f}，阈值 {threshold:.2f}"
        codes = {str(r["code"]) for r in f["reasons"]} or {"?"}
        fewest = min(reviews.get(c, 0) for c in codes)
        rarity = 1 / math.sqrt(1 + fewest)
        why = f"{near}；其规则已复核 {fewest} 次"
        out.append(Ranked(f, round(0.5 * closeness + 0.5 * rarity, 4), round(closeness, 4),
                          round(rarity, 4), why))
    # Ties: the older flag first (its conversation is the one most likely over).
    return sorted(out, key=lambda r: (-r.priority, r.flag["ts_ms"], r.flag["flag_id"]))


def to_review(state: ConsoleState, f: FlagFilter) -> list[Ranked]:
    """The unreviewed flags the person may see (the newest 2,000), most instructive first."""
    return rank(state.reader.unreviewed(f), state.playbook, state.reader.reviews_by_reason())
