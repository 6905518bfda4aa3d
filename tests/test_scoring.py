from __future__ import annotations

import pytest

from monitor.records.events import Event
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer

scorer = RuleScorer(builtin().lexicon)


def score(text: str):  # type: ignore[no-untyped-def]
    return scorer.score_text(normalise(text))


def test_tells_a_threat_from_a_question() -> None:
    angry, calm = score("叫你们经理来,我要去12315投诉"), score("请问有货吗")
    assert angry.anger >= 0.5 > 0.1 >= calm.anger
    assert {"supervisor_request", "regulator_threat"} <= angry.codes()
    assert calm.codes() == frozenset()


@pytest.mark.parametrize(("text", "code"), [
    ("我已经咨询过律师了，准备起诉你们", "legal_threat"),
    ("再不处理我就发微博曝光你们", "media_threat"),
    ("我要去消协投诉你们", "regulator_threat"),
    ("你们客服都是废物吗", "insult"),
    ("能不能帮我转一下你们主管", "supervisor_request"),
    ("这是我第三次联系你们了，还是没解决", "repeat_contact"),
    ("根据消费者权益保护法第二十五条", "cites_law"),
])
def test_playbook_signals_detected(text: str, code: str) -> None:
    assert code in score(text).codes()


def test_traditional_input_scores_like_simplified() -> None:
    assert score("你們的客服太差勁了！！！我要找你們經理") == score("你们的客服太差劲了！！！我要找你们经理")


def test_punctuation_runs_and_caps_raise_anger() -> None:
    plain, loud = score("退款还没到"), score("退款还没到！！！")
    assert loud.anger > plain.anger
    assert score("WHY IS IT LATE").anger > score("why is it late").anger


@pytest.mark.parametrize("text", [
    "我没有生气，只是想确认一下退款进度",
    "我不会去12315的，放心",
    "您好，请问这款空气炸锅还有货吗？",  # 气炸 inside 空气炸锅
    "滚筒洗衣机麻烦帮我看看",  # 滚 and 烦 inside ordinary words
    "工商银行的卡能绑定吗",
    "订单12345678",  # 12345 inside an order number
])
def test_negations_and_substrings_do_not_make_anger(text: str) -> None:
    s = score(text)
    assert s.anger < 0.25, s
    assert not s.codes() & {"regulator_threat", "insult", "supervisor_request"}


def test_urgency_cases_and_negation() -> None:
    birthday = score("生日礼物还没到，后天就是她生日了，明天必须送到！")
    relaxed = score("不着急，慢慢来，下周发货也可以")
    theft = score("我的账户被盗刷了5000块，马上帮我冻结")
    assert birthday.urgency >= 0.5 and theft.urgency >= 0.5
    assert relaxed.urgency < 0.2 and "urgency_negated" in relaxed.codes()
    assert score("等了三天了").urgency > score("今天下单").urgency


@pytest.mark.parametrize(("text", "kind"), [
    ("收到的手机屏幕是碎的，质量太差", "product_quality"),
    ("快递三天了还没到", "logistics"),
    ("退货申请一直不通过", "after_sales"),
    ("昨天刚买今天就降价了，能补差价吗", "price"),
    ("页面写的是全棉，这是虚假宣传", "wrong_info"),
    ("你好，在吗", None),
])
def test_complaint_type(text: str, kind: str | None) -> None:
    assert score(text).complaint_type == kind


@pytest.mark.parametrize("text", ["", "😡😡😡", "!" * 500, "很生气" * 2000, "abc DEF 123", "\u200b"])
def test_scores_stay_in_range_on_odd_input(text: str) -> None:
    s = score(text)
    assert 0.0 <= s.anger <= 1.0 and 0.0 <= s.urgency <= 1.0


def test_agent_messages_carry_acknowledgement_signals_only() -> None:
    ev = Event("c", "m", 0, "agent", "非常抱歉给您带来不便，我理解您的心情",
               norm_text="非常抱歉给您带来不便，我理解您的心情")
    s = scorer.score_event(ev)
    assert s.anger == 0.0 and {"agent_empathy", "agent_apology"} <= s.codes()
    assert scorer.score_batch([ev]) == [s]


def test_look_alike_phrases_are_not_insults() -> None:
    assert "insult" in score("你妈的，什么破服务").codes()
    assert "insult" not in score("我妈妈的手机坏了，想问下怎么修").codes()
    assert "insult" not in score("我是电脑白痴，不会设置").codes()


def test_health_and_safety_needs_a_hazard_not_a_child_or_hurt_feelings() -> None:
    # health_safety makes any urgent flag critical, so a figure of speech must not set it.
    assert "health_safety" in score("快递箱子砸下来，我受伤了").codes()
    assert "health_safety" in score("孩子吃了以后过敏了").codes()
    assert "health_safety" not in score("零食下架了，我很受伤").codes()
    assert "health_safety" not in score("孩子的玩具什么时候发货").codes()
