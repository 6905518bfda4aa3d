"""Step 3: score messages for anger, urgency and complaint type.

``RuleScorer`` is the first version, built from the PLAYBOOK §2 signals (lexicons,
punctuation runs, explicit threats). Trained models replace it behind the same
``Scorer`` interface. Weights combine as a noisy-OR, 1 − Π(1 − wᵢ), so every
signal adds evidence and the score stays in 0..1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from monitor.records.events import Event
from monitor.records.lexicon import Lexicon
from monitor.records.scores import MessageScores, Signal

_NEGATABLE = {"anger_words", "supervisor_request", "legal_threat", "cites_law", "regulator_threat",
              "media_threat", "deadline"}
# Short Latin terms must stand alone ("sb" inside "usb" is not an insult).
_LATIN = re.compile(r"^[a-z]+$")


class Scorer(Protocol):
    """Scores a batch of normalised events; the trained models implement this too."""

    name: str

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]: ...


def _alternation(terms: Sequence[str]) -> str:
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
    # position where no term can start, instead of trying each alternative there (4x faster
    # on chat text with the built-in lists).
    first = "".join(sorted({re.escape(t[0]) for t in terms}))
    return f"(?=[{first}])(?:{'|'.join(parts)})"


_TRIM = re.compile(r"[\s。.!！~～,，、]+")
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
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 0.95)
    return round(1.0 - keep, 4)


class RuleScorer:
    """Lexicon and pattern scorer: interpretable, no training data needed.

    The term lists come from the playbook file (``Lexicon``); they are compiled into
    one alternation per list, longest term first, so a message is scanned once.
    """

    name = "rules-v1"

    def __init__(self, lexicon: Lexicon) -> None:
        self._lx = lexicon
        self._terms: dict[str, list[tuple[str, float]]] = {}
        for code, table in {**lexicon.customer, **lexicon.urgency}.items():
            for term, weight in table.items():
                self._terms.setdefault(term, []).append((code, weight))
        self._term_re = re.compile(_alternation(list(self._terms)))
        self._ignore_re = re.compile(_alternation(lexicon.ignore))
        self._anger_codes = frozenset(lexicon.customer)
        self._urgency_codes = frozenset(lexicon.urgency)
        # Complaint and cue terms: one pass each; a term names its category (or several).
        self._complaint_kinds = _owners(lexicon.complaint_types)
        self._complaint_re = re.compile(_alternation(list(self._complaint_kinds)))
        self._urgency_neg_re = re.compile(_alternation(lexicon.urgency_negations))
        self._cue_kinds = _owners(lexicon.type_cues)
        self._cue_re = re.compile(_alternation(list(self._cue_kinds)))
        agent = lexicon.agent
        self._empathy_re = re.compile(_alternation(agent["empathy"]))
        self._apology_re = re.compile(_alternation(agent["apology"]))
        self._taboo_re = {code: re.compile(_alternation(agent[code]))
                          for code in ("taboo_challenge", "taboo_cold", "slang", "joking")}
        self._mechanical = frozenset(agent["mechanical"])
        self._closing_re = re.compile(f"(?:{_alternation(lexicon.customer_closing)})+")

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
        for m in self._term_re.finditer(terms_text):
            for code, weight in self._terms[m.group(0)]:
                if code in _NEGATABLE and self._negated(terms_text, m.start()):
                    continue
                matched.setdefault(code, {})[m.group(0)] = weight

        anger_w = [w for c, terms in matched.items() if c in self._anger_codes for w in terms.values()]
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
        cues = self._hits(self._cue_re, self._cue_kinds, low)  # customer-type cues (seed 003)
        for kind in self._lx.type_cues:  # in the playbook's order
            if kind in cues:
                matched[f"cue_{kind}"] = dict.fromkeys(cues[kind], 0.0)
        signals = tuple(Signal(code, "、".join(terms)) for code, terms in matched.items())
        return MessageScores(anger, urgency, self.complaint_type(low), signals)

    def complaint_type(self, text: str) -> str | None:
        """The complaint category (seed 002 §4.1) with the most keyword hits, or None."""
        hits = self._hits(self._complaint_re, self._complaint_kinds, text)
        best, best_hits = None, 0
        for kind in self._lx.complaint_types:  # ties go to the earlier category
            if len(hits.get(kind, ())) > best_hits:
                best, best_hits = kind, len(hits[kind])
        return best

    @staticmethod
    def _hits(pattern: re.Pattern[str], owners: dict[str, tuple[str, ...]],
              text: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for m in pattern.finditer(text):
            for kind in owners[m.group(0)]:
                found.setdefault(kind, []).append(m.group(0))
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


class TextModel(Protocol):
    """A trained model over hashed character n-grams (models/char_hash.py)."""

    @property
    def name(self) -> str: ...

    @property
    def hashing(self) -> tuple[int, int]: ...

    def hash(self, texts: Sequence[str]) -> Any: ...


class ProbabilityModel(TextModel, Protocol):
    """P(positive) per normalised text, batched (models/anger_model.py)."""

    def predict_proba(self, texts: Sequence[str], counts: Any = None) -> Sequence[float]: ...


class SupportLike(TextModel, Protocol):
    """Urgency and complaint type from text and the rules' view of it (models/support_model.py)."""

    def predict(self, texts: Sequence[str], rules: Sequence[MessageScores], counts: Any = None
                ) -> tuple[Sequence[float], Sequence[str | None]]: ...


# A model's view counts in full only when it is "more likely than not": on real chat (the
# JDDC sample) the anger model rates plain questions (什么意思, 现在能不能退货) 0.35–0.5,
# which raised "anger rising" on calm customers. Below this its probability is halved:
# it still orders messages (reports, the risk model) but cannot raise a flag by itself.
MODEL_MIN = 0.5
BELOW_MIN_FACTOR = 0.5
# A model needs a few characters: on replies of one to three (都没有, 就这些, 今天) it
# sees only their character n-grams' associations (Weibo anger; urgent requests that
# name a day), so they get the halved value too. The rules still read 滚, 垃圾, ！！！,
# 急用 in full.
MODEL_MIN_CHARS = 4


class ModelScorer:
    """The rules plus trained models, each optional:

    - anger = max(rules, anger model); urgency = max(rules, support model); a model counts
      in full from ``MODEL_MIN`` on texts of ``MODEL_MIN_CHARS`` or more,
      halved below, so it orders messages but cannot raise a flag by itself. The rules
      stay a floor of explicit evidence (threats, insults, ！！！, deadlines; negation
      handled), the models add what is voiced without the listed words;
    - complaint type: the support model's category, or the rules' when it says none.
    Signals come from the rules, plus ``anger_model`` / ``urgency_model`` when a model
    carries the score; ``anger_model`` on the scores keeps the model's raw probability.
    """

    def __init__(self, rules: RuleScorer, anger: ProbabilityModel | None,
                 support: SupportLike | None = None) -> None:
        self.rules = rules
        self.anger = anger
        self.support = support
        self.name = scorer_name(anger, support)

    def score_batch(self, events: Sequence[Event]) -> list[MessageScores]:
        out = self.rules.score_batch(events)
        # A blank message carries no wording to judge: the models would only say their prior.
        at = [i for i, e in enumerate(events) if e.role == "customer" and e.text.strip()]
        if at:
            # Chat repeats itself (好的, 在吗, 谢谢): each distinct text is scored once.
            first: dict[str, int] = {}
            for i in at:
                first.setdefault(events[i].norm_text or events[i].text, i)
            combined = dict(zip(first, self._combine(list(first), [out[i] for i in first.values()]),
                                strict=True))
            for i in at:
                out[i] = combined[events[i].norm_text or events[i].text]
        return out

    def score_texts(self, texts: Sequence[str]) -> list[MessageScores]:
        """Scores of customer messages (normalised texts), one batch."""
        return self.score_batch([Event("", str(i), 0, "customer", t, norm_text=t)
                                 for i, t in enumerate(texts)])

    def _combine(self, texts: list[str], rules: list[MessageScores]) -> list[MessageScores]:
        if not texts:
            return []
        counts = None
        if self.anger and self.support and _shares_hashing(self.anger.hashing, self.support.hashing):
            counts = self.anger.hash(texts)  # both hash the same n-grams: do it once
        anger = self.anger.predict_proba(texts, counts) if self.anger else [None] * len(texts)
        urgency, kinds = (self.support.predict(texts, rules, counts) if self.support
                          else ([None] * len(texts), [None] * len(texts)))
        return [_with_models(s, a, u, k, len(t.strip()) >= MODEL_MIN_CHARS)
                for t, s, a, u, k in zip(texts, rules, anger, urgency, kinds, strict=True)]


def _shares_hashing(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Same n-grams, and the second's buckets a power-of-two fraction of the first's (it
    folds the first's counts; see ``support_model.fold``)."""
    (buckets, ngrams), (buckets2, ngrams2) = first, second
    return ngrams == ngrams2 and buckets >= buckets2 and buckets % buckets2 == 0


def scorer_name(anger: ProbabilityModel | None, support: SupportLike | None) -> str:
    """The name of the scorer these models make with the rules (metrics, artifacts)."""
    return "+".join([RuleScorer.name] + [m.name for m in (anger, support) if m is not None])


def build_scorer(lexicon: Lexicon, anger: ProbabilityModel | None = None,
                 support: SupportLike | None = None) -> Scorer:
    """The rules, with the trained models that are given."""
    rules = RuleScorer(lexicon)
    return ModelScorer(rules, anger, support) if anger or support else rules


def _with_models(s: MessageScores, anger: float | None, urgency: float | None,
                 kind: str | None, long_enough: bool) -> MessageScores:
    signals = s.signals
    new_anger, new_urgency = s.anger, s.urgency
    if anger is not None:
        counted, confident = _counted(anger, long_enough)
        if counted > s.anger:
            new_anger = counted
            if confident:
                signals += (Signal("anger_model", f"{new_anger:.2f}"),)
    # Urgency cancelled by the customer (不着急, 慢慢来) stays cancelled.
    if urgency is not None and not any(x.code == "urgency_negated" for x in s.signals):
        counted, confident = _counted(urgency, long_enough)
        if counted > s.urgency:
            new_urgency = counted
            if confident:
                signals += (Signal("urgency_model", f"{new_urgency:.2f}"),)
    return MessageScores(new_anger, new_urgency, kind or s.complaint_type, signals,
                         None if anger is None else round(anger, 4))


def _counted(probability: float, long_enough: bool) -> tuple[float, bool]:
    """A model's probability as the scorer counts it, and whether in full (``MODEL_MIN``,
    ``MODEL_MIN_CHARS``) rather than halved."""
    confident = long_enough and probability >= MODEL_MIN
    return round(probability if confident else BELOW_MIN_FACTOR * probability, 4), confident
