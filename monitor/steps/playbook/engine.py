"""Step 5: the playbook — which flags a scored message raises (PLAYBOOK §4).

- ``escalate_supervisor``: supervisor request, legal / regulator / media threats,
  insults, law-citing, still out of control after the agent's de-escalation attempts,
  repeat contact with anger, a badly breached response time with an angry customer.
- ``handle_emotion_first``: high or sharply rising anger the agent has not acknowledged.
- ``urgent``: high urgency.
- ``agent_coaching``: taboo phrases, mechanical replies or jokes to an upset customer,
  no empathy after anger, response-time targets missed (also when no reply comes:
  event-time timers, see ``timers.py``).

Episodes: a kind is raised once per episode; again only at a higher severity, or after
the conversation has calmed (``calm_turns`` calm customer messages in a row), which
resolves the open flags and starts a new episode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from monitor.privacy import excerpt
from monitor.records.conversation import ConversationState, OpenFlag
from monitor.records.events import Event
from monitor.records.flags import SEVERITY_RANK, Flag, Kind, Reason, Severity, Transition, flag_id_for
from monitor.records.scores import MessageScores
from monitor.records.settings import PlaybookSettings
from monitor.steps.playbook import customer_types
from monitor.steps.playbook import suggestions as sg
from monitor.steps.playbook.coaching import COACHING_REF, RESPONSE_REF, agent_reasons, suggestion_for
from monitor.steps.playbook.timers import Timer, Timers
from monitor.steps.risk import RiskFn, conversation_risk
from monitor.steps.state import ConversationStates


@dataclass(slots=True)
class Decision:
    flags: list[Flag] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: Kind
    severity: Severity
    reasons: tuple[Reason, ...]
    suggestion: str
    ref: str


@dataclass(frozen=True, slots=True)
class _Trigger:
    """The message a flag is about (for timers: the customer message left waiting)."""

    conversation_id: str
    message_id: str
    ts_ms: int
    text: str
    channel: str
    queue: str | None
    agent_id: str | None


class Playbook:
    """Turns scored events and conversation state into flags and lifecycle transitions."""

    def __init__(self, settings: PlaybookSettings, risk: RiskFn = conversation_risk,
                 channels: Mapping[str, PlaybookSettings] | None = None,
                 queues: Mapping[tuple[str, str], PlaybookSettings] | None = None) -> None:
        self.settings = settings
        self.channels = dict(channels or {})  # per-channel thresholds over ``settings``
        self.queues = dict(queues or {})  # per (channel, queue), over the channel's
        self.risk = risk
        self.timers = Timers()

    def settings_for(self, state: ConversationState) -> PlaybookSettings:
        """The thresholds and targets of the conversation's queue or channel."""
        if self.queues and state.queue is not None:
            own = self.queues.get((state.channel, state.queue))
            if own is not None:
                return own
        return self.channels.get(state.channel, self.settings) if self.channels else self.settings

    def evaluate(self, event: Event, scores: MessageScores, state: ConversationState,
                 risk: float) -> Decision:
        decision = Decision()
        trigger = _Trigger(event.conversation_id, event.message_id, event.ts_ms, event.text,
                           event.channel, event.queue, event.agent_id)
        if event.role == "agent":
            self._on_agent(event, state, decision)
            coaching = self._coaching(scores, state)
            if coaching:
                self._raise(coaching, trigger, state.last_anger, state.urgency_peak, state, risk,
                            decision)
            return decision
        if event.role != "customer":
            return decision
        if state.waiting_message_id == event.message_id:
            self._schedule(state)
        customer_types.observe(state, scores, self.settings_for(state))
        candidates = [c for c in (self._escalation(scores, state, risk), self._emotion(scores, state, risk),
                                  self._urgency(scores, state)) if c is not None]
        if not candidates and state.calm_streak >= self.settings.calm_turns:
            self._close_episode(state, event.ts_ms, decision)
            return decision
        for candidate in candidates:
            self._raise(candidate, trigger, scores.anger, scores.urgency, state, risk, decision)
        return decision

    def fire_timers(self, watermark_ms: int, states: ConversationStates) -> Decision:
        """Response-time rules for customers still waiting at ``watermark_ms`` (event time)."""
        decision = Decision()
        for timer in self.timers.due(watermark_ms):
            state = states.get(timer.conversation_id)
            if state is None or state.waiting_since_ms != timer.waiting_since_ms:
                continue  # answered meanwhile, or the conversation expired
            waited = (timer.due_ms - timer.waiting_since_ms) / 1000
            trigger = _Trigger(state.conversation_id, timer.message_id, timer.waiting_since_ms,
                               state.waiting_text, state.channel, state.queue,
                               state.last_agent_id)  # the agent who should have answered
            candidate = self._timer_candidate(timer.rule, waited, state)
            if candidate is not None:
                self._raise(candidate, trigger, state.last_anger, state.urgency_peak, state,
                            self.risk(state), decision)
        return decision

    # --- customer rules ----------------------------------------------------------------
    def _escalation(self, scores: MessageScores, state: ConversationState,
                    risk: float) -> _Candidate | None:
        s = self.settings_for(state)
        by_code = {x.code: x.detail for x in scores.signals}
        # The conversation is heading for a dissatisfied customer although the agent has
        # answered, and the customer is still angry: a supervisor should look (003 完全失控).
        if risk >= s.risk_escalate and state.agent_turns >= 1 and scores.anger >= s.anger_elevated:
            by_code["risk_high"] = f"对话风险 {risk:.2f}，愤怒分 {scores.anger:.2f}"
        angry = scores.anger >= s.anger_high or scores.anger_evidence >= s.anger_words_high
        if angry and state.acknowledgements >= s.out_of_control_attempts:
            state.customer_types |= {"out_of_control"}
            by_code["out_of_control"] = (f"坐席已安抚 {state.acknowledgements} 次，"
                                         f"愤怒分仍为 {scores.anger:.2f}")
        if "repeat_contact" in by_code and angry:
            by_code["repeat_angry"] = by_code["repeat_contact"]
        triggers = [c for c in sg.ESCALATE_ORDER if c in by_code]
        if not triggers:
            return None
        critical = bool(sg.CRITICAL_TRIGGERS & set(triggers)) or scores.anger >= s.anger_critical
        suggestion, ref = sg.ESCALATE[triggers[0]]
        return _Candidate("escalate_supervisor", "critical" if critical else "warning",
                          tuple(Reason(c, sg.label(c, by_code[c])) for c in triggers), suggestion, ref)

    def _emotion(self, scores: MessageScores, state: ConversationState,
                 risk: float) -> _Candidate | None:
        s = self.settings_for(state)
        if state.acknowledged:
            return None
        high = scores.anger >= s.anger_high
        at_risk = risk >= s.risk_elevated
        rising = (at_risk and scores.anger >= s.anger_rise_min
                  and scores.anger - state.prev_anger_ewma >= s.anger_rise)
        elevated = at_risk and scores.anger >= s.anger_elevated
        # Said in so many words (很生气, 太过分了, ！！！): the rules' evidence alone is enough.
        explicit = scores.anger_evidence >= s.anger_words_high
        # A bad review or a return threatened in anger (001 ch.4 case: 准备退货并给差评).
        review = "review_threat" in scores.codes() and scores.anger >= s.upset
        if high:
            reasons = [Reason("anger_high", f"愤怒分 {scores.anger:.2f}")]
        elif rising:
            reasons = [Reason("anger_rising",
                              f"愤怒分由 {state.prev_anger_ewma:.2f} 升至 {scores.anger:.2f}")]
        elif elevated:
            reasons = [Reason("anger_with_risk", f"愤怒分 {scores.anger:.2f}，对话风险 {risk:.2f}")]
        elif explicit:
            reasons = []  # the anger words and punctuation below are the reasons
        elif not review:
            return None
        else:
            reasons = []
        reasons += [Reason(x.code, sg.label(x.code, x.detail)) for x in scores.signals
                    if x.code in ("review_threat", "anger_words", "punctuation_run", "shouting_caps",
                                  "anger_emoticon", "repeat_contact", "anger_model")]
        if state.unacked_angry_turns > 1:
            reasons.append(Reason("not_acknowledged",
                                  f"客户已连续 {state.unacked_angry_turns} 次表达不满，坐席尚未安抚"))
        severity: Severity = "critical" if scores.anger >= s.anger_critical else "warning"
        suggestion, ref = sg.EMOTION_FIRST_REVIEW if reasons[0].code == "review_threat" else sg.EMOTION_FIRST
        return _Candidate("handle_emotion_first", severity, tuple(reasons), suggestion, ref)

    def _urgency(self, scores: MessageScores, state: ConversationState) -> _Candidate | None:
        s = self.settings_for(state)
        if scores.urgency < s.urgency_high:
            return None
        reasons = [Reason("urgency_high", f"紧急度 {scores.urgency:.2f}")]
        reasons += [Reason(x.code, sg.label(x.code, x.detail)) for x in scores.signals
                    if x.code in ("deadline", "occasion", "money_at_risk", "health_safety",
                                  "long_wait", "urgency_model")]
        # Health and safety is never less than critical, whatever the score (001 ch.7).
        critical = scores.urgency >= s.urgency_critical or "health_safety" in scores.codes()
        severity: Severity = "critical" if critical else "warning"
        codes = {r.code for r in reasons}
        rule = next((sg.URGENT_BY_REASON[c] for c in sg.URGENT_ORDER if c in codes), sg.URGENT)
        return _Candidate("urgent", severity, tuple(reasons), *rule)

    # --- agent rules and timers --------------------------------------------------------
    def _coaching(self, scores: MessageScores, state: ConversationState) -> _Candidate | None:
        s = self.settings_for(state)
        upset = state.last_anger >= s.upset or "handle_emotion_first" in state.open_flags
        # Angry: the last message was, or an emotion-first flag waits for its acknowledgement.
        angry = state.last_anger >= s.anger_high or "handle_emotion_first" in state.open_flags
        found = agent_reasons(scores, state, upset=upset, angry=angry,
                              first_reply_target_s=s.first_reply_target_s,
                              reply_target_s=s.reply_target_s)
        if found is None:
            return None
        reasons, severity = found
        slow_only = all(r.code.startswith("slow_") for r in reasons)
        return _Candidate("agent_coaching", severity, reasons, suggestion_for(reasons),
                          RESPONSE_REF if slow_only else COACHING_REF)

    def _schedule(self, state: ConversationState) -> None:
        s = self.settings_for(state)
        since, mid = state.waiting_since_ms, state.waiting_message_id
        assert since is not None and mid is not None
        target = s.first_reply_target_s if state.agent_turns == 0 else s.reply_target_s
        self.timers.add(Timer(since + int(target * 1000), state.conversation_id, since, mid, "no_reply"))
        self.timers.add(Timer(since + int(s.badly_breached_s * 1000), state.conversation_id, since,
                              mid, "badly_breached"))

    def _timer_candidate(self, rule: str, waited_s: float,
                         state: ConversationState) -> _Candidate | None:
        s = self.settings_for(state)
        upset = state.anger_ewma >= s.upset or state.last_anger >= s.upset
        if rule == "badly_breached":
            if not upset:
                return None
            suggestion, ref = sg.ESCALATE["response_breach_angry"]
            detail = f"客户已等待 {waited_s:.0f} 秒未获回复，愤怒分 {state.last_anger:.2f}"
            reason = Reason("response_breach_angry", sg.label("response_breach_angry", detail))
            return _Candidate("escalate_supervisor", "warning", (reason,), suggestion, ref)
        reason = Reason("no_reply", f"客户已等待 {waited_s:.0f} 秒，坐席尚未回复")
        return _Candidate("agent_coaching", "warning" if upset else "info", (reason,),
                          suggestion_for((reason,)), RESPONSE_REF)

    # --- episodes ----------------------------------------------------------------------
    def _raise(self, c: _Candidate, t: _Trigger, anger: float, urgency: float,
               state: ConversationState, risk: float, decision: Decision) -> None:
        current = state.open_flags.get(c.kind)
        if current is not None and SEVERITY_RANK[current.severity] >= SEVERITY_RANK[c.severity]:
            return  # same episode, nothing new to say
        if current is not None:  # superseded by a more severe flag of the same kind
            decision.transitions.append(Transition(current.flag_id, "resolved", t.ts_ms, "superseded"))
        types = customer_types.ordered(state.customer_types)
        suggestion, ref = customer_types.with_tips(c.suggestion, c.ref, types)
        flag = Flag(
            flag_id=flag_id_for(t.conversation_id, t.message_id, c.kind, c.severity),
            conversation_id=t.conversation_id, message_id=t.message_id, ts_ms=t.ts_ms,
            raised_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            kind=c.kind, severity=c.severity,
            scores={"anger": anger, "urgency": urgency, "conversation_risk": risk},
            reasons=c.reasons, suggestion=suggestion, playbook_ref=ref,
            excerpt=excerpt(t.text), complaint_type=state.complaint_type, customer_types=types,
            channel=t.channel, queue=t.queue, agent_id=t.agent_id,
        )
        state.open_flags[c.kind] = OpenFlag(flag.flag_id, c.severity)
        decision.flags.append(flag)

    def _on_agent(self, event: Event, state: ConversationState, decision: Decision) -> None:
        # The agent acknowledged the emotion: the emotion-first flag has been acted on.
        flag = state.open_flags.get("handle_emotion_first")
        if flag is not None and state.acknowledged and flag.status == "open":
            flag.status = "acknowledged"
            decision.transitions.append(
                Transition(flag.flag_id, "acknowledged", event.ts_ms, "agent_acknowledged"))

    def _close_episode(self, state: ConversationState, ts_ms: int, decision: Decision) -> None:
        for flag in state.open_flags.values():
            decision.transitions.append(Transition(flag.flag_id, "resolved", ts_ms, "calmed"))
        state.open_flags.clear()
