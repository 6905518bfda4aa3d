"""What is known about one conversation: the state step keeps it, the playbook, the
customer-type rules and the risk model read it."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field


@dataclass(slots=True)
class OpenFlag:
    flag_id: str
    severity: str
    status: str = "open"  # open -> acknowledged -> resolved (resolved flags are dropped)


@dataclass(slots=True)
class ConversationState:
    """What is known about one conversation; updated by ``ConversationStates.update``."""

    conversation_id: str
    last_ts_ms: int
    channel: str = "chat"
    queue: str | None = None
    customer_turns: int = 0
    agent_turns: int = 0
    anger_ewma: float = 0.0
    anger_peak: float = 0.0
    last_anger: float = 0.0
    prev_anger_ewma: float = 0.0
    urgency_peak: float = 0.0
    # The anger model's raw probability over customer turns (scores.anger_model).
    model_anger_peak: float = 0.0
    model_anger_sum: float = 0.0
    # The risk model's text contributions of the customer's messages (models/risk_model.py):
    # how many, their sum, max, the last one and a recency-weighted mean. No text is kept.
    text_turns: int = 0
    text_sum: float = 0.0
    text_max: float = 0.0
    text_last: float = 0.0
    text_ewma: float = 0.0
    # The oldest customer message still waiting for an agent reply: when, and which.
    waiting_since_ms: int | None = None
    waiting_message_id: str | None = None
    waiting_text: str = ""  # kept for the excerpt of a response-time flag; masked then
    # The agent's latest reply: how long the customer had waited, and whether the emotion
    # had been acknowledged before it (for the coaching rules).
    last_reply_wait_s: float | None = None
    ack_before_reply: bool = False
    first_customer_ts_ms: int | None = None
    first_reply_s: float | None = None
    # Agent acknowledged the emotion (empathy/apology) since the last angry customer turn.
    acknowledged: bool = False
    acknowledgements: int = 0
    angry_turns: int = 0
    # Angry customer turns since the agent last acknowledged the emotion.
    unacked_angry_turns: int = 0
    complaint_type: str | None = None
    calm_streak: int = 0
    signal_codes: set[str] = field(default_factory=set)
    # Customer messages since the agent last wrote, and all customer text (for 喋喋不休).
    customer_run: int = 0
    last_agent_id: str | None = None  # who is handling it: a late reply is coached to them
    customer_chars: int = 0
    # Difficult customer types seen so far (customer_types.py), and technical terms used.
    # Frozen sets: most conversations never get one, and the empty one is shared.
    customer_types: frozenset[str] = frozenset()
    expert_terms: frozenset[str] = frozenset()
    # Owned by the playbook: the open flag of each kind in the current episode.
    open_flags: dict[str, OpenFlag] = field(default_factory=dict)
    # Hashes of the message ids seen (for redelivered duplicates): 8 bytes each in an array
    # instead of a set of strings (~120 bytes each). A 64-bit hash of one process; two ids
    # of one conversation colliding is a chance of about 1 in 10^17. Past SEEN_SCAN ids the
    # array becomes a set: a scan per message would make a long conversation (a chatbot
    # thread, a hostile producer) quadratic — 60,000 messages took 53 s.
    seen_ids: array[int] | set[int] = field(default_factory=lambda: array("q"))
