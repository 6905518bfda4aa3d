"""Suggestions shown with flags, and the playbook rule each rests on.

Written for agents and supervisors on a Chinese support floor, in the product's own
words; the training documents' short model phrases are quoted as examples.
"""

from __future__ import annotations

# (suggestion, playbook_ref) per trigger.
EMOTION_FIRST = (
    "客户情绪激动：先处理情绪，再处理事情。下一条回复先不要解释原因或争辩，"
    "先真诚致歉并表达理解（例如“非常抱歉给您带来不便，您的心情我非常理解”），"
    "让客户把话说完，等情绪缓和后再确认问题细节。",
    "seed 003 · 7A (Accept·Apologize·Acknowledge); seed 000 §3.4",
)
EMOTION_FIRST_REVIEW = (
    "客户不满并表示要退货或给差评：先处理情绪，再处理事情。立即回应并真诚致歉"
    "（例如“非常抱歉给您带来不愉快的体验，我马上为您处理”），主动承担责任，"
    "再给出换货、退款等具体方案，并承诺亲自跟进。",
    "seed 001 ch.4 (网络客服成功转化客户案例); seed 003 · 7A",
)
ESCALATE: dict[str, tuple[str, str]] = {
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
    "out_of_control": (
        "坐席已多次安抚，客户仍然情绪失控：请主管接手。交接时把客户的诉求和已做的安抚告诉主管，"
        "避免客户重复陈述。",
        "seed 003 · 完全失控的客户（如客户仍然失控，请向上级请示）",
    ),
    "repeat_angry": (
        "客户就同一问题再次联系且情绪激动：请主管介入，查看历史记录，给出明确的解决方案和时间，"
        "并安排专人跟进到底。",
        "seed 003 · 要求升级投诉; seed 002 §4.2",
    ),
    "response_breach_angry": (
        "客户已等待很久且情绪激动：请主管立即接手回复，先为久等致歉，再给出处理方案和时间。",
        "seed 001 ch.4 (响应时效); seed 003 · 7A",
    ),
    "risk_high": (
        "坐席已回复，但客户仍然不满，本会话很可能以客户不满告终：请主管查看会话并决定是否接手。"
        "接手时先致歉并表示理解，再给出明确的处理方案和时间，避免客户重复陈述。",
        "seed 003 · 完全失控的客户（如客户仍然失控，请向上级请示）; "
        "seed 001 ch.8 (AI提供建议，人工做最终判断)",
    ),
    "insult": (
        "客户情绪失控并出现辱骂：坐席保持冷静、不回击；多用简单的封闭式问题、放慢节奏。"
        "如客户仍然失控，请主管接手。",
        "seed 003 · 完全失控的客户",
    ),
}
ESCALATE_ORDER = ("legal_threat", "regulator_threat", "media_threat", "supervisor_request",
                  "insult", "out_of_control", "repeat_angry", "response_breach_angry", "cites_law",
                  "risk_high")
CRITICAL_TRIGGERS = frozenset({"legal_threat", "regulator_threat", "media_threat"})
URGENT = (
    "客户需求紧急：优先处理本会话。回复里给出具体的时间承诺（例如“我现在就为您加急，"
    "今天18点前给您回复处理结果”），随后立即行动并按时跟进。",
    "seed 001 ch.7 (紧急且重要的问题优先处理)",
)
# The rule behind each urgency reason, the first that applies in this order; else URGENT.
URGENT_BY_REASON: dict[str, tuple[str, str]] = {
    "health_safety": (
        "涉及健康或安全：立即优先处理。先确认人员情况并表达关切，告诉客户马上采取的措施"
        "（如停止使用、就医建议、安排专人联系），并给出明确的回复时间。",
        "seed 001 ch.7 (紧急且重要的问题优先处理); PLAYBOOK §2 紧急度",
    ),
    "money_at_risk": (
        "资金或账户有风险：立即优先处理。先协助客户止损（冻结账户、修改密码、拦截交易），"
        "说明已采取的措施和下一步时间，全程核实身份，不在对话中索要完整卡号或密码。",
        "seed 001 ch.7 (紧急且重要的问题优先处理); PLAYBOOK §2 (资金或账户有风险)",
    ),
    "occasion": (
        "客户为特殊场合赶时间（如生日礼物）：感同身受并立即行动——马上加急或安排附近门店/"
        "紧急配送，给出今天内的具体时间，必要时给予补偿，并在送达后回访确认。",
        "seed 001 ch.5 (生日礼物案例：感同身受、立即行动、额外补偿、完美收尾)",
    ),
    "long_wait": (
        "客户已等待很久：先为久等致歉，再立即处理，给出具体的完成时间并主动跟进，"
        "不要让客户再次催促。",
        "seed 001 ch.4 (响应时效); seed 001 ch.5 (按承诺时间主动反馈进度)",
    ),
}
URGENT_ORDER = ("health_safety", "money_at_risk", "occasion", "long_wait")
REASON_LABELS = {
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
    "anger_model": "整体语气判为不满（模型评分）",
    "urgency_model": "整体内容判为紧急（模型评分）",
    "repeat_contact": "重复来电/反复未解决",
    "deadline": "时间紧迫",
    "occasion": "特殊场合",
    "money_at_risk": "资金/账户风险",
    "health_safety": "健康/安全",
    "long_wait": "已等待很久",
    "out_of_control": "安抚后仍然失控",
    "repeat_angry": "重复联系且情绪激动",
    "response_breach_angry": "久未回复且客户愤怒",
    "risk_high": "对话风险高（模型评分）",
    "review_threat": "要退货/给差评",
}




def label(code: str, detail: str) -> str:
    """A reason's detail with its Chinese label, e.g. "提到监管部门：12315"."""
    name = REASON_LABELS.get(code)
    return f"{name}：{detail}" if name else detail
