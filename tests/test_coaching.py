"""Agent coaching, the added escalation triggers, and event-time response timers."""

from __future__ import annotations

import json

import pytest
from helpers import T0, flags_at, pipeline, records, run_turns

from monitor.records.events import RawRecord

ANGRY = "这个吸尘器怎么用都吸不起来，太差劲了！！什么破东西"


def coaching(result):  # type: ignore[no-untyped-def]
    return [f for f in result.flags if f.kind == "agent_coaching"]


@pytest.mark.parametrize(("reply", "code"), [
    ("您自己看说明书就知道了", "rhetorical_challenge"),
    ("这是规定，我也没办法", "cold_reply"),
    ("好的。", "mechanical_reply"),
    ("哈哈，别那么较真嘛", "joking_with_upset"),
    ("我帮您查一下订单", "no_empathy"),
])
def test_taboo_replies_to_an_upset_customer_are_coached(reply: str, code: str) -> None:
    result = run_turns([("customer", ANGRY), ("agent", reply)])
    flags = coaching(result)
    assert [f.message_id for f in flags] == ["m2"]
    assert code in {r.code for r in flags[0].reasons}
    assert flags[0].severity == "warning" and flags[0].suggestion.startswith("坐席辅导")


def test_empathetic_reply_is_not_coached() -> None:
    result = run_turns([("customer", ANGRY), ("agent", "非常抱歉给您带来不便，我理解您的心情，马上帮您处理")])
    assert coaching(result) == []


def test_short_reply_and_jokes_are_fine_with_a_calm_customer() -> None:
    result = run_turns([("customer", "请问这个有白色的吗"), ("agent", "哈哈有的"), ("customer", "好"),
                        ("agent", "好的")])
    assert coaching(result) == []


def test_slang_is_coached_even_with_a_calm_customer() -> None:
    result = run_turns([("customer", "这款耳机音质怎么样"), ("agent", "这款yyds，亲放心买")])
    assert [(r.code, f.severity) for f in coaching(result) for r in f.reasons] == [("slang", "info")]


def test_slow_first_reply_is_coached_at_the_reply() -> None:
    result = run_turns([("customer", "你好，在吗，想问下发票的事"), ("agent", "您好，请讲")], gap_s=200)
    codes = [r.code for f in coaching(result) for r in f.reasons]
    # the timer fired at 60 s (no reply yet), the reply itself came at 200 s
    assert codes[0] == "no_reply"
    assert result.flags[0].message_id == "m1"


def test_customer_left_waiting_is_flagged_without_a_next_message() -> None:
    p = pipeline()
    first = p.process(records([("customer", "发票怎么开？")], cid="waiting"))
    assert coaching(first) == []  # nothing is late yet
    later = p.process(records([("customer", "你好")], cid="other", start_ms=T0 + 90_000))
    late = coaching(later)
    assert [(f.conversation_id, f.message_id) for f in late] == [("waiting", "m1")]
    assert late[0].reasons[0].code == "no_reply"


def test_badly_breached_wait_with_angry_customer_escalates() -> None:
    p = pipeline()
    p.process(records([("customer", "退款到底什么时候到？？太过分了，一直没人管！！")], cid="angry"))
    tick = p.advance_clock(T0 + 700_000)  # the stream is idle; the wall clock moves on
    kinds = {(f.conversation_id, f.kind) for f in tick.flags}
    assert ("angry", "escalate_supervisor") in kinds
    esc = next(f for f in tick.flags if f.kind == "escalate_supervisor")
    assert esc.reasons[0].code == "response_breach_angry"


def test_timer_flags_do_not_depend_on_batch_size() -> None:
    turns = [("customer", "快递怎么还没到？"), ("customer", "人呢？？"), ("agent", "您好"),
             ("customer", "什么破服务！！！"), ("agent", "稍等"), ("customer", "好的")]
    recs = records(turns, gap_s=100)
    outs = []
    for size in (1, 2, 6):
        p = pipeline()
        flags = []
        for k in range(0, len(recs), size):
            flags += p.process(recs[k:k + size]).flags
        outs.append(sorted(f.flag_id for f in flags))
    assert outs[0] == outs[1] == outs[2] and outs[0]


def test_still_out_of_control_after_two_deescalation_attempts_escalates() -> None:
    result = run_turns([
        ("customer", ANGRY), ("agent", "非常抱歉，我理解您的心情"),
        ("customer", "理解有什么用！！垃圾产品"), ("agent", "真的很抱歉给您带来不便"),
        ("customer", "你们就是骗子！！！太过分了"),
    ])
    esc = [f for f in result.flags if f.kind == "escalate_supervisor"]
    assert [f.message_id for f in esc] == ["m5"]
    assert esc[0].reasons[0].code == "out_of_control"


def test_repeat_contact_with_anger_escalates_but_calm_repeat_does_not() -> None:
    angry = run_turns([("customer", "这是我第三次联系你们了，问题还是没解决，太过分了！！")])
    calm = run_turns([("customer", "你好，我之前说过的那个发票，想再确认一下")])
    assert "repeat_angry" in {r.code for f in angry.flags for r in f.reasons}
    assert [k for _, k, _ in flags_at(calm)] == []


def test_wall_clock_fires_timers_only_for_a_live_stream() -> None:
    p = pipeline()
    p.process(records([("customer", "发票怎么开？")], cid="c"))
    assert p.advance_clock(T0 + 30_000).flags == []  # not late yet
    assert [f.kind for f in p.advance_clock(T0 + 61_000).flags] == ["agent_coaching"]
    replay = pipeline()
    replay.process(records([("customer", "发票怎么开？")], cid="c"))
    # events from weeks ago: a replay, the wall clock must not decide anything
    assert replay.advance_clock(T0 + 30 * 24 * 3600 * 1000).flags == []


def test_a_late_reply_is_coached_to_the_agent_handling_the_conversation() -> None:
    p = pipeline()
    turns = [{"role": "customer", "text": "你好，想问下发票"}, {"role": "agent", "text": "您好，请讲",
                                                             "agent_id": "a-17"},
             {"role": "customer", "text": "抬头写公司可以吗"}]
    recs = [RawRecord(json.dumps({"conversation_id": "c", "message_id": f"m{i}", "ts": T0 + i * 30_000,
                                  **t}, ensure_ascii=False).encode(), "t", i) for i, t in enumerate(turns)]
    p.process(recs)
    late = coaching(p.process(records([("customer", "你好")], cid="other", start_ms=T0 + 400_000)))
    assert [(f.message_id, f.reasons[0].code, f.agent_id) for f in late] == [("m2", "no_reply", "a-17")]
