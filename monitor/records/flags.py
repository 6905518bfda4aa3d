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

# Fixed namespace so flag ids are the same on every machine and every replay.
_FLAG_NS = uuid.UUID("6f1c1f3e-9a52-4a53-8d8e-3b0f6c2d7a10")


def flag_id_for(conversation_id: str, message_id: str, kind: str, severity: str) -> str:
    """Deterministic id: the same input events always give the same flag_id."""
    return str(uuid.uuid5(_FLAG_NS, "\x1f".join((conversation_id, message_id, kind, severity))))


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
