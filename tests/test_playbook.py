from __future__ import annotations

import json
from collections import Counter, defaultdict

from helpers import T0, flags_at, pipeline, records, run_turns

from monitor.records.events import RawRecord
from monitor.records.flags import SEVERITY_RANK, Flag, flag_id_for


def test_supervisor_request_with_regulator_threat_escalates_critically() -> None:
    result = run_turns([("customer", "洗衣机用了一周就坏了"), ("agent", "请问具体是什么情况呢？"),
                        ("customer", "叫你们经理来,我要去12315投诉")])
    esc = [f for f in result.flags if f.kind == "escalate_supervisor"]
    assert [(f.message_id, f.severity) for f in esc] == [("m3", "critical")]
    flag = esc[0]
    assert {r.code for r in flag.reasons} == {"regulator_threat", "supervisor_request"}
    assert flag.suggestion and "seed 003" in flag.playbook_ref
    assert flag.flag_id == flag_id_for("c1", "m3", "escalate_supervisor", "critical")
    assert flag.scores["conversation_risk"] > 0.5


def test_calm_conversation_mentioning_complaint_raises_nothing() -> None:
    result = run_turns([("customer", "你好，我想了解一下你们的投诉渠道，不是要投诉，是帮朋友问的"),
                        ("agent", "您好，可以拨打客服热线"), ("customer", "好的，谢谢")])
    assert result.flags == []


def test_emotion_first_raised_once_per_episode_and_acknowledged() -> None:
    result = run_turns([
        ("customer", "你们这什么破服务！！！等了三天还没到"),
        ("customer", "到底什么时候能到？太差了！！"),  # same episode: no second flag
        ("agent", "非常抱歉给您带来不便，我理解您的心情"),
        ("customer", "好吧"), ("customer", "那我等着"),  # calmed: episode resolved
        ("customer", "又没到！！！你们就是骗子，气死我了"),  # new flare-up: new episode
    ])
    assert [(m, k) for m, k, _ in flags_at(result)] == [("m1", "handle_emotion_first"),
                                                        ("m6", "handle_emotion_first")]
    first = result.flags[0].flag_id
    moves = [(t.flag_id, t.status, t.reason) for t in result.transitions]
    assert moves == [(first, "acknowledged", "agent_acknowledged"), (first, "resolved", "calmed")]


def test_escalation_raised_again_only_at_higher_severity() -> None:
    result = run_turns([("customer", "能不能帮我转一下你们主管？"),
                        ("customer", "我要找你们主管"),  # same severity: not again
                        ("customer", "再不处理我就去法院起诉你们")])
    esc = [(m, s) for m, k, s in flags_at(result) if k == "escalate_supervisor"]
    assert esc == [("m1", "warning"), ("m3", "critical")]
    assert any(t.reason == "superseded" for t in result.transitions)


def test_acknowledged_anger_does_not_flag_again() -> None:
    result = run_turns([("customer", "收到的手机屏幕是碎的，太过分了！"),
                        ("agent", "非常抱歉，您的心情我非常能体会，马上为您换货"),
                        ("customer", "你们发货前都不检查的吗？太差了")])
    assert [k for _, k, _ in flags_at(result)] == ["handle_emotion_first"]


def test_urgency_with_and_without_negation() -> None:
    urgent = run_turns([("customer", "生日礼物还没到，后天就是她生日了，明天必须送到！")])
    relaxed = run_turns([("customer", "不着急，慢慢来，下周发货也可以")])
    assert [k for _, k, _ in flags_at(urgent)] == ["urgent"]
    assert "时间" in urgent.flags[0].suggestion
    assert relaxed.flags == []


def test_traditional_characters_escalate() -> None:
    result = run_turns([("customer", "你們的客服太差勁了！！！我要找你們經理")])
    assert {k for _, k, _ in flags_at(result)} == {"escalate_supervisor", "handle_emotion_first"}
    assert result.flags[0].excerpt == "你們的客服太差勁了！！！我要找你們經理"  # shown as written


def test_excerpt_is_masked() -> None:
    result = run_turns([("customer", "包裹丢了！！！气死我了，电话13912345678，地址北京市朝阳区建国路88号")])
    assert result.flags
    for flag in result.flags:
        assert "13912345678" not in flag.excerpt and "建国路88号" not in flag.excerpt
        assert "[手机号]" in flag.excerpt


def test_duplicates_within_and_across_batches_processed_once() -> None:
    p = pipeline()
    recs = records([("customer", "叫你们经理来")])
    first = p.process(recs + recs)
    second = p.process(recs)
    assert len(first.processed) == 1 and first.duplicates == 1
    assert second.processed == [] and second.duplicates == 1 and second.flags == []


def test_expired_conversation_resolves_its_open_flags() -> None:
    p = pipeline(conversation_ttl_s=600)
    angry = p.process(records([("customer", "叫你们经理来，我要投诉")], cid="old"))
    # An hour later (event times further than the skew limit from the stream are refused).
    later = p.process(records([("customer", "你好")], cid="new", start_ms=T0 + 3_600_000))
    assert angry.flags
    old = [f for f in angry.flags + later.flags if f.conversation_id == "old"]
    # the jump in event time also fires the old conversation's no-reply timer first
    assert "agent_coaching" in {f.kind for f in later.flags}
    assert {(t.flag_id, t.reason) for t in later.transitions} == {
        (f.flag_id, "conversation_expired") for f in old}


def test_sample_stream_flags_every_conversation_as_written(sample_path) -> None:  # type: ignore[no-untyped-def]
    lines = sample_path.read_bytes().splitlines()
    result = pipeline().process([RawRecord(line, "sample", i) for i, line in enumerate(lines, 1)])
    kinds: dict[str, set[str]] = defaultdict(set)
    for f in result.flags:
        kinds[f.conversation_id].add(f.kind)
    # The conversations written to need a supervisor get one; the calm ones get nothing.
    for cid in ("c003", "c005", "c006", "c007", "c010", "c033"):
        assert "escalate_supervisor" in kinds[cid], cid
    for cid in ("c004", "c014", "c023", "c024", "c032"):
        assert "urgent" in kinds[cid], cid
    for cid in ("c001", "c008", "c009", "c011", "c013", "c021", "c026", "c031", "c036"):
        assert cid not in kinds, (cid, kinds[cid])
    # Never the same flag twice in one episode: a repeat needs the first one resolved by calm.
    resolved = {t.flag_id for t in result.transitions if t.reason == "calmed"}
    seen: dict[tuple[str, str], Flag] = {}
    for f in result.flags:
        key = (f.conversation_id, f.kind)
        if key in seen:
            before = seen[key]
            assert before.flag_id in resolved or (
                SEVERITY_RANK[f.severity] > SEVERITY_RANK[before.severity]), f
        seen[key] = f
    repeats = Counter((f.conversation_id, f.kind) for f in result.flags)
    assert ("c018", "handle_emotion_first") in {k for k, n in repeats.items() if n > 1}
    assert len(result.dead_letters) == 7 and result.duplicates == 1
    for f in result.flags:
        assert f.reasons and f.suggestion and f.playbook_ref.startswith("seed ")
        json.dumps(f.to_json(), ensure_ascii=False)
