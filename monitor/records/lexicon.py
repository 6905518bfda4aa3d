"""The term lists behind the rule scorer and the customer-type rules.

The terms themselves live in the playbook file (``monitor/data/playbook.yaml`` by
default, see ``playbook_file.py``), where a support operations lead can edit them.
Signal codes are a fixed vocabulary: they appear in flag reasons and may become
metric labels, so a playbook file can change the terms of a code, not add codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Weights = Mapping[str, float]
Terms = tuple[str, ...]

# Codes whose terms add to the rules' anger score (all of them do; threats escalate as well).
CUSTOMER_SIGNALS = ("anger_words", "insult", "anger_emoticon", "supervisor_request",
                    "legal_threat", "cites_law", "regulator_threat", "media_threat",
                    "repeat_contact", "review_threat")
# The graded evidence of anger among them; the others are hard signals that raise flags
# as reasons of their own (and are noise as anger: 曝光 in a news post, 找领导 said calmly).
ANGER_EVIDENCE = frozenset({"anger_words", "anger_emoticon"})
URGENCY_SIGNALS = ("deadline", "occasion", "money_at_risk", "health_safety")
COMPLAINT_TYPES = ("product_quality", "logistics", "after_sales", "price", "wrong_info")
AGENT_SIGNALS = ("empathy", "apology", "taboo_challenge", "taboo_cold", "slang", "joking",
                 "mechanical")
# Customer types recognised by cue words; the others come from the conversation's course.
CUE_TYPES = ("habitual_complainer", "refuses_info", "comparer", "expert", "billing_dispute")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All term lists, keyed by signal code."""

    customer: Mapping[str, Weights]       # CUSTOMER_SIGNALS -> term -> weight
    urgency: Mapping[str, Weights]        # URGENCY_SIGNALS -> term -> weight
    urgency_negations: Terms
    negators: Terms
    negation_fillers: str
    ignore: Terms                         # phrases blanked before customer terms are matched
    complaint_types: Mapping[str, Terms]  # COMPLAINT_TYPES -> terms
    agent: Mapping[str, Terms]            # AGENT_SIGNALS -> terms
    customer_closing: Terms
    type_cues: Mapping[str, Terms]        # CUE_TYPES -> terms
