"""The processing steps in order, for one batch: parse → normalise → score →
conversation state → risk → playbook. Sinks and commit are the stream processor's job
(``monitor/stream``).
"""

from __future__ import annotations

from monitor.records.errors import InvalidMessage
from monitor.records.events import Event, RawRecord
from monitor.records.flags import Transition
from monitor.records.results import BatchResult, DeadLetter, Processed
from monitor.steps.normalise import normalise_batch
from monitor.steps.parse import parse_record
from monitor.steps.playbook.engine import Decision, Playbook
from monitor.steps.risk import RiskFn, conversation_risk
from monitor.steps.scoring import Scorer
from monitor.steps.state import ConversationStates


class Pipeline:
    """Runs the steps over a batch. Holds the conversation state between batches."""

    def __init__(self, scorer: Scorer, states: ConversationStates, playbook: Playbook,
                 risk: RiskFn = conversation_risk) -> None:
        self.scorer = scorer
        self.states = states
        self.playbook = playbook
        self.risk = risk

    def process(self, records: list[RawRecord]) -> BatchResult:
        result = BatchResult()
        events: list[Event] = []
        batch_ids: set[tuple[str, str]] = set()
        for record in records:
            try:
                event = parse_record(record)
            except InvalidMessage as exc:
                result.dead_letters.append(DeadLetter(exc.reason, exc.detail, record))
                continue
            key = (event.conversation_id, event.message_id)
            if key in batch_ids or self.states.is_duplicate(event):
                result.duplicates += 1  # the idempotency key: processed once
                continue
            batch_ids.add(key)
            events.append(event)
        events = normalise_batch(events)

        # Scoring is batched: trained models vectorise a whole batch at once.
        for event, scores in zip(events, self.scorer.score_batch(events), strict=True):
            # Timers fire per event, not per batch, so flags do not depend on batch size.
            if self.playbook.timers.any_due(event.ts_ms):
                self._collect(result, self.playbook.fire_timers(event.ts_ms, self.states))
            state = self.states.update(event, scores)
            risk = self.risk(state)
            decision = self.playbook.evaluate(event, scores, state, risk)
            if event.role == "agent":
                first = state.agent_turns == 1 and state.first_reply_s is not None
                wait = state.first_reply_s if first else state.last_reply_wait_s
                result.processed.append(Processed(event, scores, risk, wait, first))
            else:
                result.processed.append(Processed(event, scores, risk))
            self._collect(result, decision)

        self._collect(result, self.playbook.fire_timers(self.states.watermark_ms, self.states))
        for gone in self.states.expire():
            result.transitions.extend(
                Transition(f.flag_id, "resolved", self.states.watermark_ms, "conversation_expired")
                for f in gone.open_flags.values()
            )
        return result

    def open_conversations(self) -> int:
        return len(self.states)

    def advance_watermark(self, to_ms: int) -> BatchResult:
        """Move stream time on without an event (a caught-up, idle partition; see
        ``partitions.py``) and fire the reply timers that became due."""
        result = BatchResult()
        if to_ms > self.states.watermark_ms:
            self.states.watermark_ms = to_ms
            self._collect(result, self.playbook.fire_timers(to_ms, self.states))
        return result

    def advance_clock(self, now_ms: int) -> BatchResult:
        """Fire due timers of a live source whose stream is idle (wall clock as watermark).

        Only when the stream is live, i.e. its event time is within the conversation TTL
        of the wall clock: a replay of old events never has timers fired by the clock,
        so it gives the same flags as the live run did.
        """
        result = BatchResult()
        live = 0 < now_ms - self.states.watermark_ms < self.states.ttl_ms
        if live:
            self.states.watermark_ms = now_ms
            self._collect(result, self.playbook.fire_timers(now_ms, self.states))
        return result

    @staticmethod
    def _collect(result: BatchResult, decision: Decision) -> None:
        result.flags.extend(decision.flags)
        result.transitions.extend(decision.transitions)
