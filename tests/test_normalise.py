from __future__ import annotations

from monitor.steps.normalise import normalise


def test_traditional_to_simplified() -> None:
    assert normalise("你們經理在哪裡？我要投訴") == "你们经理在哪里？我要投诉"
    assert normalise("系統一直顯示錯誤") == "系统一直显示错误"


def test_full_width_letters_digits_and_spaces() -> None:
    assert normalise("ＶＩＰ會員　訂單１２３") == "VIP会员 订单123"


def test_whitespace_collapsed_and_trimmed() -> None:
    assert normalise("  我的\t快递\n\n还没到  ") == "我的 快递 还没到"


def test_emoji_and_punctuation_runs_kept() -> None:
    assert normalise("又是这样😡😡！！！？？") == "又是这样😡😡！！！？？"


def test_latin_case_kept_and_empty_ok() -> None:
    assert normalise("WHY is it late") == "WHY is it late"
    assert normalise("") == ""


def test_batch_gives_what_one_text_at_a_time_gives() -> None:
    from monitor.records.events import Event
    from monitor.steps.normalise import normalise_batch

    texts = ["你們太過分了！！！", "", "  ", "ＡＢＣ１２３　測試", "第一行\n第二行\r\n第三行", "plain ascii",
             "😡😡", "帳號被鎖了\u2028怎麼辦", "頭髮" * 500]
    events = [Event("c", f"m{i}", 0, "customer", t) for i, t in enumerate(texts)]
    assert [e.norm_text for e in normalise_batch(events)] == [normalise(t) for t in texts]
    assert normalise_batch([]) == []
