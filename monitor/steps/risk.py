"""Conversation risk: how likely this conversation needs a supervisor (0..1).

First version: a noisy-OR of the conversation's course. The models issue replaces it
with a model fitted on dialogues with satisfaction votes, behind ``conversation_risk``.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.records.conversation import ConversationState

# What the pipeline and the playbook call: this rule, or a fitted model (models/risk_model.py).
RiskFn = Callable[[ConversationState], float]

_THREATS = frozenset({"legal_threat", "regulator_threat", "media_threat"})


def conversation_risk(state: ConversationState) -> float:
    """Risk from anger level and peak, threats, supervisor requests and neglect."""
    codes = state.signal_codes
    parts = [0.7 * state.anger_ewma, 0.4 * state.anger_peak]
    if codes & _THREATS:
        parts.append(0.45)
    if "supervisor_request" in codes:
        parts.append(0.35)
    if "cites_law" in codes:
        parts.append(0.15)
    if "insult" in codes:
        parts.append(0.3)
    if "repeat_contact" in codes:
        parts.append(0.2)
    parts.append(min(0.1 * state.unacked_angry_turns, 0.3))
    keep = 1.0
    for p in parts:
        keep *= 1.0 - p
    return round(1.0 - keep, 4)
