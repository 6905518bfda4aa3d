"""Step 4: per-conversation state, bounded in memory.

Everything the playbook needs about a conversation's course: recent customer anger
(EWMA and peak), turn counts, whether and when the agent replied and acknowledged
the emotion, and the open flag of each kind. Conversations idle for ``ttl_ms`` of
event time are expired, so memory is bounded by the number of live conversations
(see README, "Memory per conversation").
"""

from __future__ import annotations

import sys
from collections import OrderedDict

from monitor.models.risk_model import fold_text
from monitor.records.conversation import ConversationState
from monitor.records.events import Event
from monitor.records.scores import MessageScores

# How fast the EWMA forgets: each new customer message has this weight.
EWMA_ALPHA = 0.5
# Below this many messages a conversation's seen ids are scanned (small, and cache-friendly);
# above, kept in a set (ConversationState.seen_ids).
SEEN_SCAN = 256


class ConversationStates:
    """All live conversations, in least-recently-active order for cheap expiry."""

    def __init__(self, ttl_ms: int, calm_threshold: float, reply_threshold: float = 0.5) -> None:
        self.ttl_ms = ttl_ms
        self._calm = calm_threshold
        self._reply = reply_threshold
        self._by_id: OrderedDict[str, ConversationState] = OrderedDict()
        self.watermark_ms = 0  # highest event time seen
        self.expired = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, conversation_id: str) -> ConversationState | None:
        return self._by_id.get(conversation_id)

    def is_duplicate(self, event: Event) -> bool:
        state = self._by_id.get(event.conversation_id)
        return state is not None and hash(event.message_id) in state.seen_ids

    def update(self, event: Event, scores: MessageScores) -> ConversationState:
        """Fold one scored event into its conversation's state and return the state."""
        state = self._by_id.get(event.conversation_id)
        if state is None:
            # Interned: thousands of conversations share a handful of channel and queue names.
            state = ConversationState(event.conversation_id, event.ts_ms, sys.intern(event.channel),
                                      None if event.queue is None else sys.intern(event.queue))
            self._by_id[event.conversation_id] = state
        else:
            self._by_id.move_to_end(event.conversation_id)
        seen = state.seen_ids
        if isinstance(seen, set):
            seen.add(hash(event.message_id))
        elif len(seen) < SEEN_SCAN:
            seen.append(hash(event.message_id))
        else:
            state.seen_ids = {*seen, hash(event.message_id)}
        state.last_ts_ms = max(state.last_ts_ms, event.ts_ms)
        if event.ts_ms > self.watermark_ms:  # the pipeline advances first; kept for direct use
            self.watermark_ms = event.ts_ms
        if event.role == "customer":
            self._customer(state, event, scores)
        elif event.role == "agent":
            self._agent(state, event, scores)
        return state

    def _customer(self, s: ConversationState, event: Event, scores: MessageScores) -> None:
        s.customer_turns += 1
        s.customer_run += 1
        s.customer_chars += len(event.text)
        if s.first_customer_ts_ms is None:
            s.first_customer_ts_ms = event.ts_ms
        if s.waiting_since_ms is None and self.expects_reply(scores):
            s.waiting_since_ms = event.ts_ms
            s.waiting_message_id = event.message_id
            s.waiting_text = event.text
        s.prev_anger_ewma = s.anger_ewma
        s.anger_ewma = EWMA_ALPHA * scores.anger + (1 - EWMA_ALPHA) * s.anger_ewma
        s.anger_peak = max(s.anger_peak, scores.anger)
        s.last_anger = scores.anger
        s.urgency_peak = max(s.urgency_peak, scores.urgency)
        if scores.anger_model is not None:
            s.model_anger_peak = max(s.model_anger_peak, scores.anger_model)
            s.model_anger_sum += scores.anger_model
        if scores.risk_text is not None:
            fold_text(s, scores.risk_text)
        s.signal_codes.update(scores.codes())
        if scores.complaint_type:
            s.complaint_type = scores.complaint_type
        if scores.anger > self._calm:
            s.angry_turns += 1
            s.unacked_angry_turns += 1
            s.calm_streak = 0
            # A new flare-up needs acknowledging again only if the agent had not yet.
            if scores.anger > s.prev_anger_ewma + 0.25:
                s.acknowledged = False
        else:
            s.calm_streak += 1

    def expects_reply(self, scores: MessageScores) -> bool:
        """Whether a customer message starts the reply clock: not a closing of the playbook's
        list, and (with the reply model) likely enough to expect an answer."""
        if "closing" in scores.codes():
            return False
        return scores.expects_reply is None or scores.expects_reply >= self._reply

    def _agent(self, s: ConversationState, event: Event, scores: MessageScores) -> None:
        s.agent_turns += 1
        s.customer_run = 0
        if event.agent_id:
            s.last_agent_id = event.agent_id
        if s.first_reply_s is None and s.first_customer_ts_ms is not None:
            s.first_reply_s = max(0.0, (event.ts_ms - s.first_customer_ts_ms) / 1000)
        s.last_reply_wait_s = (None if s.waiting_since_ms is None
                               else max(0.0, (event.ts_ms - s.waiting_since_ms) / 1000))
        s.ack_before_reply = s.acknowledged
        s.waiting_since_ms = None
        s.waiting_message_id = None
        s.waiting_text = ""
        codes = scores.codes()
        if "agent_empathy" in codes or "agent_apology" in codes:
            s.acknowledged = True
            s.acknowledgements += 1
            s.unacked_angry_turns = 0

    def advance(self, ts_ms: int) -> list[ConversationState]:
        """Move stream time (the highest event time seen) up to ``ts_ms`` and drop the
        conversations idle longer than the TTL; return them. Each one expired at its
        ``last_ts_ms + ttl_ms`` in event time, whenever this call notices it."""
        if ts_ms > self.watermark_ms:
            self.watermark_ms = ts_ms
        return self.expire()

    def expire(self) -> list[ConversationState]:
        """Drop conversations idle longer than the TTL (event time); return them."""
        cutoff = self.watermark_ms - self.ttl_ms
        head = next(iter(self._by_id.values()), None)
        if head is None or head.last_ts_ms >= cutoff:
            return []  # the common case, per event: nothing idle that long
        gone = []
        while self._by_id:
            cid, state = next(iter(self._by_id.items()))
            if state.last_ts_ms >= cutoff:
                break
            del self._by_id[cid]
            gone.append(state)
        self.expired += len(gone)
        return gone
