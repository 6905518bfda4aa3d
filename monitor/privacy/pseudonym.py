"""Identifiers that hold personal data (PLAYBOOK §5).

Helpdesks and phone systems name a conversation, a message or an agent by a phone
number or an e-mail address (``tel:13812345678``, ``zhang.san@example.com``). The
identifier reaches flags, the store, alerts and the console, so it cannot stay as it is;
it cannot be masked like text either, since every phone-number conversation would then
share one id. Such an identifier is replaced by its masked form plus a keyed digest of
the whole: the same input gives the same pseudonym on every instance sharing the key
(flag ids stay deterministic), and nobody without the key can test a guessed number
against it.

Digits inside a run of ASCII letters *and* digits (a hex id such as
``88c9c15919666414``) are not a phone number here; after letters alone (``tel138…``)
they are, as in text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from monitor.privacy.mask import spans

# Used when the operator sets no key. It keeps ids deterministic, but the code is
# public: with it a digest can be tested against guessed numbers. README: --id-key.
BUILT_IN_KEY = b"support-monitor/pseudonym/v1"
DIGEST_CHARS = 16
# What personal data in an identifier needs: an e-mail's @, or a number of seven digits
# or more (ASCII, full-width or Chinese numerals, with separators). Anything else is left
# alone without running the detectors: ids pass here on every message.
_DIGIT = "0-9０-９零〇一二三四五六七八九幺"
_NUMBER = re.compile(f"[{_DIGIT}][{_DIGIT}\\s\\-.()+]{{5,}}[{_DIGIT}]")
_AT = re.compile(r"[@＠]|\bat\b|\(at\)|\[at\]", re.I)


def _glued(identifier: str, at: int, step: int) -> bool:
    """Whether the span edge at ``at`` (walking by ``step``) touches a run of ASCII
    letters and digits that holds a digit: then the span is part of a random id."""
    run = []
    while 0 <= at < len(identifier) and identifier[at].isascii() and identifier[at].isalnum():
        run.append(identifier[at])
        at += step
    return any(c.isdigit() for c in run)


def _maybe_personal(identifier: str) -> bool:
    if _AT.search(identifier):
        return True
    return any(not _glued(identifier, m.start() - 1, -1) and not _glued(identifier, m.end(), 1)
               for m in _NUMBER.finditer(identifier))


@lru_cache(maxsize=65_536)  # a conversation's and an agent's id come again and again
def pseudonym(identifier: str, key: bytes = BUILT_IN_KEY, max_len: int = 128) -> str:
    """``identifier`` itself, or, when it holds personal data, its masked form and a
    keyed digest (``tel:[手机号]~3f9a…``), at most ``max_len`` characters."""
    if not _maybe_personal(identifier):
        return identifier
    found = [(start, end, placeholder) for start, end, placeholder in spans(identifier)
             if placeholder is not None
             and not _glued(identifier, start - 1, -1) and not _glued(identifier, end, 1)]
    if not found:
        return identifier
    out, at = [], 0
    for start, end, placeholder in found:
        out.append(identifier[at:start])
        out.append(placeholder)
        at = end
    out.append(identifier[at:])
    digest = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:DIGEST_CHARS]
    return "".join(out)[: max_len - DIGEST_CHARS - 1] + "~" + digest
