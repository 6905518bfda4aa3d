"""Step 2: normalise message text for scoring.

Traditional → Simplified with OpenCC (phrase-aware and ~20× faster than snownlp's
character converter in our measurement, see README), full-width Latin letters,
digits and spaces → half-width, whitespace runs → one space. Emoji, case and
punctuation runs are kept: they carry emotion (PLAYBOOK §2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import opencc

from monitor.records.events import Event

# U+FF10..U+FF19 digits, U+FF21..U+FF3A / U+FF41..U+FF5A letters, U+3000 ideographic space.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_WIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_WIDTH)).strip()


def normalise(text: str) -> str:
    """Return ``text`` in Simplified Chinese with half-width alphanumerics and tidy spaces."""
    text = _tidy(text)
    if text.isascii():
        return text
    return str(_converter().convert(text))


def normalise_batch(events: Sequence[Event]) -> list[Event]:
    """The events with ``norm_text`` filled in, as ``normalise`` would, in one OpenCC call:
    tidied texts have no newline left, so the batch is converted joined by newlines and
    split again (identical output on 16,102 real texts, 2.6x faster than one call each)."""
    tidy = [_tidy(e.text) for e in events]
    chinese = [i for i, t in enumerate(tidy) if not t.isascii()]
    if chinese:
        converted = str(_converter().convert("\n".join(tidy[i] for i in chinese))).split("\n")
        if len(converted) != len(chinese):  # a conversion never adds or drops a newline
            raise RuntimeError("OpenCC changed the number of lines of a batch")
        for i, text in zip(chinese, converted, strict=True):
            tidy[i] = text
    # Direct constructor calls: dataclasses.replace was 12 % of pipeline time in profiles.
    return [Event(e.conversation_id, e.message_id, e.ts_ms, e.role, e.text, e.channel, e.agent_id,
                  e.customer_id, e.queue, e.extra, t, e.truncated, e.record)
            for e, t in zip(events, tidy, strict=True)]
