"""The processing steps in order, for one batch: parse → normalise → score →
conversation state → risk → playbook. Sinks and commit are the stream processor's job
(``monitor/stream``).

Everything that depends on time happens at one point per event, in the order the events
arrive, so the outputs do not depend on where a batch was cut (a file read in batches of
1 or 500, Kafka polls, a rebuild, a redelivery). Before an event is applied:

1. an event further than ``max_skew`` from stream time is dead-lettered
   (``timestamp_out_of_range``): one record dated 2999 would otherwise move the clock
   of every conversation and expire them all;
2. reply timers due before the event's own time fire (a reply right at the target is on
   time). A late event — older than stream time — fires only timers due before its own
   time, so its conversation's answer, arriving next, still counts;
3. stream time (the highest event time seen) moves up to the event's time and
   conversations idle longer than the TTL expire, at ``last event + TTL``;
4. a message already seen in its conversation is a duplicate and skipped.

Scoring alone is batched: the trained models vectorise a batch in one call, and a
message's scores depend only on its own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.records.conversation import ConversationState
from monitor.records.errors import InvalidMessage
from monitor.records.events import Event, RawRecord
from monitor.records.flags import Transition
from monitor.records.results import BatchResult, DeadLetter, Processed
from monitor.records.scores import MessageScores
from monitor.steps.normalise import normalise_batch
from monitor.steps.parse import ParseLimits, parse_record
from monitor.steps.playbook.engine import Decision, Playbook
from monitor.steps.risk import RiskFn, conversation_risk
from monitor.steps.scoring import Scorer
from monitor.steps.state import ConversationStates

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Limits:
    """Input limits: text length (``parse``) and the largest distance of an event from
    stream time (``max_skew_ms``)."""

    parse: ParseLimits = field(default_factory=ParseLimits)
    max_skew_ms: int = 7 * DAY_MS


class Pipeline:
    """Runs the steps over a batch. Holds the conversation state between batches."""

    def __init__(self, scorer: Scorer, states: ConversationStates, playbook: Playbook,
                 risk: RiskFn = conversation_risk, limits: Limits | None = None) -> None:
        self.scorer = scorer
        self.states = states
        self.playbook = playbook
        self.risk = risk
        self.limits = limits or Limits()

    def process(self, records: list[RawRecord]) -> BatchResult:
        result = BatchResult()
        parsed: list[Event | DeadLetter] = []
        for record in records:
            try:
                parsed.append(parse_record(record, self.limits.parse))
            except InvalidMessage as exc:
                parsed.append(DeadLetter.of(exc, record))
        events = normalise_batch([p for p in parsed if isinstance(p, Event)])
        scored = iter(zip(events, self.scorer.score_batch(events), strict=True))
        for item in parsed:  # in record order: dead letters keep their place too
            if isinstance(item, DeadLetter):
                result.dead_letters.append(item)
            else:
                self._step(*next(scored), result)
        return result

    def _step(self, event: Event, scores: MessageScores, result: BatchResult) -> None:
        states = self.states
        skew = event.ts_ms - states.watermark_ms
        if states.watermark_ms and abs(skew) > self.limits.max_skew_ms:
            days = abs(skew) / DAY_MS
            result.dead_letters.append(DeadLetter(
                "timestamp_out_of_range",
                f"event time is {days:.1f} days {'after' if skew > 0 else 'before'} the stream's "
                f"time (limit {self.limits.max_skew_ms / DAY_MS:g} days)",
                event.record or RawRecord(None, "", 0), event.conversation_id))
            return
        if self.playbook.timers.any_due(event.ts_ms):
            self._collect(result, self.playbook.fire_timers(event.ts_ms, states))
        self._expire(states.advance(event.ts_ms), result)
        if states.is_duplicate(event):
            result.duplicates += 1  # the idempotency key: processed once
            return
        state = states.update(event, scores)
        risk = self.risk(state)
        decision = self.playbook.evaluate(event, scores, state, risk)
        if event.role == "agent":
            first = state.agent_turns == 1 and state.first_reply_s is not None
            wait = state.first_reply_s if first else state.last_reply_wait_s
            result.processed.append(Processed(event, scores, risk, wait, first))
        else:
            result.processed.append(Processed(event, scores, risk))
        self._collect(result, decision)

    def _expire(self, gone: list[ConversationState], result: BatchResult) -> None:
        ttl = self.states.ttl_ms
        for state in gone:
            result.transitions.extend(
                Transition(f.flag_id, "resolved", state.last_ts_ms + ttl, "conversation_expired")
                for f in state.open_flags.values())

    def open_conversations(self) -> int:
        return len(self.states)

    def advance_watermark(self, to_ms: int) -> BatchResult:
        """Move stream time on without an event (a caught-up, idle partition, see
        ``monitor/stream/partitions.py``; a clean stop) and fire the reply timers due
        before it, as the next event at that time would."""
        result = BatchResult()
        to_ms = max(to_ms, self.states.watermark_ms)
        if self.playbook.timers.any_due(to_ms):
            self._collect(result, self.playbook.fire_timers(to_ms, self.states))
        self._expire(self.states.advance(to_ms), result)
        return result

    def advance_clock(self, now_ms: int) -> BatchResult:
        """Fire due timers of a live source whose stream is idle (wall clock as stream time).

        Only when the stream is live, i.e. its event time is within the conversation TTL
        of the wall clock: a replay of old events never has timers fired by the clock,
        so it gives the same flags as the live run did.
        """
        if 0 < now_ms - self.states.watermark_ms < self.states.ttl_ms:
            return self.advance_watermark(now_ms)
        return BatchResult()

    def finish(self) -> BatchResult:
        """The end of the input: fire every timer already due at stream time."""
        return self.advance_watermark(self.states.watermark_ms)

    @staticmethod
    def _collect(result: BatchResult, decision: Decision) -> None:
        result.flags.extend(decision.flags)
        result.transitions.extend(decision.transitions)
