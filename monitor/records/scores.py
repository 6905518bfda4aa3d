"""The scores of one message, as the scoring step hands them to the next steps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: a bounded ``code`` and the matched words as ``detail``."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class MessageScores:
    """Scores of one message. Agent and system messages carry signals only."""

    anger: float
    urgency: float
    complaint_type: str | None
    signals: tuple[Signal, ...]
    # The anger model's own probability, before the rules-floor and ``MODEL_MIN`` (None:
    # no model). Graded evidence for the conversation-risk model; flags use ``anger``.
    anger_model: float | None = None
    # The rules' anger from graded evidence only (anger words, emoticons, punctuation
    # runs, capitals): what the fitted combination weighs beside the model. Threats,
    # insults, supervisor demands and repeat contact are reasons for flags, not anger.
    anger_evidence: float = 0.0
    # The message's contribution to the conversation-risk model (None: no such model).
    risk_text: float | None = None
    # P(the message expects an answer) from the reply model (None: no such model).
    expects_reply: float | None = None

    def codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.signals)
