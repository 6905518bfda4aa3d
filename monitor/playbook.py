"""Step 5: the playbook — decide which flags a scored message raises (PLAYBOOK §4).

First version: ``escalate_supervisor`` (explicit supervisor request, legal /
regulator / media threats, insults), ``handle_emotion_first`` (high or sharply
rising anger the agent has not acknowledged) and ``urgent`` (high urgency).

Episodes: a kind is raised once per episode. It is raised again only at a higher
severity, or after the conversation has calmed (``calm_turns`` calm customer
messages in a row), which resolves the open flags and starts a new episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from monitor.events import Event
from monitor.flags import SEVERITY_RANK, Flag, Kind, Reason, Severity, Transition, flag_id_for
from monitor.privacy import excerpt
from monitor.scoring import MessageScores
from monitor.state import ConversationState, OpenFlag


@dataclass(frozen=True, slots=True)
class PlaybookSettings:
    """Thresholds a support operations lead may tune."""

    anger_high: float = 0.5
    anger_critical: float = 0.75
    anger_rise: float = 0.3
    anger_rise_min: float = 0.35
    calm: float = 0.25
    calm_turns: int = 2
    urgency_high: float = 0.5
    urgency_critical: float = 0.8


@dataclass(slots=True)
class Decision:
    flags: list[Flag] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)


# (suggestion, playbook_ref) per trigger. Written for agents and supervisors on the floor.
_EMOTION_FIRST = (
    "客户情绪激动：先处理情绪，再处理事情。下一条回复先不要解释原因或争辩，"
    "先真诚致歉并表达理解（例如“非常抱歉给您带来不便，您的心情我非常理解”），"
    "让客户把话说完，等情绪缓和后再确认问题细节。",
    "seed 003 · 7A (Accept·Apologize·Acknowledge); seed 000 §3.4",
)
_ESCALATE: dict[str, tuple[str, str]] = {
    "supervisor_request": (
        "客户要求找主管/升级处理：请主管尽快接手。接手前坐席先告诉客户诉求已记录、"
        "主管将在几分钟内联系，不要推诿或反复解释。",
        "seed 003 · 要求升级投诉",
    ),
    "legal_threat": (
        "客户提到法律途径：请主管介入。不要与客户争论法律问题；按投诉流程受理并记录"
        "（5W1H），给出明确的处理方案和回复时间。",
        "seed 003 · 法律型客户; seed 002 §4.2",
    ),
    "regulator_threat": (
        "客户提到向12315/消协等监管部门投诉：请主管介入，正面受理，记录诉求，"
        "给出处理方案和明确时限，并安排跟进回访。",
        "seed 003 · 法律型客户; seed 002 §4.2",
    ),
    "media_threat": (
        "客户提到曝光/媒体：请主管介入，优先处理。先致歉并表示重视，给出具体方案和时限，"
        "避免任何承诺以外的说法。",
        "seed 003 · 要求升级投诉; seed 001 ch.5",
    ),
    "cites_law": (
        "客户引用法律条款（法律型客户）：请主管或熟悉规则的同事把关答复。按规定说明处理方案，"
        "不要与客户争论条文，给出明确的办理时间。",
        "seed 003 · 法律型客户",
    ),
    "insult": (
        "客户情绪失控并出现辱骂：坐席保持冷静、不回击；多用简单的封闭式问题、放慢节奏。"
        "如客户仍然失控，请主管接手。",
        "seed 003 · 完全失控的客户",
    ),
}
_ESCALATE_ORDER = ("legal_threat", "regulator_threat", "media_threat", "supervisor_request",
                   "insult", "cites_law")
_CRITICAL_TRIGGERS = frozenset({"legal_threat", "regulator_threat", "media_threat"})
_URGENT = (
    "客户需求紧急：优先处理本会话。回复里给出具体的时间承诺（例如“我现在就为您加急，"
    "今天18点前给您回复处理结果”），随后立即行动并按时跟进。",
    "seed 001 ch.5 (生日礼物案例); seed 001 ch.7",
)
_REASON_LABELS = {
    "supervisor_request": "要求找主管/升级",
    "legal_threat": "提到法律途径",
    "cites_law": "引用法律条款",
    "regulator_threat": "提到监管部门",
    "media_threat": "提到曝光/媒体",
    "insult": "辱骂",
    "anger_words": "愤怒用语",
    "punctuation_run": "连续标点",
    "shouting_caps": "大写字母",
    "anger_emoticon": "愤怒表情",
    "repeat_contact": "重复来电/反复未解决",
    "deadline": "时间紧迫",
    "occasion": "特殊场合",
    "money_at_risk": "资金/账户风险",
    "health_safety": "健康/安全",
    "long_wait": "已等待很久",
}


def _reason(code: str, detail: str) -> Reason:
    label = _REASON_LABELS.get(code)
    return Reason(code, f"{label}：{detail}" if label else detail)


class Playbook:
    """Turns one scored event plus its conversation state into flags and transitions."""

    def __init__(self, settings: PlaybookSettings) -> None:
        self.settings = settings

    def evaluate(
        self, event: Event, scores: MessageScores, state: ConversationState, risk: float
    ) -> Decision:
        decision = Decision()
        if event.role == "agent":
            self._on_agent(event, state, decision)
            return decision
        if event.role != "customer":
            return decision
        candidates = [c for c in (self._escalation(scores), self._emotion(scores, state),
                                  self._urgency(scores)) if c is not None]
        if not candidates and state.calm_streak >= self.settings.calm_turns:
            self._close_episode(state, event.ts_ms, decision)
            return decision
        for kind, severity, reasons, (suggestion, ref) in candidates:
            self._raise(kind, severity, reasons, suggestion, ref, event, scores, state, risk,
                        decision)
        return decision

    # --- rules -------------------------------------------------------------------------
    def _escalation(self, scores: MessageScores) -> _Candidate | None:
        by_code = {s.code: s.detail for s in scores.signals}
        triggers = [c for c in _ESCALATE_ORDER if c in by_code]
        if not triggers:
            return None
        critical = (bool(_CRITICAL_TRIGGERS & set(triggers))
                    or scores.anger >= self.settings.anger_critical)
        reasons = tuple(_reason(c, by_code[c]) for c in triggers)
        return ("escalate_supervisor", "critical" if critical else "warning", reasons,
                _ESCALATE[triggers[0]])

    def _emotion(self, scores: MessageScores, state: ConversationState) -> _Candidate | None:
        s = self.settings
        high = scores.anger >= s.anger_high
        rising = (scores.anger >= s.anger_rise_min
                  and scores.anger - state.prev_anger_ewma >= s.anger_rise)
        if state.acknowledged or not (high or rising):
            return None
        reasons = [Reason("anger_high" if high else "anger_rising",
                          f"愤怒分 {scores.anger:.2f}" if high else
                          f"愤怒分由 {state.prev_anger_ewma:.2f} 升至 {scores.anger:.2f}")]
        reasons += [_reason(x.code, x.detail) for x in scores.signals
                    if x.code in ("anger_words", "punctuation_run", "shouting_caps",
                                  "anger_emoticon", "repeat_contact")]
        if state.unacked_angry_turns > 1:
            reasons.append(Reason("not_acknowledged",
                                  f"客户已连续 {state.unacked_angry_turns} 次表达不满，坐席尚未安抚"))
        severity: Severity = "critical" if scores.anger >= s.anger_critical else "warning"
        return ("handle_emotion_first", severity, tuple(reasons), _EMOTION_FIRST)

    def _urgency(self, scores: MessageScores) -> _Candidate | None:
        s = self.settings
        if scores.urgency < s.urgency_high:
            return None
        reasons = [Reason("urgency_high", f"紧急度 {scores.urgency:.2f}")]
        reasons += [_reason(x.code, x.detail) for x in scores.signals
                    if x.code in ("deadline", "occasion", "money_at_risk", "health_safety",
                                  "long_wait")]
        severity: Severity = "critical" if scores.urgency >= s.urgency_critical else "warning"
        return ("urgent", severity, tuple(reasons), _URGENT)

    # --- episodes ----------------------------------------------------------------------
    def _raise(self, kind: Kind, severity: Severity, reasons: tuple[Reason, ...],
               suggestion: str, ref: str, event: Event, scores: MessageScores,
               state: ConversationState, risk: float, decision: Decision) -> None:
        current = state.open_flags.get(kind)
        if current is not None and SEVERITY_RANK[current.severity] >= SEVERITY_RANK[severity]:
            return  # same episode, nothing new to say
        if current is not None:  # superseded by a more severe flag of the same kind
            decision.transitions.append(
                Transition(current.flag_id, "resolved", event.ts_ms, "superseded"))
        flag = Flag(
            flag_id=flag_id_for(event.conversation_id, event.message_id, kind, severity),
            conversation_id=event.conversation_id,
            message_id=event.message_id,
            ts_ms=event.ts_ms,
            raised_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            kind=kind,
            severity=severity,
            scores={"anger": scores.anger, "urgency": scores.urgency, "conversation_risk": risk},
            reasons=reasons,
            suggestion=suggestion,
            playbook_ref=ref,
            excerpt=excerpt(event.text),
            complaint_type=scores.complaint_type or state.complaint_type,
            channel=event.channel,
            queue=event.queue,
            agent_id=event.agent_id,
        )
        state.open_flags[kind] = OpenFlag(flag.flag_id, severity)
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


_Candidate = tuple[Kind, Severity, tuple[Reason, ...], tuple[str, str]]
