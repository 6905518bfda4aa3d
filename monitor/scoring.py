"""Step 3: score messages for anger, urgency and complaint type.

``RuleScorer`` is the first version, built from the PLAYBOOK §2 signals (lexicons,
punctuation runs, explicit threats). Trained models replace it behind the same
``Scorer`` interface. Weights combine as a noisy-OR, 1 − Π(1 − wᵢ), so every
signal adds evidence and the score stays in 0..1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from monitor import lexicon as lx
from monitor.events import Event

# Signal codes: a bounded vocabulary, used in flag reasons.
_ANGER_CODES = {
    "anger_words": {**lx.ANGER_MEDIUM, **lx.ANGER_STRONG},
    "insult": lx.INSULTS,
    "anger_emoticon": lx.ANGER_EMOTICONS,
    "supervisor_request": lx.SUPERVISOR_REQUEST,
    "legal_threat": lx.LEGAL_THREAT,
    "cites_law": lx.CITES_LAW,
    "regulator_threat": lx.REGULATOR_THREAT,
    "media_threat": lx.MEDIA_THREAT,
    "repeat_contact": lx.REPEAT_CONTACT,
}
_URGENCY_CODES = {
    "deadline": lx.URGENCY_DEADLINE,
    "occasion": lx.URGENCY_OCCASION,
    "money_at_risk": lx.URGENCY_MONEY,
    "health_safety": lx.URGENCY_SAFETY,
}
_NEGATABLE = {"anger_words", "supervisor_request", "legal_threat", "cites_law", "regulator_threat",
              "media_threat", "deadline"}
# Short Latin terms must stand alone ("sb" inside "usb" is not an insult).
_LATIN = re.compile(r"^[a-z]+$")


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: a bounded ``code`` and the matched words as ``detail``."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class MessageScores:
    """Scores of one message. Agent and system messages carry signals only."""

    anger: float
    urgency: float
    complaint_type: str | None
    signals: tuple[Signal, ...]

    def codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.signals)


class Scorer(Protocol):
    """Scores a batch of normalised events; the trained models implement this too."""

    name: str

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]: ...


def _alternation(terms: Sequence[str]) -> str:
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):  # longest match wins
        esc = re.escape(term)
        if _LATIN.match(term):
            parts.append(rf"(?<![a-z]){esc}(?![a-z])")
        elif term.isdigit():  # hotline numbers, not digits inside an order number
            parts.append(rf"(?<!\d){esc}(?!\d)")
        else:
            parts.append(esc)
    return "|".join(parts)


_TERMS: dict[str, list[tuple[str, float]]] = {}
for _code, _table in {**_ANGER_CODES, **_URGENCY_CODES}.items():
    for _term, _w in _table.items():
        _TERMS.setdefault(_term, []).append((_code, _w))
_TERM_RE = re.compile(_alternation(list(_TERMS)))
_COMPLAINT_RE = {k: re.compile(_alternation(v)) for k, v in lx.COMPLAINT_TYPES.items()}
_URGENCY_NEG_RE = re.compile(_alternation(lx.URGENCY_NEGATIONS))
_EMPATHY_RE = re.compile(_alternation(lx.AGENT_EMPATHY))
_APOLOGY_RE = re.compile(_alternation(lx.AGENT_APOLOGY))
_AGENT_TABOOS = {
    "taboo_challenge": re.compile(_alternation(lx.AGENT_TABOO_CHALLENGE)),
    "taboo_cold": re.compile(_alternation(lx.AGENT_TABOO_COLD)),
    "slang": re.compile(_alternation(lx.AGENT_SLANG)),
    "joking": re.compile(_alternation(lx.AGENT_JOKES)),
}
_CLOSING = re.compile(f"(?:{_alternation(lx.CUSTOMER_CLOSING)})+")
_TRIM = re.compile(r"[\s。.!！~～,，、]+")
_BANG_RUN = re.compile(r"[!！]{2,}|[?？]{2,}|[!！?？]{3,}|(?:[?？][!！]|[!！][?？])")
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_CAPS_OK = frozenset({"APP", "VIP", "SKU", "PDF", "USB", "WIFI", "SIM", "GPS", "CEO", "OK",
                      "JD", "ID", "QQ", "EMS", "DHL", "UPS", "SMS", "API", "PLUS", "PRO", "MAX"})
_LONG_WAIT = re.compile(
    r"等了?\s*(?:\d+|[一二两三四五六七八九十几好多半]+)\s*(?:个)?\s*(?:天|周|星期|礼拜|月|小时)"
    r"|好几天|一个多星期|半个月|一周了"
)
_POLITE = re.compile(r"请问|谢谢|麻烦|您好|你好|辛苦")


def _negated(text: str, start: int) -> bool:
    head = text[max(0, start - 4):start]
    if head and head[-1] in lx.NEGATION_FILLERS:
        head = head[:-1]
    return head.endswith(lx.NEGATORS)


def _noisy_or(weights: Sequence[float]) -> float:
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 0.95)
    return round(1.0 - keep, 4)


class RuleScorer:
    """Lexicon and pattern scorer: interpretable, no training data needed."""

    name = "rules-v1"

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]:
        return [self.score_event(e) for e in events]

    def score_event(self, event: Event) -> MessageScores:
        text = event.norm_text or event.text
        if event.role == "customer":
            return self.score_text(text)
        if event.role == "agent":
            return MessageScores(0.0, 0.0, None, agent_signals(text))
        return MessageScores(0.0, 0.0, None, ())

    def score_text(self, text: str) -> MessageScores:
        """Scores of one customer message (normalised text)."""
        low = text.lower()
        matched: dict[str, dict[str, float]] = {}
        for m in _TERM_RE.finditer(low):
            for code, weight in _TERMS[m.group(0)]:
                if code in _NEGATABLE and _negated(low, m.start()):
                    continue
                matched.setdefault(code, {})[m.group(0)] = weight

        anger_w = [w for c, terms in matched.items() if c in _ANGER_CODES for w in terms.values()]
        runs = _BANG_RUN.findall(text)
        if runs:
            longest = max(len(r) for r in runs)
            anger_w.append(min(0.15 + 0.05 * (longest - 2) + 0.05 * (len(runs) - 1), 0.4))
            matched["punctuation_run"] = {max(runs, key=len): 0.0}
        caps = [w for w in _CAPS.findall(text) if w not in _CAPS_OK]
        if caps:
            anger_w.append(min(0.15 * len(caps), 0.3))
            matched["shouting_caps"] = {caps[0]: 0.0}
        anger = _noisy_or(anger_w)
        if _POLITE.search(text) and "insult" not in matched:
            anger = round(anger * 0.8, 4)

        wait = _LONG_WAIT.search(text)
        if wait:
            matched["long_wait"] = {wait.group(0): 0.3}
        if negation := _URGENCY_NEG_RE.search(low):
            matched.pop("deadline", None)
            matched["urgency_negated"] = {negation.group(0): 0.0}
        urgency_w = [w for c, terms in matched.items()
                     if c in _URGENCY_CODES or c == "long_wait" for w in terms.values()]
        urgency = _noisy_or(urgency_w)
        if "urgency_negated" in matched:
            urgency = round(urgency * 0.3, 4)

        if _CLOSING.fullmatch(_TRIM.sub("", low)):
            matched["closing"] = {text.strip(): 0.0}
        signals = tuple(Signal(code, "、".join(terms)) for code, terms in matched.items())
        return MessageScores(anger, urgency, complaint_type(low), signals)


def complaint_type(text: str) -> str | None:
    """The complaint category (seed 002 §4.1) with the most keyword hits, or None."""
    best, best_hits = None, 0
    for kind, pattern in _COMPLAINT_RE.items():
        hits = len(pattern.findall(text))
        if hits > best_hits:
            best, best_hits = kind, hits
    return best


def agent_signals(text: str) -> tuple[Signal, ...]:
    """Acknowledgement of the customer's emotion (000 §2.3, 003 7A) and agent taboos (§3)."""
    low = text.lower()
    out = []
    if m := _EMPATHY_RE.search(low):
        out.append(Signal("agent_empathy", m.group(0)))
    if m := _APOLOGY_RE.search(low):
        out.append(Signal("agent_apology", m.group(0)))
    for code, pattern in _AGENT_TABOOS.items():
        if m := pattern.search(low):
            out.append(Signal(code, m.group(0)))
    bare = _TRIM.sub("", low)
    if bare in lx.AGENT_MECHANICAL:
        out.append(Signal("mechanical_reply", text.strip()))
    return tuple(out)
