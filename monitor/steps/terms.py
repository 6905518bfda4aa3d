"""Finding a term list's words in a text: leftmost-longest, non-overlapping, in one pass.

``TermMatcher`` finds exactly what the alternation regex of ``pattern(terms)`` finds with
``finditer`` (longest term first at each position; Latin terms only as whole words, digit
terms not inside a longer number), but with an Aho–Corasick automaton (pyahocorasick):
one scan of the text for all terms instead of trying each position against the
alternation, about twice as fast on chat. When a chosen match is a Latin or digit term
that fails its boundary, the regex decides for that text (rare), so the results are
always the regex's (``tests/test_terms.py`` checks this on random texts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import ahocorasick

# Short Latin terms must stand alone ("sb" inside "usb" is not an insult).
_LATIN = re.compile(r"^[a-z]+$")


def pattern(terms: Sequence[str]) -> str:
    """One regex for a term list, longest term first so the longest match wins."""
    if not terms:
        return "(?!)"  # an empty list matches nothing (not the empty string everywhere)
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        esc = re.escape(term)
        if _LATIN.match(term):
            parts.append(rf"(?<![a-z]){esc}(?![a-z])")
        elif term.isdigit():  # hotline numbers, not digits inside an order number
            parts.append(rf"(?<!\d){esc}(?!\d)")
        else:
            parts.append(esc)
    # The leading class of first characters lets the regex engine skip, in one test, every
    # position where no term can start, instead of trying each alternative there.
    first = "".join(sorted({re.escape(t[0]) for t in terms}))
    return f"(?=[{first}])(?:{'|'.join(parts)})"


def _latin(ch: str) -> bool:
    return "a" <= ch <= "z"


class TermMatcher:
    """``find(text)``: the (start, term) of every match, as ``re.finditer`` of ``pattern``."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = tuple(dict.fromkeys(terms))
        self.regex = re.compile(pattern(self.terms))
        self._automaton: ahocorasick.Automaton | None = None
        if self.terms:
            automaton = ahocorasick.Automaton()
            for term in self.terms:
                # The value says how the term is bounded: 1 Latin word, 2 number, 0 none.
                automaton.add_word(term, (term, 1 if _LATIN.match(term) else 2 if term.isdigit() else 0))
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, text: str) -> list[tuple[int, str]]:
        if self._automaton is None:
            return []
        longest: dict[int, tuple[str, int]] = {}
        for end, (term, bound) in self._automaton.iter(text):
            start = end - len(term) + 1
            seen = longest.get(start)
            if seen is None or len(term) > len(seen[0]):
                longest[start] = (term, bound)
        if not longest:
            return []
        out: list[tuple[int, str]] = []
        position = 0
        for start in sorted(longest):
            if start < position:
                continue
            term, bound = longest[start]
            end = start + len(term)
            if bound and not self._bounded(text, start, end, bound):
                return [(m.start(), m.group(0)) for m in self.regex.finditer(text)]
            out.append((start, term))
            position = end
        return out

    @staticmethod
    def _bounded(text: str, start: int, end: int, bound: int) -> bool:
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if bound == 1:
            return not (before and _latin(before)) and not (after and _latin(after))
        return not (before and before.isdecimal()) and not (after and after.isdecimal())
