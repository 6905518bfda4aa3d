"""Step 2: normalise message text for scoring.

Traditional → Simplified with OpenCC (phrase-aware and ~20× faster than snownlp's
character converter in our measurement, see README), full-width Latin letters,
digits and spaces → half-width, whitespace runs → one space. Emoji, case and
punctuation runs are kept: they carry emotion (PLAYBOOK §2).
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from monitor.events import Event

# U+FF10..U+FF19 digits, U+FF21..U+FF3A / U+FF41..U+FF5A letters, U+3000 ideographic space.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_WIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Return ``text`` in Simplified Chinese with half-width alphanumerics and tidy spaces."""
    if not text:
        return ""
    text = text.translate(_WIDTH)
    text = _SPACES.sub(" ", text).strip()
    if text.isascii():
        return text
    return str(_converter().convert(text))


def normalise_event(event: Event) -> Event:
    """The event with ``norm_text`` filled in."""
    # A direct constructor call: dataclasses.replace was 12 % of pipeline time in profiles.
    e = event
    return Event(e.conversation_id, e.message_id, e.ts_ms, e.role, e.text, e.channel, e.agent_id,
                 e.customer_id, e.queue, e.extra, normalise(e.text))
