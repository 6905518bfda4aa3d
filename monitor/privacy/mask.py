"""Masking of personal data (PLAYBOOK §5, 个人信息保护法).

``mask`` is the only function that makes customer text safe for excerpts, stored
text, alerts, reports and log lines. It prefers to tell personal numbers from order
and tracking numbers by their format (ID-card checksum, Luhn, mobile prefixes)
rather than mask every long digit run, so excerpts stay useful to supervisors.
"""

from __future__ import annotations

import re

_ND = r"(?<![0-9A-Za-z])"  # not preceded by a digit or letter (tracking numbers like SF1234...)
_NA = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 18-digit resident ID: region, birth date, sequence, checksum digit or X.
_ID_CARD = re.compile(
    _ND + r"([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])" + _NA
)
# Card numbers: 16-19 digits, optionally in groups of four separated by spaces or dashes.
_CARD = re.compile(_ND + r"(\d{4}(?:[ \-]?\d{4}){2,3}(?:[ \-]?\d{1,4})?)" + _NA)
# Mainland mobile, optional +86, optional separators (138-0013-8000, 138 0013 8000).
_MOBILE = re.compile(_ND + r"((?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2})" + _NA)
# Landline: area code with a separator or in brackets, optional extension. 400/800 hotlines
# are company numbers, not personal data, and stay readable.
_LANDLINE = re.compile(
    _ND + r"((?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[ \-])\d{7,8}(?:(?:转|-|ext\.?)\d{1,6})?)" + _NA
)
_CARD_WORDS = re.compile(r"卡号|银行卡|信用卡|储蓄卡|借记卡|card", re.IGNORECASE)

_CN = r"[\u4e00-\u9fff]"
_ADMIN = rf"(?:{_CN}{{1,8}}?(?:省|自治区|市|区|县|旗|镇|乡|街道))*"
_NUM = r"[0-9一二三四五六七八九十百零〇]+"
# Building, unit and room parts after the house number, e.g. "SOHO现代城2号楼1201室", "A座".
_UNITS = rf"(?:(?:{_CN}|[A-Za-z]){{0,12}}?[0-9A-Za-z\-]+(?:号楼|栋|幢|座|单元|楼|层|室|号|房))*"
# "<admin units><road name>路|街|…<number>号<building/unit/room…>"
_STREET = re.compile(
    _ADMIN
    + rf"{_CN}{{1,10}}?(?:大道|路|街|巷|弄|胡同|道|村|里)"
    + rf"{_NUM}(?:[-之]{_NUM})?号(?:院)?"
    + _UNITS
)
# "<estate name>小区|花园|公寓|大厦|苑|城<n>栋|幢|号楼<unit><room>"
_ESTATE = re.compile(
    _ADMIN
    + rf"{_CN}{{1,10}}?(?:小区|花园|公寓|大厦|苑|家园|新村|广场|中心)"
    + rf"{_NUM}(?:号楼|栋|幢|座)" + _UNITS
)
# Words that start a sentence rather than an address; trimmed from a street match.
_LEAD = re.compile(r"^.*?(?:地址是|地址为|地址填|地址[:：]?|住在|寄到|寄往|送到|改成|改到|发到|填|在)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(number[i]) * _ID_WEIGHTS[i] for i in range(17))
    return _ID_CHECK[total % 11] == number[17].upper()


def _mask_id(m: re.Match[str]) -> str:
    return "[身份证号]" if _id_checksum_ok(m.group(1)) else m.group(0)


def _mask_card_in(text: str) -> str:
    card_context = bool(_CARD_WORDS.search(text))

    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        if not 16 <= len(digits) <= 19:
            return m.group(0)
        issuer_like = digits[0] in "3456" and _luhn_ok(digits)
        # Without an issuer-like, Luhn-valid number we only mask where the customer says it
        # is a card: long order numbers must stay readable.
        return "[银行卡号]" if issuer_like or card_context else m.group(0)

    return _CARD.sub(repl, text)


def _mask_address(m: re.Match[str]) -> str:
    lead = _LEAD.match(m.group(0))
    return (lead.group(0) if lead else "") + "[地址]"


# Every pattern above needs a digit (any script), an @, or the 号/栋/幢/座 of an address:
# most chat messages have none, and skip the seven substitutions.
_MAYBE_PERSONAL = re.compile(r"[\d@号栋幢座]")


def mask(text: str) -> str:
    """Replace personal data in ``text`` with bracketed placeholders such as ``[手机号]``."""
    if not text or not _MAYBE_PERSONAL.search(text):
        return text
    text = _EMAIL.sub("[邮箱]", text)
    text = _ID_CARD.sub(_mask_id, text)
    text = _mask_card_in(text)
    text = _MOBILE.sub("[手机号]", text)
    text = _LANDLINE.sub("[电话]", text)
    text = _STREET.sub(_mask_address, text)
    text = _ESTATE.sub(_mask_address, text)
    return text


def excerpt(text: str, limit: int = 140) -> str:
    """A masked, length-limited excerpt for flags, alerts and reports."""
    masked = mask(text)
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
