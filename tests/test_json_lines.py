"""The JSON Lines writer (io/sinks.json_line) writes exactly what json.dumps wrote, byte
for byte, with the line-break characters escaped — whatever the values."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.io.sinks import _LINE_BREAKS, json_line

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25)


def reference(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS)


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(st.text(max_size=10), VALUES, max_size=8))
def test_json_line_is_json_dumps(obj: dict[str, object]) -> None:
    assert json_line(obj) == reference(obj)


def test_the_floats_orjson_writes_differently_and_the_line_breaks() -> None:
    for obj in ({"a": 7.672080013744568e-07}, {"x": 1e-5, "t": "e-mail"}, {"t": "a\u2028b\x85c\u2029"},
                {"f": 1e16, "g": 1.5e300, "h": -0.0}, {"s": "\x00\x1f\x7f\"\\/"}):
        assert json_line(obj) == reference(obj)
