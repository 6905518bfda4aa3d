from __future__ import annotations

from monitor.records.events import Event
from monitor.records.scores import MessageScores, Signal
from monitor.steps.state import ConversationStates


def ev(role: str, ts_s: int, cid: str = "c1", mid: str | None = None) -> Event:
    return Event(cid, mid or f"{cid}-{role}-{ts_s}", ts_s * 1000, role, "x")  # type: ignore[arg-type]


ANGRY = MessageScores(0.8, 0.0, "logistics", (Signal("anger_words", "垃圾"),))
CALM = MessageScores(0.0, 0.0, None, ())
EMPATHY = MessageScores(0.0, 0.0, None, (Signal("agent_empathy", "理解您"),))


def test_ewma_peak_turns_and_first_reply() -> None:
    states = ConversationStates(ttl_ms=3_600_000, calm_threshold=0.25)
    states.update(ev("customer", 100), ANGRY)
    s = states.update(ev("customer", 110), CALM)
    assert s.customer_turns == 2 and s.anger_peak == 0.8
    assert s.anger_ewma == 0.2  # 0.5 * 0 + 0.5 * (0.5 * 0.8)
    assert s.waiting_since_ms == 100_000 and s.complaint_type == "logistics"
    s = states.update(ev("agent", 190), EMPATHY)
    assert s.first_reply_s == 90.0 and s.waiting_since_ms is None
    assert s.acknowledged and s.unacked_angry_turns == 0


def test_new_flare_up_needs_new_acknowledgement() -> None:
    states = ConversationStates(ttl_ms=3_600_000, calm_threshold=0.25)
    states.update(ev("customer", 1), ANGRY)
    states.update(ev("agent", 2), EMPATHY)
    for t in (3, 4, 5):
        s = states.update(ev("customer", t), CALM)
    assert s.acknowledged
    s = states.update(ev("customer", 6), ANGRY)
    assert not s.acknowledged and s.unacked_angry_turns == 1


def test_duplicates_are_recognised() -> None:
    states = ConversationStates(ttl_ms=3_600_000, calm_threshold=0.25)
    first = ev("customer", 1, mid="m1")
    assert not states.is_duplicate(first)
    states.update(first, CALM)
    assert states.is_duplicate(ev("customer", 99, mid="m1"))
    assert not states.is_duplicate(ev("customer", 99, cid="other", mid="m1"))


def test_idle_conversations_expire_in_event_time() -> None:
    states = ConversationStates(ttl_ms=600_000, calm_threshold=0.25)
    states.update(ev("customer", 0, cid="old"), CALM)
    states.update(ev("customer", 500, cid="recent"), CALM)
    assert states.expire() == []  # watermark 500 s: nothing idle for 600 s yet
    states.update(ev("customer", 1000, cid="recent"), CALM)
    gone = states.expire()
    assert [g.conversation_id for g in gone] == ["old"]
    assert states.get("old") is None and states.get("recent") is not None
    assert len(states) == 1 and states.expired == 1


def test_a_long_conversation_still_knows_its_duplicates_and_stays_linear() -> None:
    """Past SEEN_SCAN messages the seen ids become a set: every duplicate is still found,
    and a conversation of many messages costs what many conversations do (a scan per
    message made 60,000 messages of one conversation take 53 s). A hang guard, relative
    to the same work spread over conversations in this process."""
    import time

    from monitor.steps.state import SEEN_SCAN

    n = 20_000
    assert n > 10 * SEEN_SCAN

    def feed(conversations: int) -> tuple[float, int]:
        states = ConversationStates(ttl_ms=10**12, calm_threshold=0.25)
        started, duplicates = time.perf_counter(), 0
        for i in range(n):
            cid = f"c{i % conversations}"
            for mid in (f"m{i}", f"m{i // 2}"):  # every other message a redelivery
                e = Event(cid, mid, 1_000_000 + i, "customer", "x")
                if states.is_duplicate(e):
                    duplicates += 1
                else:
                    states.update(e, CALM)
        return time.perf_counter() - started, duplicates

    spread, expected = feed(n // 10)
    one, duplicates = feed(1)
    assert duplicates == n  # m{i//2} is always seen already (as m{i//2} itself, or just now)
    assert expected < duplicates  # spread over conversations, some m{i//2} live elsewhere
    assert one < 5 * spread + 0.5, (one, spread)
