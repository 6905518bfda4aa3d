"""Agent-side rules (PLAYBOOK §3, §4 "Agent coaching"): taboo phrases, mechanical
one-word replies to an upset customer, no empathy after anger, response times.
"""

from __future__ import annotations

from monitor.records.conversation import ConversationState
from monitor.records.flags import Reason, Severity
from monitor.records.scores import MessageScores

COACHING_REF = "seed 003 · 通话禁忌; seed 001 ch.4 (误区一/二/三)"
RESPONSE_REF = "seed 001 ch.4 (首次响应≤1分钟, 详细答复≤3分钟); seed 001 ch.8"

_TIPS = {
    "rhetorical_challenge": "不要用反问或质疑的口气（如“您自己看说明书就知道了”），改为直接告诉客户怎么做。",
    "cold_reply": "避免冷处理（“这是规定/没办法”）：先表示理解，再说明能做什么、什么时候做。",
    "slang": "不使用网络用语和缩写（如 yyds、ks），用规范、礼貌的表达。",
    "joking_with_upset": "客户正在不满时不要开玩笑或过分亲热（热处理），保持真诚、专业。",
    "mechanical_reply": "不要只回“好的/收到/嗯”：说明已经做了什么、下一步是什么、多久给结果。",
    "no_empathy": "客户表达了不满，回复里先致歉并表达理解，再处理问题（先处理情绪）。",
    "slow_first_reply": "首次响应目标为1分钟内：先简短回应，告诉客户正在处理。",
    "slow_reply": "答复目标为3分钟内；复杂问题请在5分钟内给出预计解决时间。",
    "no_reply": "客户在等待回复：立即回应，即使还没有结果，也先告知进度和预计时间。",
}


def suggestion_for(reasons: tuple[Reason, ...]) -> str:
    """Concrete guidance for the agent's next message, one line per problem found."""
    tips = [_TIPS[r.code] for r in reasons if r.code in _TIPS]
    return "坐席辅导：" + " ".join(dict.fromkeys(tips))


def agent_reasons(scores: MessageScores, state: ConversationState, *, upset: bool,
                  angry: bool, first_reply_target_s: float,
                  reply_target_s: float) -> tuple[tuple[Reason, ...], Severity] | None:
    """Coaching reasons for one agent message, or None when the reply is fine."""
    by_code = {s.code: s.detail for s in scores.signals}
    acknowledged_now = "agent_empathy" in by_code or "agent_apology" in by_code
    reasons: list[Reason] = []
    if "taboo_challenge" in by_code:
        reasons.append(Reason("rhetorical_challenge", f"反问/质疑：{by_code['taboo_challenge']}"))
    if "taboo_cold" in by_code:
        reasons.append(Reason("cold_reply", f"冷处理：{by_code['taboo_cold']}"))
    if "slang" in by_code:
        reasons.append(Reason("slang", f"网络用语：{by_code['slang']}"))
    if upset and "joking" in by_code:
        reasons.append(Reason("joking_with_upset", f"对不满的客户开玩笑：{by_code['joking']}"))
    if upset and "mechanical_reply" in by_code:
        reasons.append(Reason("mechanical_reply", f"机械式短回复：{by_code['mechanical_reply']}"))
    if angry and not state.ack_before_reply and not acknowledged_now:
        reasons.append(Reason("no_empathy", f"客户愤怒分 {state.last_anger:.2f}，回复未致歉或表达理解"))
    wait = state.last_reply_wait_s
    first = state.agent_turns == 1
    target = first_reply_target_s if first else reply_target_s
    if wait is not None and wait > target:
        code = "slow_first_reply" if first else "slow_reply"
        reasons.append(Reason(code, f"客户等待 {wait:.0f} 秒（目标 {target:.0f} 秒）"))
    if not reasons:
        return None
    serious = {"rhetorical_challenge", "cold_reply", "joking_with_upset", "mechanical_reply",
               "no_empathy"}
    severity: Severity = "warning" if any(r.code in serious for r in reasons) else "info"
    return tuple(reasons), severity
