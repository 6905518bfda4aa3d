"""``support-monitor playbook propose``: playbook changes the floor's verdicts ask for, each
measured by replaying the stored conversations (not estimated).

Candidates come from the reviewed flags: for false alarms, a higher threshold for the
rule that raised them in their channel or queue, a term of theirs moved to
``customer_ignore`` (if no confirmed flag names it), a closing phrase for a reply timer
that was not due; for missed reports, a lower threshold in their scope. Each candidate
is replayed on its own; one is kept when it removes false alarms (or catches missed
cases) without losing a confirmed flag or a caught missed case, and without adding a
flag a person called wrong. The kept ones are then combined one by one, largest gain
first, each step replayed again. Nothing changes until a person loads the file.
"""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.models.bundle import ModelBundle
from monitor.offline.feedback_data import Floor, Key, keys, replay
from monitor.privacy import mask
from monitor.records.flags import reason_terms
from monitor.steps.playbook import file as playbook_file
from monitor.steps.playbook.file import PlaybookFile, PlaybookFileError
from monitor.steps.scoring import closing_form

# reason code of a flag -> the settings that decide it (raised to remove the flag).
RULES: dict[str, tuple[str, ...]] = {
    "anger_high": ("anger_high",), "anger_rising": ("anger_rise",),
    "anger_with_risk": ("anger_elevated", "risk_elevated"), "anger_words": ("anger_words_high",),
    "punctuation_run": ("anger_words_high",), "review_threat": ("upset",),
    "risk_high": ("risk_escalate",), "out_of_control": ("out_of_control_attempts",),
    "response_breach_angry": ("badly_breached_s",), "urgency_high": ("urgency_high",),
    "no_reply": ("first_reply_s", "reply_s"), "slow_first_reply": ("first_reply_s",),
    "slow_reply": ("reply_s",),
}
# kind -> the settings that would raise it (lowered to catch a missed case).
MISSED_RULES: dict[str, tuple[str, ...]] = {
    "handle_emotion_first": ("anger_high", "anger_words_high"), "urgent": ("urgency_high",),
    "escalate_supervisor": ("risk_escalate",), "agent_coaching": ("first_reply_s", "reply_s"),
}
TARGETS = frozenset({"first_reply_s", "reply_s", "badly_breached_s"})
# A partner that must move along so the file still checks (critical ≥ high, …).
PARTNERS = {"anger_high": "anger_critical", "urgency_high": "urgency_critical",
            "first_reply_s": "badly_breached_s", "reply_s": "badly_breached_s"}
RAISE_STEPS = (0.05, 0.1, 0.15, 0.2, 0.3)
LOWER_STEPS = (0.05, 0.1, 0.15)
MAX_CLOSING_CHARS = 12
# A message with one of these asks or complains: it is never proposed as a closing,
# whatever a reviewer said (a question marked "no reply needed" is a mistake to not repeat).
NOT_CLOSING = re.compile(r"[?？]|吗|什么|怎么|哪|几|多少|是否|能不能|可不可以|为啥|为什么|没|不")


@dataclass(frozen=True, slots=True)
class Counts:
    confirmed_kept: int
    false_alarms_left: int
    missed_caught: int
    wrong_added: int = 0  # unreviewed flags the change adds (nobody said they are wrong)

    @staticmethod
    def of(found: set[Key], floor: Floor, base: set[Key] | None = None) -> Counts:
        reviewed = set(floor.reviews)
        added = len(found - (base or found) - reviewed - floor.missed)
        return Counts(len(found & floor.confirmed), len(found & floor.false_alarms),
                      len(found & floor.missed), added)


@dataclass(slots=True)
class Change:
    """One proposed change: what it says in words and as playbook values."""

    label: str
    values: dict[str, Any]
    counts: Counts | None = None

    def gain(self, base: Counts) -> tuple[int, int]:
        assert self.counts is not None
        return (base.false_alarms_left - self.counts.false_alarms_left,
                self.counts.missed_caught - base.missed_caught)


@dataclass(slots=True)
class Proposal:
    base: Counts
    reviewed: int
    reproduced: int
    missed: int
    kept: list[Change] = field(default_factory=list)
    rejected: list[Change] = field(default_factory=list)
    combined: Counts | None = None
    values: dict[str, Any] = field(default_factory=dict)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, nested tables key by key (lists replace)."""
    out = copy.deepcopy(base)
    for k, v in extra.items():
        nested = isinstance(v, dict) and isinstance(out.get(k), dict)
        out[k] = merge(out[k], v) if nested else copy.deepcopy(v)
    return out


def dump(values: dict[str, Any], header: str = "") -> str:
    return header + yaml.safe_dump(values, allow_unicode=True, sort_keys=False, width=100)


def load_values(values: dict[str, Any]) -> PlaybookFile | None:
    """The playbook these override values make, or None if it does not check."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as fh:
        fh.write(dump(values))
    try:
        return playbook_file.load(fh.name)
    except PlaybookFileError:
        return None
    finally:
        Path(fh.name).unlink()


def _scoped(scope: tuple[str, str], section: str, key: str, value: float) -> dict[str, Any]:
    where, name = scope
    return {"queues" if where == "queue" else "channels": {name: {section: {key: value}}}}


def _current(book: PlaybookFile, scope: tuple[str, str], channel: str, key: str) -> float:
    settings = (book.queues.get((channel, scope[1])) if scope[0] == "queue" else None) \
        or book.channels.get(channel) or book.settings
    attr = {"first_reply_s": "first_reply_target_s", "reply_s": "reply_target_s"}.get(key, key)
    return float(getattr(settings, attr))


def _steps(key: str, current: float, raise_: bool) -> Iterator[float]:
    if key == "out_of_control_attempts":
        yield from ((current + d) for d in (1, 2)) if raise_ else ((current - 1,) if current > 1 else ())
    elif key in TARGETS:
        yield from ((round(current * m) for m in (1.5, 2, 3)) if raise_ else
                    (round(current * m) for m in (0.75, 0.5)))
    else:
        for d in RAISE_STEPS if raise_ else LOWER_STEPS:
            value = round(current + d if raise_ else current - d, 2)
            if 0.05 <= value <= 1.0:
                yield value


def threshold_changes(book: PlaybookFile, floor: Floor, base: set[Key]) -> Iterator[list[Change]]:
    """Per (setting, scope): the values to try, mildest first."""
    groups: dict[tuple[str, tuple[str, str], bool], str] = {}  # -> a channel of the scope
    for key in floor.false_alarms & base:
        f = floor.reviews[key].flag
        for code in {r["code"] for r in f["reasons"]}:
            for setting in RULES.get(code, ()):
                for scope in _scopes(f):
                    groups.setdefault((setting, scope, True), f["channel"])
    for conv, msg, kind in floor.missed - base:
        m = floor.messages.get((conv, msg))
        if m is not None:
            for setting in MISSED_RULES.get(kind, ()):
                for scope in _scopes(m):
                    groups.setdefault((setting, scope, False), m["channel"])
    for (setting, scope, raise_), channel in groups.items():
        section = "response_targets" if setting in TARGETS else "thresholds"
        current = _current(book, scope, channel, setting)
        where = f"{'队列' if scope[0] == 'queue' else '渠道'} {mask(scope[1])}"
        changes = []
        for value in _steps(setting, current, raise_):
            values = _scoped(scope, section, setting, value)
            partner = PARTNERS.get(setting)
            if partner and raise_ and _current(book, scope, channel, partner) < value:
                values = merge(values, _scoped(scope, section if partner in TARGETS else "thresholds",
                                               partner, value))
            changes.append(Change(f"{where}：{setting} {current:g} → {value:g}", values))
        yield changes


def _scopes(row: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("channel", str(row["channel"]))]
    if row.get("queue"):
        out.append(("queue", str(row["queue"])))
    return out


def term_changes(book: PlaybookFile, floor: Floor, base: set[Key]) -> Iterator[list[Change]]:
    """A matched term of false alarms that no confirmed flag names: ignore it."""
    confirmed_terms = {t for k in floor.confirmed for t in reason_terms(floor.reviews[k].flag["reasons"])}
    customer_terms = {t for table in book.lexicon.customer.values() for t in table}
    seen: set[str] = set()
    for key in sorted(floor.false_alarms & base):
        for term in reason_terms(floor.reviews[key].flag["reasons"]):
            if term in customer_terms and term not in confirmed_terms and term not in seen:
                seen.add(term)
                ignore = [*book.lexicon.ignore, term]
                yield [Change(f"「{term}」加入 customer_ignore（不再计入）",
                                                {"customer_ignore": ignore})]
    closings: set[str] = set()
    for key in sorted(floor.false_alarms & base):
        review = floor.reviews[key]
        codes = {r["code"] for r in review.flag["reasons"]}
        message = floor.messages.get(key[:2])
        if "no_reply" in codes and review.reason == "no_reply_needed" and message is not None:
            text = closing_form(message["text_masked"])
            if (text and len(text) <= MAX_CLOSING_CHARS and "[" not in text and text not in closings
                    and not NOT_CLOSING.search(message["text_masked"])
                    and not any(t in text for t in customer_terms)):
                closings.add(text)
                closing = [*book.lexicon.customer_closing, text]
                yield [Change(f"「{text}」加入 customer_closing（无需回复）", {"customer_closing": closing})]


def propose(floor: Floor, current: dict[str, Any], models: ModelBundle,
            progress: Callable[[str], None] = lambda _: None) -> Proposal:
    """Replay the floor with each candidate over ``current`` (the override values in use)."""
    book = load_values(current)
    if book is None:
        raise PlaybookFileError("(current playbook)", 1, "does not check")
    found = keys(replay(floor.records, book, models))
    base = Counts.of(found, floor)
    result = Proposal(base, len(floor.reviews), len(set(floor.reviews) & found), len(floor.missed))
    candidates = [*threshold_changes(book, floor, found), *term_changes(book, floor, found)]
    for changes in candidates:
        best: Change | None = None
        for change in changes:
            trial = load_values(merge(current, change.values))
            if trial is None:
                continue
            progress(change.label)
            change.counts = Counts.of(keys(replay(floor.records, trial, models)), floor, found)
            if not _acceptable(change.counts, base):
                result.rejected.append(change)
                break  # a stronger step would lose at least as much
            if best is None or change.gain(base) > best.gain(base):
                best = change
        if best is not None and best.gain(base) > (0, 0):
            result.kept.append(best)
    result.kept.sort(key=lambda c: c.gain(base), reverse=True)
    result.values, result.combined = _combine(floor, current, result.kept, base, found, models, progress)
    return result


def _acceptable(c: Counts, base: Counts) -> bool:
    return (c.confirmed_kept >= base.confirmed_kept and c.missed_caught >= base.missed_caught
            and c.false_alarms_left <= base.false_alarms_left)


def _combine(floor: Floor, current: dict[str, Any], kept: list[Change], base: Counts, found: set[Key],
             models: ModelBundle, progress: Callable[[str], None]) -> tuple[dict[str, Any], Counts]:
    values, counts = copy.deepcopy(current), base
    for change in kept:
        trial_values = merge(values, change.values)
        if "customer_ignore" in change.values and "customer_ignore" in values:
            trial_values["customer_ignore"] = list(dict.fromkeys(
                [*values["customer_ignore"], *change.values["customer_ignore"]]))
        if "customer_closing" in change.values and "customer_closing" in values:
            trial_values["customer_closing"] = list(dict.fromkeys(
                [*values["customer_closing"], *change.values["customer_closing"]]))
        trial = load_values(trial_values)
        if trial is None:
            continue
        progress("combined: " + change.label)
        got = Counts.of(keys(replay(floor.records, trial, models)), floor, found)
        better = (counts.false_alarms_left - got.false_alarms_left, got.missed_caught - counts.missed_caught)
        if _acceptable(got, counts) and better > (0, 0):
            values, counts = trial_values, got
    return values, counts
