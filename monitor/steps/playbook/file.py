"""The playbook file (YAML): thresholds, response-time targets and term lists.

The built-in file ``monitor/data/playbook.yaml`` is the default and documents every
key. An operator's file holds only what it changes; each key it gives replaces the
built-in value (a term list or weight table as a whole). The file is checked once at
start-up: any unknown key, wrong type, out-of-range value or YAML error is rejected
with its line number, so a typo never silently turns a rule off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.records import lexicon as lx
from monitor.records.errors import UsageError
from monitor.records.settings import PlaybookSettings
from monitor.steps.normalise import normalise

BUILTIN = "built-in"


class PlaybookFileError(UsageError):
    """The playbook file cannot be used: ``path:line: reason``."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"playbook {path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True, slots=True)
class PlaybookFile:
    """A checked playbook: the settings, the term lists, and where they came from;
    ``channels``: the settings of each channel that has its own thresholds; ``queues``:
    those of each (channel, queue) whose queue has its own."""

    settings: PlaybookSettings
    lexicon: lx.Lexicon
    source: str
    sha256: str
    channels: Mapping[str, PlaybookSettings] = field(default_factory=dict)
    queues: Mapping[tuple[str, str], PlaybookSettings] = field(default_factory=dict)


# --- the schema: one checker per value kind -------------------------------------------
Checker = Callable[[Node, "_Ctx"], Any]


@dataclass(frozen=True, slots=True)
class _Ctx:
    path: str
    constructor: yaml.constructor.SafeConstructor

    def fail(self, node: Node, reason: str) -> PlaybookFileError:
        return PlaybookFileError(self.path, node.start_mark.line + 1, reason)


def _scalar(node: Node, ctx: _Ctx) -> Any:
    if not isinstance(node, ScalarNode):
        raise ctx.fail(node, "expected a single value here, not a list or table")
    return ctx.constructor.construct_object(node)


def _number(lo: float, hi: float) -> Checker:
    def check(node: Node, ctx: _Ctx) -> float:
        value = _scalar(node, ctx)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ctx.fail(node, f"expected a number, got {node.value!r}")
        if not lo <= value <= hi:
            raise ctx.fail(node, f"{value} is out of range {lo:g}..{hi:g}")
        return float(value)
    return check


def _integer(lo: int, hi: int) -> Checker:
    def check(node: Node, ctx: _Ctx) -> int:
        value = _scalar(node, ctx)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.fail(node, f"expected a whole number, got {node.value!r}")
        if not lo <= value <= hi:
            raise ctx.fail(node, f"{value} is out of range {lo}..{hi}")
        return value
    return check


def _term(node: Node, ctx: _Ctx) -> str:
    value = _scalar(node, ctx)
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(node, f"expected a non-empty term in quotes, got {node.value!r}")
    # Terms are matched against normalised, lower-cased text: store them the same way,
    # so a term written in Traditional characters or capitals still matches.
    return normalise(value.strip()).lower()


def _terms(node: Node, ctx: _Ctx) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        raise ctx.fail(node, 'expected a list of terms, e.g. ["好的", "收到"]')
    out: list[str] = []
    for item in node.value:
        term = _term(item, ctx)
        if term in out:
            raise ctx.fail(item, f"term {term!r} is listed twice")
        out.append(term)
    if not out:
        raise ctx.fail(node, "the list is empty (leave the key out to keep the built-in list)")
    return tuple(out)


def _weights(node: Node, ctx: _Ctx) -> dict[str, float]:
    if not isinstance(node, MappingNode):
        raise ctx.fail(node, 'expected a table of term: weight, e.g. {"垃圾": 0.35}')
    out: dict[str, float] = {}
    weight = _number(0.01, 1.0)
    for key, value in node.value:
        term = _term(key, ctx)
        if term in out:
            raise ctx.fail(key, f"term {term!r} is listed twice")
        out[term] = weight(value, ctx)
    if not out:
        raise ctx.fail(node, "the table is empty (leave the key out to keep the built-in table)")
    return out


def _text(node: Node, ctx: _Ctx) -> str:
    value = _scalar(node, ctx)
    if not isinstance(value, str):
        raise ctx.fail(node, f"expected text in quotes, got {node.value!r}")
    return normalise(value)


_SCHEMA: dict[str, Checker | dict[str, Checker]] = {
    "version": _integer(1, 1),
    "thresholds": {
        "anger_high": _number(0, 1), "anger_critical": _number(0, 1), "anger_elevated": _number(0, 1),
        "anger_words_high": _number(0, 1),
        "risk_elevated": _number(0, 1), "risk_escalate": _number(0, 1), "anger_rise": _number(0, 1),
        "anger_rise_min": _number(0, 1), "upset": _number(0, 1), "calm": _number(0, 1),
        "calm_turns": _integer(1, 50), "urgency_high": _number(0, 1),
        "urgency_critical": _number(0, 1), "out_of_control_attempts": _integer(1, 20),
        "reply_expected": _number(0, 1),
    },
    "response_targets": {
        "first_reply_s": _number(1, 86_400), "reply_s": _number(1, 86_400),
        "badly_breached_s": _number(1, 86_400),
    },
    "customer_type_rules": {
        "talkative_run": _integer(2, 100), "talkative_chars": _integer(50, 100_000),
        "expert_min_terms": _integer(1, 20),
    },
    "customer_signals": dict.fromkeys(lx.CUSTOMER_SIGNALS, _weights),
    "urgency_signals": dict.fromkeys(lx.URGENCY_SIGNALS, _weights),
    "urgency_negations": _terms,
    "negation": {"negators": _terms, "fillers": _text},
    "complaint_types": dict.fromkeys(lx.COMPLAINT_TYPES, _terms),
    "agent_signals": dict.fromkeys(lx.AGENT_SIGNALS, _terms),
    "customer_ignore": _terms,
    "customer_closing": _terms,
    "customer_type_cues": dict.fromkeys(lx.CUE_TYPES, _terms),
}
# The channels of CONTRACT §1, and what a channel may set for itself: the thresholds of the
# flag rules and the response targets (calm and the reply clock stay the same everywhere:
# the conversation state, not the playbook, keeps them).
CHANNELS = ("chat", "email", "app", "social", "phone")
_PER_CHANNEL = ("thresholds", "response_targets")
_NOT_PER_CHANNEL = frozenset({"calm", "calm_turns", "reply_expected"})


def _sections(body: Node, ctx: _Ctx, what: str) -> dict[str, dict[str, Any]]:
    """The thresholds and response targets one channel or queue sets for itself."""
    if not isinstance(body, MappingNode):
        raise ctx.fail(body, f"{what} expects: {', '.join(_PER_CHANNEL)}")
    sections: dict[str, dict[str, Any]] = {}
    for name, _, section in _keys(body, ctx, dict.fromkeys(_PER_CHANNEL)):
        spec = _SCHEMA[name]
        assert isinstance(spec, dict)
        allowed = {k: v for k, v in spec.items() if k not in _NOT_PER_CHANNEL}
        if not isinstance(section, MappingNode):
            raise ctx.fail(section, f"section {name!r} expects keys: {', '.join(allowed)}")
        sections[name] = {key: allowed[key](value, ctx) for key, _, value in _keys(section, ctx, allowed)}
    return sections


def _channels(node: Node, ctx: _Ctx) -> dict[str, dict[str, dict[str, Any]]]:
    """``channels: {social: {thresholds: {...}, response_targets: {...}}}``."""
    if not isinstance(node, MappingNode):
        raise ctx.fail(node, f"expected channels such as 'social:'; one of: {', '.join(CHANNELS)}")
    return {channel: _sections(body, ctx, f"channel {channel!r}")
            for channel, _, body in _keys(node, ctx, dict.fromkeys(CHANNELS))}


def _queues(node: Node, ctx: _Ctx) -> dict[str, dict[str, dict[str, Any]]]:
    """``queues: {vip: {thresholds: {...}}}``: a queue's values over its channel's."""
    if not isinstance(node, MappingNode):
        raise ctx.fail(node, "expected queue names such as 'vip:', each with thresholds or response_targets")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for key, body in node.value:
        name = _scalar(key, ctx)
        if not isinstance(name, str) or not 0 < len(name) <= 128 or not name.isprintable():
            raise ctx.fail(key, f"expected a queue name (1-128 printable characters), got {key.value!r}")
        if name in out:
            raise ctx.fail(key, f"queue {name!r} appears twice")
        out[name] = _sections(body, ctx, f"queue {name!r}")
    return out


_SCHEMA["channels"] = _channels
_SCHEMA["queues"] = _queues

Values = dict[str, Any]
Lines = dict[tuple[str, str], int]


def _keys(node: MappingNode, ctx: _Ctx, allowed: Mapping[str, object]) -> list[tuple[str, Node, Node]]:
    seen: set[str] = set()
    out = []
    for key, value in node.value:
        name = _scalar(key, ctx)
        if name not in allowed:
            raise ctx.fail(key, f"unknown key {name!r}; expected one of: {', '.join(allowed)}")
        if name in seen:
            raise ctx.fail(key, f"key {name!r} appears twice")
        seen.add(name)
        out.append((name, key, value))
    return out


def _read(text: str, path: str) -> tuple[Values, Lines]:
    """Check one file against the schema; return its values and each key's line."""
    ctx = _Ctx(path, yaml.constructor.SafeConstructor())
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PlaybookFileError(path, line, f"not valid YAML: {exc.problem or exc.context}") from None
    if root is None:
        raise PlaybookFileError(path, 1, "the file is empty")
    if not isinstance(root, MappingNode):
        raise ctx.fail(root, "expected sections such as 'thresholds:' at the top level")
    values: Values = {}
    lines: Lines = {}
    for name, key, node in _keys(root, ctx, _SCHEMA):
        spec = _SCHEMA[name]
        lines[(name, "")] = key.start_mark.line + 1
        if callable(spec):
            values[name] = spec(node, ctx)
            continue
        if not isinstance(node, MappingNode):
            raise ctx.fail(node, f"section {name!r} expects keys: {', '.join(spec)}")
        section = values[name] = {}
        for sub, sub_key, sub_node in _keys(node, ctx, spec):
            section[sub] = spec[sub](sub_node, ctx)
            lines[(name, sub)] = sub_key.start_mark.line + 1
    if "version" not in values:
        raise PlaybookFileError(path, 1, "missing 'version: 1' (the playbook file format)")
    return values, lines


def _merge(base: Values, override: Values) -> Values:
    merged = dict(base)
    for name, value in override.items():
        if name in ("channels", "queues"):  # key by key: a file can change one threshold of one
            channels = {c: {s: dict(v) for s, v in sections.items()}
                        for c, sections in base.get(name, {}).items()}
            for channel, sections in value.items():
                for section, keys in sections.items():
                    channels.setdefault(channel, {}).setdefault(section, {}).update(keys)
            merged[name] = channels
        else:
            merged[name] = {**base[name], **value} if isinstance(value, dict) else value
    return merged


def channel_values(values: Values, channel: str, queue: str | None = None) -> Values:
    """The values as they apply to one channel (and queue): the queue's thresholds and
    targets over the channel's, over the rest."""
    own = values.get("channels", {}).get(channel, {})
    mine = values.get("queues", {}).get(queue, {}) if queue is not None else {}
    return {**values, **{s: {**values[s], **own.get(s, {}), **mine.get(s, {})} for s in _PER_CHANNEL}}


def _check_order(values: Values, lines: Lines, path: str) -> None:
    """Thresholds that only make sense in one order (e.g. critical above high)."""
    rules = [
        ("thresholds", "calm", "upset", "a calm message cannot also count as upset"),
        ("thresholds", "upset", "anger_high", "'upset' must not exceed 'anger_high'"),
        ("thresholds", "anger_high", "anger_critical", "'anger_critical' must be ≥ 'anger_high'"),
        ("thresholds", "anger_elevated", "anger_high", "'anger_elevated' must not exceed 'anger_high'"),
        ("thresholds", "risk_elevated", "risk_escalate", "'risk_escalate' must be ≥ 'risk_elevated'"),
        ("thresholds", "urgency_high", "urgency_critical",
         "'urgency_critical' must be ≥ 'urgency_high'"),
        ("response_targets", "first_reply_s", "badly_breached_s",
         "'badly_breached_s' must be ≥ 'first_reply_s'"),
        ("response_targets", "reply_s", "badly_breached_s", "'badly_breached_s' must be ≥ 'reply_s'"),
    ]
    scopes: list[tuple[str | None, str | None]] = [(None, None)]
    scopes += [(c, None) for c in values.get("channels", {})]
    scopes += [(c, q) for q in values.get("queues", {}) for c in CHANNELS]
    for channel, queue in scopes:
        applied = values if channel is None else channel_values(values, channel, queue)
        where = ("" if channel is None else f" (channel {channel})" if queue is None
                 else f" (queue {queue} on channel {channel})")
        for section, low, high, reason in rules:
            if applied[section][low] > applied[section][high]:
                line = (lines.get((section, high)) or lines.get((section, low))
                        or lines.get(("queues" if queue else "channels", "")) or 1)
                raise PlaybookFileError(path, line, reason + where)


def _settings(values: Values) -> PlaybookSettings:
    t, r, c = values["thresholds"], values["response_targets"], values["customer_type_rules"]
    return PlaybookSettings(
        **t, first_reply_target_s=r["first_reply_s"], reply_target_s=r["reply_s"],
        badly_breached_s=r["badly_breached_s"], **c,
    )


def _build(values: Values, source: str, sha256: str) -> PlaybookFile:
    settings = _settings(values)
    channels = {c: _settings(channel_values(values, c)) for c in values.get("channels", {})}
    queues = {(c, q): _settings(channel_values(values, c, q))
              for q in values.get("queues", {}) for c in CHANNELS}
    lexicon = lx.Lexicon(
        customer=values["customer_signals"], urgency=values["urgency_signals"],
        urgency_negations=values["urgency_negations"],
        negators=values["negation"]["negators"], negation_fillers=values["negation"]["fillers"],
        ignore=values["customer_ignore"],
        complaint_types=values["complaint_types"], agent=values["agent_signals"],
        customer_closing=values["customer_closing"], type_cues=values["customer_type_cues"],
    )
    return PlaybookFile(settings, lexicon, source, sha256, channels, queues)


def builtin_text() -> str:
    return (resources.files("monitor") / "data" / "playbook.yaml").read_text("utf-8")


@lru_cache(maxsize=1)
def _builtin_values() -> Values:
    values, _ = _read(builtin_text(), BUILTIN)
    missing = [f"{name}.{sub}" if sub else name
               for name, spec in _SCHEMA.items()
               for sub in (spec if isinstance(spec, dict) else [""])
               if name not in values or (sub and sub not in values[name])]
    if missing:  # a packaging bug, not a user error: fail loudly
        raise RuntimeError(f"built-in playbook lacks {', '.join(missing)}")
    return values


@lru_cache(maxsize=1)
def builtin() -> PlaybookFile:
    """The default playbook shipped with the package."""
    text = builtin_text()
    return _build(_builtin_values(), BUILTIN, hashlib.sha256(text.encode()).hexdigest())


def overrides(path: str | None) -> Values:
    """What the file at ``path`` changes (checked), as plain values; ``{"version": 1}``
    for the built-in playbook. A proposal is written over these."""
    if path is None:
        return {"version": 1}
    load(path)  # the same checks, with the line of the first error
    with open(path, encoding="utf-8") as fh:
        return _read(fh.read(), path)[0]


def load(path: str | None) -> PlaybookFile:
    """The built-in playbook, with the file at ``path`` (if any) applied over it."""
    if path is None:
        return builtin()
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read playbook {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"playbook {path} is not UTF-8 text") from None
    override, lines = _read(text, path)
    values = _merge(_builtin_values(), override)
    _check_order(values, lines, path)
    return _build(values, path, hashlib.sha256(text.encode()).hexdigest())
