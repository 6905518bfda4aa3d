"""The playbook's thresholds and targets, as the playbook file sets them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlaybookSettings:
    """Thresholds and targets a support operations lead may tune. The values, with what
    each one means, are in the playbook file (``monitor/data/playbook.yaml``)."""

    anger_high: float
    anger_critical: float
    anger_elevated: float  # with conversation risk at risk_elevated: emotion first
    anger_words_high: float  # the rules' explicit evidence (anger words, ！！) that is enough
    risk_elevated: float
    risk_escalate: float  # conversation risk that escalates once the agent has replied
    anger_rise: float
    anger_rise_min: float
    upset: float  # customer counts as upset for coaching and breach rules
    calm: float
    calm_turns: int
    urgency_high: float
    urgency_critical: float
    out_of_control_attempts: int
    reply_expected: float  # P(the message expects a reply) from which a reply timer starts
    first_reply_target_s: float
    reply_target_s: float
    badly_breached_s: float
    talkative_run: int
    talkative_chars: int
    expert_min_terms: int
