"""Personal numbers: labelled values, ID cards, bank cards, mobiles, landlines.

Every pattern is bounded (no unbounded repetition inside a repetition), so a search is
linear in the text: a digit may be followed by up to two separators (space, dash, dot,
middle dot, underscore — or a zero-width space, which the view turns into a space)
before the next digit, and a number has a fixed range of digits.

What a label in front of a number says wins over its format: after 身份证 a number is
an ID even with a wrong check digit; after 订单号 an 11-digit number is an order number
and stays readable; 银行卡 counts only right before the number, not anywhere in the
message. Without a label the format decides: an ID checksum, Luhn with an issuer prefix,
a mobile prefix, an area code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str | None]  # start, end, placeholder (None: keep readable)

_S = r"[ \-.·_]{0,2}"  # separators between two digits
_D = rf"(?:{_S}[0-9])"
_VALUE_GAP = r"\s{0,2}(?:号码|号)?\s{0,2}(?:[:：是为]|是:|为:)?\s{0,2}"

# Numbers that are not personal: order, waybill and ticket numbers keep their digits.
_ORDER = re.compile(
    rf"(?:订单|单号|运单|快递单|物流单|工单|编号|交易号|流水号|发票号|货号|型号|批次|订单编号|"
    rf"退款单|售后单|服务单)(?:号码|号|编号)?{_VALUE_GAP}([0-9A-Za-z](?:[ \-]?[0-9A-Za-z]){{4,29}})")
_ID_LABEL = re.compile(rf"(?:身份证|证件|居民身份证)(?:号码|号)?{_VALUE_GAP}"
                       rf"([0-9](?:{_D}){{13,16}}(?:{_S}[0-9Xx])?)(?![0-9])", re.I)
_CARD_LABEL = re.compile(rf"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|银行账号|card)(?:号码|号)?"
                         rf"{_VALUE_GAP}([0-9](?:{_D}){{11,18}})(?![0-9])", re.I)
_ACCOUNT_LABEL = re.compile(rf"(?:账号|帐号|账户|帐户|用户名|会员号)(?:号码|号)?"
                            rf"{_VALUE_GAP}([0-9](?:{_D}){{5,18}})(?![0-9])", re.I)
_EXT = r"(?:\s?(?:转|ext\.?|x|-)\s?[0-9]{1,6})?"
_PHONE_LABEL = re.compile(rf"(?:手机|电话|联系方式|座机|固话|联系|致电|回电|打给我|打我|tel|phone|mobile|"
                          rf"cell|call)(?:号码|号)?{_VALUE_GAP}(\+?[0-9](?:{_D}){{6,13}}{_EXT})(?![0-9])",
                          re.I)
_QQ = re.compile(rf"(?:qq|扣扣|企鹅)(?:号码|号)?{_VALUE_GAP}([1-9](?:{_D}){{4,10}})(?![0-9])", re.I)
# An 18-digit ID: region, birth date, sequence, check digit (X allowed).
_ID18 = re.compile(rf"(?<![0-9A-Za-z])[1-9](?:{_D}){{16}}{_S}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(rf"(?<![0-9A-Za-z])[1-9](?:{_D}){{14}}(?![0-9A-Za-z])")
_CARD = re.compile(rf"(?<![0-9A-Za-z])[3-6](?:{_D}){{15,18}}(?![0-9A-Za-z])")
# Mainland mobiles, with +86 / 0086 / 86 in front or not; letters may be glued in front
# (tel13800138000), digits may not.
_MOBILE = re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{_S})?1{_S}[3-9](?:{_D}){{9}}(?![0-9])")
_LANDLINE = re.compile(rf"(?:[(（]\s?0[0-9]{{2,3}}\s?[)）]\s?[0-9](?:{_D}){{6,7}}{_EXT}|"
                       rf"(?<![0-9A-Za-z])0[1-9][0-9]{{1,2}}{_S}[0-9](?:{_D}){{6,7}}{_EXT}(?![0-9]))",
                       re.I)
_NOT_DIGIT = re.compile(r"[^0-9Xx]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                        44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})


def digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def id_checksum_ok(number: str) -> bool:
    total = sum(int(number[i]) * _ID_WEIGHTS[i] for i in range(17))
    return _ID_CHECK[total % 11] == number[17].upper()


def _plausible_id15(number: str) -> bool:
    month, day = int(number[8:10]), int(number[10:12])
    return int(number[:2]) in _PROVINCES and 1 <= month <= 12 and 1 <= day <= 31


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _group(m: re.Match[str], placeholder: str | None) -> Span:
    return m.start(1), m.end(1), placeholder


def labelled(view: str) -> Iterator[Span]:
    """Numbers whose label says what they are (order numbers first: they stay readable)."""
    for m in _ORDER.finditer(view):
        yield _group(m, None)
    for m in _ID_LABEL.finditer(view):
        yield _group(m, "[身份证号]")
    for m in _CARD_LABEL.finditer(view):
        yield _group(m, "[银行卡号]")
    for m in _ACCOUNT_LABEL.finditer(view):
        yield _group(m, "[账号]")
    for m in _QQ.finditer(view):
        yield _group(m, "[QQ号]")
    for m in _PHONE_LABEL.finditer(view):
        number = digits(m.group(1))
        if number.startswith(("400", "800")):
            continue  # a company hotline, even after 电话
        mobile = _MOBILE.match(m.group(1)) is not None
        yield _group(m, "[手机号]" if mobile else "[电话]")


def by_format(view: str) -> Iterator[Span]:
    """Numbers whose format tells what they are, strongest evidence first."""
    for m in _ID18.finditer(view):
        if id_checksum_ok(digits(m.group(0))):
            yield m.start(), m.end(), "[身份证号]"
    for m in _CARD.finditer(view):
        if luhn_ok(digits(m.group(0))):
            yield m.start(), m.end(), "[银行卡号]"
    for m in _MOBILE.finditer(view):
        start = m.start()
        if start and view[start - 1] == "+":
            start -= 1
        yield start, m.end(), "[手机号]"
    for m in _LANDLINE.finditer(view):
        if not digits(m.group(0)).startswith(("400", "800")):  # company hotlines stay readable
            yield m.start(), m.end(), "[电话]"
    for m in _ID15.finditer(view):
        if _plausible_id15(digits(m.group(0))):
            yield m.start(), m.end(), "[身份证号]"
