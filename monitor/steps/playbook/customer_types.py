"""Difficult customer types (PLAYBOOK §2, seed 003), each with its handling tip.

Part of the playbook step. A type is recognised from the customer's messages so far
(cue words of the playbook file, threats, insults) or from the conversation's course
(many messages in a row, a lot of text), kept for the conversation, and attached to
every flag raised after it, with the tip, so the agent knows how to talk to this
customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.records.conversation import ConversationState
from monitor.records.scores import MessageScores

if TYPE_CHECKING:  # the playbook step imports this module
    from monitor.records.settings import PlaybookSettings


@dataclass(frozen=True, slots=True)
class CustomerType:
    code: str
    name: str  # as seed 003 names it
    tip: str
    ref: str


# In order of how much the tip matters for the next message: it is the order in which
# types are listed on a flag, and the first two tips are shown.
TYPES: tuple[CustomerType, ...] = (
    CustomerType("out_of_control", "完全失控",
                 "多问简单的封闭式问题（如“您是今天下午收到的货吗？”），放慢节奏，感谢客户提出意见；"
                 "如仍然失控，请主管接手。", "seed 003 · 完全失控的客户"),
    CustomerType("legal", "法律型",
                 "按规定和流程答复，不争论法律条文，不做超出权限的承诺；完整记录诉求（5W1H），请主管把关。",
                 "seed 003 · 法律型客户; seed 002 §4.2"),
    CustomerType("demands_escalation", "要求升级投诉",
                 "先查看客户的历史服务记录和此前的处理情况；告诉客户诉求已记录、由主管跟进，并给出联系时间。",
                 "seed 003 · 要求升级投诉"),
    CustomerType("habitual_complainer", "抱怨成癖",
                 "耐心听完，找出其中合理的不满并用自己的话复述；用订单记录等事实说话，不让问题被夸大；"
                 "引导客户一起定下解决方案。", "seed 003 · 抱怨成癖者"),
    CustomerType("talkative", "喋喋不休",
                 "不闲聊，少用开放式问题；先说“我明白”“我能理解”再接话，回答简短，给出选择"
                 "（“通常是方案A或方案B，您选哪一种？”）。", "seed 003 · 喋喋不休的客户"),
    CustomerType("refuses_info", "不肯留资料",
                 "说明需要这些信息的原因（如“为了更快更准确地帮您处理，麻烦留个联系电话”），只要必要的信息；"
                 "不因客户的情绪放弃准确处理。", "seed 003 · 不肯留更多资料的客户"),
    CustomerType("billing_dispute", "话费争议",
                 "先核对账单明细（时间、项目、金额）并逐项说明；确有多扣的，说明退还方式和到账时间。",
                 "seed 003 · 话费争议客户"),
    CustomerType("comparer", "爱比较",
                 "不贬低同行，也不和客户争谁更好；讲清楚我们能做到的具体方案和时限。",
                 "seed 003 · 爱比较的客户"),
    CustomerType("expert", "专业型",
                 "回答准确、专业；不确定的技术细节不要猜，请技术同事确认后按约定时间回复。",
                 "seed 003 · 专业型客户"),
)
BY_CODE = {t.code: t for t in TYPES}
_ORDER = {t.code: i for i, t in enumerate(TYPES)}
TIPS_SHOWN = 2

# Types that follow directly from a signal of the message.
_FROM_SIGNAL = {
    "supervisor_request": "demands_escalation",
    "legal_threat": "legal",
    "cites_law": "legal",
    "insult": "out_of_control",
    "cue_refuses_info": "refuses_info",
    "cue_comparer": "comparer",
    "cue_billing_dispute": "billing_dispute",
}


def observe(state: ConversationState, scores: MessageScores, settings: PlaybookSettings) -> None:
    """Add the types that this customer message shows to ``state.customer_types``."""
    by_code = {s.code: s.detail for s in scores.signals}
    found = {t for code, t in _FROM_SIGNAL.items() if code in by_code}
    # A complaint about "every time" counts when it is said in anger, not in passing.
    if "cue_habitual_complainer" in by_code and scores.anger >= settings.upset:
        found.add("habitual_complainer")
    if "cue_expert" in by_code:
        state.expert_terms |= frozenset(by_code["cue_expert"].split("、"))
        if len(state.expert_terms) >= settings.expert_min_terms:
            found.add("expert")
    if (state.customer_run >= settings.talkative_run
            or state.customer_chars >= settings.talkative_chars):
        found.add("talkative")
    if not found <= state.customer_types:
        state.customer_types |= found


def ordered(codes: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=_ORDER.__getitem__))


def with_tips(suggestion: str, ref: str, codes: tuple[str, ...]) -> tuple[str, str]:
    """The flag's suggestion and reference with the tips of the first types appended."""
    shown = [BY_CODE[c] for c in codes[:TIPS_SHOWN]]
    for t in shown:
        suggestion += f"\n【客户类型：{t.name}】{t.tip}"
        if t.ref not in ref:
            ref += f"; {t.ref}"
    return suggestion, ref
