"""Masking of personal data (PLAYBOOK §5, 个人信息保护法).

``mask`` is the only function that makes customer text safe for excerpts, stored
text, alerts, reports, dead letters and log lines. It reads a normalised view of the
text (``view.py``: full-width, Chinese numerals, zero-width characters, Traditional
forms), finds personal data there (``numbers.py``, ``contacts.py``, ``addresses.py``) and
replaces the same spans of the text as the customer wrote it with placeholders such as
``[手机号]``. It prefers to tell personal numbers from order and tracking numbers by
their label and format rather than mask every long digit run, so excerpts stay useful.

Every detector is a bounded pattern: masking is linear in the text's length (a test
holds adversarial 100 KB inputs to a budget relative to plain text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.privacy import addresses, contacts, numbers
from monitor.privacy.view import view as normalised_view

Span = tuple[int, int, str | None]

# Every detector needs one of these in the view: most chat messages have none.
_MAYBE_PERSONAL = re.compile(
    r"[0-9@]|\bat\b|\(at\)|\[at\]|[号栋幢座室层楼弄组路街巷村屯区县镇乡市省苑厦园广社]|叫|本人|姓|联系人|收件人|收货人|"
    r"签收人|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z]", re.I)
EXCERPT_MARGIN = 256  # characters past an excerpt's end masked with it (a number cut in two)


def spans(text: str) -> list[Span]:
    """The personal data in ``text``: (start, end, placeholder), not overlapping, in order.
    A span with placeholder None is a number kept readable on purpose (an order number)."""
    v = normalised_view(text)
    if not _MAYBE_PERSONAL.search(v):
        return []
    taken: list[Span] = []
    for found in (numbers.labelled(v), contacts.emails(v), contacts.ids(v), numbers.by_format(v),
                  contacts.names(v), addresses.addresses(v)):
        taken = _take(taken, found)
    return taken


def _take(taken: list[Span], found: Iterable[Span]) -> list[Span]:
    """``taken`` (sorted, not overlapping) with the spans of ``found`` that overlap none
    of them nor an earlier one of ``found`` (earlier detectors win). One merge pass:
    linear, however many spans a hostile text makes."""
    accepted: list[Span] = []
    j, last_end = 0, -1
    for span in sorted(found):
        start, end, _ = span
        while j < len(taken) and taken[j][1] <= start:
            j += 1
        if end <= start or start < last_end or (j < len(taken) and taken[j][0] < end):
            continue
        accepted.append(span)
        last_end = end
    return sorted(taken + accepted) if accepted else taken


def mask(text: str) -> str:
    """Replace personal data in ``text`` with bracketed placeholders such as ``[手机号]``."""
    if not text:
        return text
    found = spans(text)
    if not found:
        return text
    out, at = [], 0
    for start, end, placeholder in found:
        if placeholder is None:
            continue
        out.append(text[at:start])
        out.append(placeholder)
        at = end
    out.append(text[at:])
    return "".join(out)


def excerpt(text: str, limit: int = 140) -> str:
    """A masked, length-limited excerpt for flags, alerts and reports. Only the part that
    can be shown is masked (plus a margin, so nothing cut at the end escapes)."""
    masked = mask(text[: limit + EXCERPT_MARGIN])
    if len(masked) <= limit and len(text) <= limit + EXCERPT_MARGIN:
        return masked
    return masked[: limit - 1] + "…"
