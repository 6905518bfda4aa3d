"""The one-pass term matcher finds exactly what the alternation regex finds (property-based),
on the built-in term lists and real messages too."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.steps.playbook.file import builtin
from monitor.steps.terms import TermMatcher, pattern

# Few letters, so terms overlap, share prefixes and suffixes, and sit inside each other;
# Latin letters and digits for the whole-word and whole-number rules.
ALPHABET = "气死太过分ab12"
terms_st = st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=0, max_size=8)


def regex_find(terms: list[str], text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in re.finditer(pattern(terms), text)]


@settings(max_examples=600, deadline=None)
@given(terms_st, st.text(ALPHABET + "，!x3", max_size=24))
def test_matcher_finds_what_the_regex_finds(terms: list[str], text: str) -> None:
    assert TermMatcher(terms).find(text) == regex_find(terms, text)


def test_whole_words_and_whole_numbers() -> None:
    matcher = TermMatcher(["sb", "12315", "骗子"])
    assert matcher.find("usb线坏了") == []  # inside a Latin word
    assert matcher.find("你个sb") == [(2, "sb")]
    assert matcher.find("订单号123156") == []  # inside a longer number
    assert matcher.find("打12315投诉") == [(1, "12315")]
    assert matcher.find("１２３１５") == []  # full-width digits are not the term
    assert TermMatcher([]).find("任何文字") == []


def test_builtin_lists_on_varied_messages() -> None:
    lexicon = builtin().lexicon
    terms = [t for table in (*lexicon.customer.values(), *lexicon.urgency.values()) for t in table]
    matcher = TermMatcher(terms)
    texts = ["你们这帮废物，什么破公司", "usb接口坏了，太差劲了！！", "再不退款我就打12315投诉",
             "订单号1231588已经三天了还没解决，我要找你们领导", "sb客服", "不是很生气，就是有点失望",
             "This is unacceptable, manager please", "等了3天了，气死我了"]
    for text in texts:
        assert matcher.find(text) == regex_find(terms, text), text
