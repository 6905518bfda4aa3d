"""Hypothesis strategies for hostile input, shared by ``test_fuzz.py`` (a fixed budget in
the suite) and ``fuzz_long.py`` (a longer run: ``python tests/fuzz_long.py --examples N``)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

T0 = 1_794_790_800_000
TEXTS = ["你好", "气死了！！！", "叫你们经理来", "好的", "我要去12315投诉", "手机13800138000",
         "市区县镇乡" * 8 + "号", "a" * 300 + "@", "\x00", "\ud7ff", "😡" * 3, "", "   "]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=False), st.text(max_size=30))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20)


@st.composite
def almost_events(draw: st.DrawFn) -> dict[str, Any]:
    """Event-shaped objects with any field missing, of the wrong type, or out of range."""
    field = st.one_of(st.just("__missing__"), json_value)
    obj: dict[str, Any] = {
        "conversation_id": draw(st.one_of(st.sampled_from(["c1", "c2", "c3"]), field)),
        "message_id": draw(st.one_of(st.sampled_from(["m1", "m2", "m3", "m4"]), field)),
        "ts": draw(st.one_of(st.integers(T0 - 10**6, T0 + 10**8), st.sampled_from([
            "2026-11-16T09:00:00+08:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
            1794790800, 10**13, -1, "2026-11-16T09:00:00"]), field)),
        "role": draw(st.one_of(st.sampled_from(["customer", "agent", "system"]), field)),
        "text": draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=50), field)),
    }
    for key in ("channel", "queue", "agent_id", "customer_id"):
        if draw(st.booleans()):
            obj[key] = draw(st.one_of(st.text(max_size=200), json_value))
    return {k: v for k, v in obj.items() if v != "__missing__"}


def encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass")


records = st.one_of(
    almost_events().map(encode),
    json_value.map(encode),
    st.binary(max_size=80),
    st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"[" * 2000 + b"]" * 2000, b"\xef\xbb\xbf{}", b"{" * 5000, b"null", b"\"\""]),
)
