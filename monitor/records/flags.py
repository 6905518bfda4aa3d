"""The flag record of CONTRACT §2 and its lifecycle transitions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from monitor.records.events import format_ts

Kind = Literal["handle_emotion_first", "escalate_supervisor", "urgent", "agent_coaching"]
Severity = Literal["info", "warning", "critical"]
Status = Literal["open", "acknowledged", "resolved"]
KINDS: tuple[Kind, ...] = ("handle_emotion_first", "escalate_supervisor", "urgent",
                           "agent_coaching")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
# How a supervisor reads them.
KIND_LABELS: dict[str, str] = {"handle_emotion_first": "先处理情绪", "escalate_supervisor": "转主管",
                               "urgent": "紧急", "agent_coaching": "坐席辅导"}
SEVERITY_LABELS: dict[str, str] = {"critical": "严重", "warning": "警告", "info": "提示"}
# The codes of ``Flag.reasons`` as a supervisor reads them.
REASON_LABELS = {
    "legal_threat": "法律威胁", "regulator_threat": "监管投诉威胁", "media_threat": "媒体曝光威胁",
    "supervisor_request": "要求找主管", "insult": "辱骂", "out_of_control": "安抚后仍失控",
    "repeat_angry": "重复联系且愤怒", "response_breach_angry": "久未回复且愤怒", "cites_law": "引用法律",
    "anger_high": "愤怒分高", "anger_rising": "愤怒上升", "anger_words": "愤怒用语",
    "punctuation_run": "连续标点", "not_acknowledged": "未安抚", "urgency_high": "紧急度高",
    "deadline": "时间紧迫", "occasion": "特殊场合", "money_at_risk": "资金风险",
    "health_safety": "健康安全", "long_wait": "已等待很久", "no_reply": "未回复",
    "slow_first_reply": "首次回复慢", "slow_reply": "回复慢", "no_empathy": "未表达理解",
    "rhetorical_challenge": "反问质疑", "cold_reply": "冷处理", "slang": "网络用语",
    "joking_with_upset": "对不满客户开玩笑", "mechanical_reply": "机械回复",
    "anger_with_risk": "愤怒且对话风险高", "risk_high": "对话风险高", "review_threat": "退货/差评威胁",
    "anger_model": "模型判为不满", "urgency_model": "模型判为紧急", "anger_emoticon": "愤怒表情",
    "repeat_contact": "重复联系", "shouting_caps": "大写字母（喊叫）",
}
# The reasons a person gives for a false alarm (CONTRACT §5).
FALSE_ALARM_LABELS = {"not_angry": "客户并不愤怒", "not_urgent": "并不紧急",
                      "no_reply_needed": "这条消息无需回复", "already_handled": "已经处理过了",
                      "wrong_kind": "提醒类型不对", "other": "其他"}

# Fixed namespace so flag ids are the same on every machine and every replay.
_FLAG_NS = uuid.UUID("6f1c1f3e-9a52-4a53-8d8e-3b0f6c2d7a10")


def flag_id_for(conversation_id: str, message_id: str, kind: str, severity: str) -> str:
    """Deterministic id: the same input events always give the same flag_id."""
    return str(uuid.uuid5(_FLAG_NS, "\x1f".join((conversation_id, message_id, kind, severity))))


def reason_terms(reasons: list[dict[str, Any]]) -> list[str]:
    """The matched words a reason names ("愤怒用语：气死、垃圾" -> 气死, 垃圾), longest first."""
    terms: list[str] = []
    for r in reasons:
        detail = str(r.get("detail", ""))
        if "：" in detail:
            for term in detail.split("：", 1)[1].split("、"):
                term = term.strip()
                # Not a score (0.91): a number the customer wrote (12315) is evidence.
                if term and "." not in term and term not in terms:
                    terms.append(term)
    return sorted(terms, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Flag:
    """One raised flag. ``excerpt`` is already masked."""

    flag_id: str
    conversation_id: str
    message_id: str
    ts_ms: int
    raised_at: str
    kind: Kind
    severity: Severity
    scores: dict[str, float]
    reasons: tuple[Reason, ...]
    suggestion: str
    playbook_ref: str
    excerpt: str
    complaint_type: str | None = None
    customer_types: tuple[str, ...] = ()
    channel: str = "chat"
    queue: str | None = None
    agent_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "flag_id": self.flag_id,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "ts": format_ts(self.ts_ms),
            "raised_at": self.raised_at,
            "kind": self.kind,
            "severity": self.severity,
            "scores": self.scores,
            "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons],
            "suggestion": self.suggestion,
            "playbook_ref": self.playbook_ref,
            "excerpt": self.excerpt,
            "channel": self.channel,
        }
        if self.complaint_type:
            out["complaint_type"] = self.complaint_type
        if self.customer_types:
            out["customer_types"] = list(self.customer_types)
        if self.queue is not None:
            out["queue"] = self.queue
        if self.agent_id is not None:
            out["agent_id"] = self.agent_id
        return out


@dataclass(frozen=True, slots=True)
class Transition:
    """A flag's move to ``acknowledged`` or ``resolved``, at event time ``ts_ms``."""

    flag_id: str
    status: Status
    ts_ms: int
    reason: str = field(default="")
