"""Step 3: score messages for anger, urgency and complaint type.

``RuleScorer`` is the first version, built from the PLAYBOOK §2 signals (lexicons,
punctuation runs, explicit threats). Trained models replace it behind the same
``Scorer`` interface. Weights combine as a noisy-OR, 1 − Π(1 − wᵢ), so every
signal adds evidence and the score stays in 0..1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from monitor.records.events import Event
from monitor.records.lexicon import ANGER_EVIDENCE, Lexicon
from monitor.records.scores import MessageScores, Signal
from monitor.steps import terms as term_lists
from monitor.steps.normalise import normalise
from monitor.steps.terms import TermMatcher

_NEGATABLE = {"anger_words", "supervisor_request", "legal_threat", "cites_law", "regulator_threat",
              "media_threat", "review_threat", "deadline"}
class Scorer(Protocol):
    """Scores a batch of normalised events; the trained models implement this too."""

    name: str

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]: ...


_TRIM = re.compile(r"[\s。.!！~～,，、]+")


def closing_form(text: str) -> str:
    """A customer message as the closing list is matched against it (a term that makes
    the whole message a closing, e.g. for ``playbook propose``)."""
    return _TRIM.sub("", normalise(text).lower())
_BANG_RUN = re.compile(r"(?=[!！?？])(?:[!！]{2,}|[?？]{2,}|[!！?？]{3,}|(?:[?？][!！]|[!！][?？]))")
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_CAPS_OK = frozenset({"APP", "VIP", "SKU", "PDF", "USB", "WIFI", "SIM", "GPS", "CEO", "OK",
                      "JD", "ID", "QQ", "EMS", "DHL", "UPS", "SMS", "API", "PLUS", "PRO", "MAX"})
_LONG_WAIT = re.compile(
    r"(?=[等好一半])(?:等了?\s*(?:\d+|[一二两三四五六七八九十几好多半]+)\s*(?:个)?\s*(?:天|周|星期|礼拜|月|小时)"
    r"|好几天|一个多星期|半个月|一周了)"
)
_POLITE = re.compile(r"(?=[请谢麻您你辛])(?:请问|谢谢|麻烦|您好|你好|辛苦)")


def _owners(table: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """term -> the categories that list it."""
    out: dict[str, tuple[str, ...]] = {}
    for kind, terms in table.items():
        for term in terms:
            out[term] = (*out.get(term, ()), kind)
    return out


def _noisy_or(weights: Sequence[float]) -> float:
    if not weights:  # most messages: no evidence at all
        return 0.0
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 0.95)
    return round(1.0 - keep, 4)


class RuleScorer:
    """Lexicon and pattern scorer: interpretable, no training data needed.

    The term lists come from the playbook file (``Lexicon``); the customer, complaint and
    cue terms are each found in one pass (``terms.TermMatcher``), the shorter lists by one
    alternation regex each, longest term first.
    """

    name = "rules-v1"

    def __init__(self, lexicon: Lexicon) -> None:
        self._lx = lexicon
        self._terms: dict[str, list[tuple[str, float]]] = {}
        for code, table in {**lexicon.customer, **lexicon.urgency}.items():
            for term, weight in table.items():
                self._terms.setdefault(term, []).append((code, weight))
        self._term_matcher = TermMatcher(self._terms)
        self._ignore_re = re.compile(term_lists.pattern(lexicon.ignore))
        self._anger_codes = frozenset(lexicon.customer)
        self._urgency_codes = frozenset(lexicon.urgency)
        # Complaint and cue terms: one pass each; a term names its category (or several).
        self._complaint_kinds = _owners(lexicon.complaint_types)
        self._complaint_matcher = TermMatcher(self._complaint_kinds)
        self._urgency_neg_re = re.compile(term_lists.pattern(lexicon.urgency_negations))
        self._cue_kinds = _owners(lexicon.type_cues)
        self._cue_matcher = TermMatcher(self._cue_kinds)
        agent = lexicon.agent
        self._empathy_re = re.compile(term_lists.pattern(agent["empathy"]))
        self._apology_re = re.compile(term_lists.pattern(agent["apology"]))
        self._taboo_re = {code: re.compile(term_lists.pattern(agent[code]))
                          for code in ("taboo_challenge", "taboo_cold", "slang", "joking")}
        self._mechanical = frozenset(agent["mechanical"])
        self._closing_re = re.compile(f"(?:{term_lists.pattern(lexicon.customer_closing)})+")

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]:
        # Chat repeats itself (好的, 在吗, stock agent phrases): a text is scored once per
        # batch; the scores are immutable, so repeats share them.
        seen: dict[tuple[str, str], MessageScores] = {}
        out = []
        for e in events:
            key = (e.role, e.norm_text or e.text)
            scores = seen.get(key)
            if scores is None:
                scores = seen[key] = self.score_event(e)
            out.append(scores)
        return out

    def score_event(self, event: Event) -> MessageScores:
        text = event.norm_text or event.text
        if event.role == "customer":
            return self.score_text(text)
        if event.role == "agent":
            return MessageScores(0.0, 0.0, None, self.agent_signals(text))
        return MessageScores(0.0, 0.0, None, ())

    def score_text(self, text: str) -> MessageScores:
        """Scores of one customer message (normalised text)."""
        low = text.lower()
        # Blank look-alike phrases with spaces of the same length, so offsets stay put.
        terms_text = self._ignore_re.sub(lambda m: " " * len(m.group(0)), low)
        matched: dict[str, dict[str, float]] = {}
        for start, term in self._term_matcher.find(terms_text):
            for code, weight in self._terms[term]:
                if code in _NEGATABLE and self._negated(terms_text, start):
                    continue
                matched.setdefault(code, {})[term] = weight

        anger_w = [w for c, terms in matched.items() if c in self._anger_codes for w in terms.values()]
        soft_w = [w for c, terms in matched.items() if c in ANGER_EVIDENCE for w in terms.values()]
        runs = _BANG_RUN.findall(text)
        if runs:
            longest = max(len(r) for r in runs)
            run_w = min(0.15 + 0.05 * (longest - 2) + 0.05 * (len(runs) - 1), 0.4)
            anger_w.append(run_w)
            soft_w.append(run_w)
            matched["punctuation_run"] = {max(runs, key=len): 0.0}
        caps = [w for w in _CAPS.findall(text) if w not in _CAPS_OK]
        if caps:
            caps_w = min(0.15 * len(caps), 0.3)
            anger_w.append(caps_w)
            soft_w.append(caps_w)
            matched["shouting_caps"] = {caps[0]: 0.0}
        anger, evidence = _noisy_or(anger_w), _noisy_or(soft_w)
        if _POLITE.search(text) and "insult" not in matched:
            anger, evidence = round(anger * 0.8, 4), round(evidence * 0.8, 4)

        wait = _LONG_WAIT.search(text)
        if wait:
            matched["long_wait"] = {wait.group(0): 0.3}
        if negation := self._urgency_neg_re.search(low):
            matched.pop("deadline", None)
            matched["urgency_negated"] = {negation.group(0): 0.0}
        urgency_w = [w for c, terms in matched.items()
                     if c in self._urgency_codes or c == "long_wait" for w in terms.values()]
        urgency = _noisy_or(urgency_w)
        if "urgency_negated" in matched:
            urgency = round(urgency * 0.3, 4)

        if self._closing_re.fullmatch(_TRIM.sub("", low)):
            matched["closing"] = {text.strip(): 0.0}
        cues = self._hits(self._cue_matcher, self._cue_kinds, low)  # customer-type cues (seed 003)
        for kind in self._lx.type_cues:  # in the playbook's order
            if kind in cues:
                matched[f"cue_{kind}"] = dict.fromkeys(cues[kind], 0.0)
        signals = tuple(Signal(code, "、".join(terms)) for code, terms in matched.items())
        return MessageScores(anger, urgency, self.complaint_type(low), signals,
                             anger_evidence=evidence)

    def complaint_type(self, text: str) -> str | None:
        """The complaint category (seed 002 §4.1) with the most keyword hits, or None."""
        hits = self._hits(self._complaint_matcher, self._complaint_kinds, text)
        best, best_hits = None, 0
        for kind in self._lx.complaint_types:  # ties go to the earlier category
            if len(hits.get(kind, ())) > best_hits:
                best, best_hits = kind, len(hits[kind])
        return best

    @staticmethod
    def _hits(matcher: TermMatcher, owners: dict[str, tuple[str, ...]],
              text: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for _, term in matcher.find(text):
            for kind in owners[term]:
                found.setdefault(kind, []).append(term)
        return found

    def agent_signals(self, text: str) -> tuple[Signal, ...]:
        """Acknowledgement of the customer's emotion (000 §2.3, 003 7A) and agent taboos (§3)."""
        low = text.lower()
        out = []
        if m := self._empathy_re.search(low):
            out.append(Signal("agent_empathy", m.group(0)))
        if m := self._apology_re.search(low):
            out.append(Signal("agent_apology", m.group(0)))
        for code, pattern in self._taboo_re.items():
            if m := pattern.search(low):
                out.append(Signal(code, m.group(0)))
        bare = _TRIM.sub("", low)
        if bare in self._mechanical:
            out.append(Signal("mechanical_reply", text.strip()))
        return tuple(out)

    def _negated(self, text: str, start: int) -> bool:
        head = text[max(0, start - 4):start]
        if head and head[-1] in self._lx.negation_fillers:
            head = head[:-1]
        return head.endswith(self._lx.negators)
