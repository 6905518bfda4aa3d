"""Step 3, with trained models: the rules' scores combined with the anger, urgency and
complaint-type models, plus each message's contribution to the conversation-risk model
and whether it expects a reply (``monitor/models``). The rules alone are
``scoring.RuleScorer``; ``build_scorer`` picks one or the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from monitor.models.anger_model import SHORT_CHARS
from monitor.records.events import Event
from monitor.records.lexicon import Lexicon
from monitor.records.scores import MessageScores, Signal
from monitor.steps.scoring import RuleScorer, Scorer


class TextModel(Protocol):
    """A trained model over hashed character n-grams (models/char_hash.py)."""

    @property
    def name(self) -> str: ...

    @property
    def hashing(self) -> tuple[int, int]: ...

    def hash(self, texts: Sequence[str]) -> Any: ...


class ProbabilityModel(TextModel, Protocol):
    """P(positive) per normalised text, batched (models/text_model.py)."""

    def predict_proba(self, texts: Sequence[str], counts: Any = None) -> Sequence[float]: ...


class AngerLike(ProbabilityModel, Protocol):
    """The anger model: its probability, and the fitted combination with the rules'
    evidence that is the anger in use (models/anger_model.py)."""

    def combine(self, probability: Any, evidence: Any, short: Any) -> Any: ...


class ContributionModel(TextModel, Protocol):
    """A linear model's contribution per normalised text (models/risk_model.py RiskText)."""

    def contributions(self, texts: Sequence[str], counts: Any = None) -> Sequence[float]: ...


class EncoderLike(Protocol):
    """The second opinion on anger near a threshold (models/encoder.py)."""

    name: str

    def embed(self, texts: Sequence[str]) -> Any: ...

    def predict(self, probability: Sequence[float], evidence: Sequence[float], short: Sequence[bool],
                embeddings: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Cascade:
    """The encoder re-scores a message whose fast anger is in ``[low, high)``."""

    encoder: EncoderLike
    low: float
    high: float


class SupportLike(TextModel, Protocol):
    """Urgency and complaint type from text and the rules' view of it (models/support_model.py)."""

    def predict(self, texts: Sequence[str], rules: Sequence[MessageScores], counts: Any = None
                ) -> tuple[Sequence[float], Sequence[str | None]]: ...


# The urgency model counts in full only when it is "more likely than not" and the text
# has a few characters: on real chat (the JDDC sample) plain requests to hurry (请尽快) and
# replies of one to three characters that name a day (今天) reached 0.5. Below, its
# probability is halved: it still orders messages but cannot raise a flag by itself.
# The anger in use needs no such gate: the fitted combination (models/anger_model.py)
# weighs short texts and the rules' evidence itself. ``MODEL_MIN`` also decides when a
# flag names the anger model among its reasons.
MODEL_MIN = 0.5
BELOW_MIN_FACTOR = 0.5
MODEL_MIN_CHARS = SHORT_CHARS


class ModelScorer:
    """The rules plus trained models, each optional:

    - anger: the anger model's fitted combination of its probability with the rules'
      graded evidence (``AngerModel.combine``); the rules' hard signals (threats,
      insults, supervisor demands) raise flags as reasons of their own;
    - urgency = max(rules, support model), the model in full from ``MODEL_MIN`` on texts
      of ``MODEL_MIN_CHARS`` or more, halved below; negated urgency stays negated;
    - complaint type: the support model's category, or the rules' when it says none.
    - risk_text: the conversation-risk model's contribution of the message's text;
    - expects_reply: the reply model's P(the message expects an answer).
    Signals come from the rules, plus ``anger_model`` / ``urgency_model`` when a model
    is confident; ``anger_model`` on the scores keeps the model's raw probability.
    """

    def __init__(self, rules: RuleScorer, anger: AngerLike | None,
                 support: SupportLike | None = None, risk_text: ContributionModel | None = None,
                 reply: ProbabilityModel | None = None, cascade: Cascade | None = None) -> None:
        self.rules = rules
        self.anger = anger
        self.support = support
        self.risk_text = risk_text
        self.reply = reply
        self.cascade = cascade if anger is not None else None
        self.encoded = 0  # messages the encoder re-scored (the cascade's share)
        self.name = scorer_name(anger, support, reply)
        if self.cascade is not None:
            self.name += f"+{self.cascade.encoder.name}"

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
        # Models that hash the same n-grams into as many buckets or a fraction of them fold
        # the first model's counts: a batch is hashed once.
        models: list[TextModel] = [m for m in (self.anger, self.support, self.risk_text, self.reply)
                                   if m is not None]
        counts = (models[0].hash(texts) if len(models) > 1
                  and any(_shares_hashing(models[0].hashing, m.hashing) for m in models[1:]) else None)

        folded: dict[int, Any] = {}

        def shared(model: TextModel) -> Any:
            if counts is None or not _shares_hashing(models[0].hashing, model.hashing):
                return None
            buckets = model.hashing[0]  # models of the same size share one fold
            if buckets not in folded:
                folded[buckets] = counts.fold(buckets)
            return folded[buckets]

        short = [len(t.strip()) < SHORT_CHARS for t in texts]
        anger: Sequence[float | None] = [None] * len(texts)
        in_use: Sequence[float | None] = [None] * len(texts)
        if self.anger:
            anger = self.anger.predict_proba(texts, shared(self.anger))
            evidence = [s.anger_evidence for s in rules]
            fast: list[float] = self.anger.combine(anger, evidence, short).tolist()
            in_use = (fast if self.cascade is None
                      else self._second_opinion(texts, anger, evidence, short, fast))
        urgency, kinds = (self.support.predict(texts, rules, shared(self.support)) if self.support
                          else ([None] * len(texts), [None] * len(texts)))
        risk: Sequence[float | None] = [None] * len(texts)
        if self.risk_text:  # a text's contribution does not depend on the rest of the batch
            risk = self.risk_text.contributions(texts, shared(self.risk_text))
        reply: Sequence[float | None] = [None] * len(texts)
        if self.reply:
            reply = [round(v, 4) for v in self.reply.predict_proba(texts, shared(self.reply))]
        return [_with_models(s, a, c, u, k, r, e, not sh) for s, a, c, u, k, r, e, sh
                in zip(rules, anger, in_use, urgency, kinds, risk, reply, short, strict=True)]


    def _second_opinion(self, texts: list[str], anger: Sequence[float | None], evidence: list[float],
                        short: list[bool], in_use: list[float]) -> list[float]:
        """The encoder's anger for the long-enough messages whose fast anger is in the band."""
        assert self.cascade is not None
        c = self.cascade
        at = [i for i, v in enumerate(in_use) if not short[i] and c.low <= v < c.high]
        if not at:
            return in_use
        self.encoded += len(at)
        second = c.encoder.predict([float(anger[i] or 0.0) for i in at], [evidence[i] for i in at],
                                   [False] * len(at), c.encoder.embed([texts[i] for i in at]))
        out = list(in_use)
        for i, v in zip(at, second, strict=True):
            out[i] = float(v)
        return out


def _shares_hashing(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Same n-grams, and the second's buckets a power-of-two fraction of the first's (it
    folds the first's counts; see ``support_model.fold``)."""
    (buckets, ngrams), (buckets2, ngrams2) = first, second
    return ngrams == ngrams2 and buckets >= buckets2 and buckets % buckets2 == 0


def scorer_name(anger: AngerLike | None, support: SupportLike | None,
                reply: ProbabilityModel | None = None) -> str:
    """The name of the scorer these models make with the rules (metrics, artifacts)."""
    return "+".join([RuleScorer.name] + [m.name for m in (anger, support, reply) if m is not None])


def build_scorer(lexicon: Lexicon, anger: AngerLike | None = None,
                 support: SupportLike | None = None, risk_text: ContributionModel | None = None,
                 reply: ProbabilityModel | None = None, cascade: Cascade | None = None) -> Scorer:
    """The rules, with the trained models that are given."""
    rules = RuleScorer(lexicon)
    models = anger or support or risk_text or reply
    return ModelScorer(rules, anger, support, risk_text, reply, cascade) if models else rules


def _with_models(s: MessageScores, anger: float | None, anger_in_use: float | None,
                 urgency: float | None, kind: str | None, risk_text: float | None,
                 expects_reply: float | None, long_enough: bool) -> MessageScores:
    signals = s.signals
    new_anger, new_urgency = s.anger, s.urgency
    if anger is not None and anger_in_use is not None:
        new_anger = round(anger_in_use, 4)
        if long_enough and anger >= MODEL_MIN:
            signals += (Signal("anger_model", f"{anger:.2f}"),)
    # Urgency cancelled by the customer (不着急, 慢慢来) stays cancelled.
    if urgency is not None and not (s.signals and any(x.code == "urgency_negated" for x in s.signals)):
        confident = long_enough and urgency >= MODEL_MIN
        counted = round(urgency if confident else BELOW_MIN_FACTOR * urgency, 4)
        if counted > s.urgency:
            new_urgency = counted
            if confident:
                signals += (Signal("urgency_model", f"{new_urgency:.2f}"),)
    return MessageScores(new_anger, new_urgency, kind or s.complaint_type, signals,
                         None if anger is None else round(anger, 4), s.anger_evidence, risk_text,
                         expects_reply)
