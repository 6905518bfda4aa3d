"""Street and home addresses: a chain of address units, found from their suffixes.

Units are named (北京市, 朝阳区, 建国路, 阳光小区, 张家村) or numbered (88号, 2号楼, 3栋,
2单元, 501室, 123弄, 3组). A chain of adjacent units is an address when a numbered unit
follows a named one (幸福路12号, 张家村3组), when a district or town is followed by a
road or village (朝阳区建国路: no house number needed), or when several numbered units
name a flat (3栋2单元501室). A road alone (我在中山路等了三天) is not an address, and a
shop is not a home (南京路3号店). A building name may stand between a house number and
the building (88号SOHO现代城2号楼).

Every unit is found by one bounded pattern (a name of at most eight characters, a number
of at most six), so the search is linear in the text, whatever it holds (市区县镇乡…号).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

Span = tuple[int, int, str | None]

_ADMIN = ("自治区", "省", "市", "区", "县", "旗", "镇", "乡", "街道")
_ROAD = ("大道", "大街", "路", "街", "巷", "胡同")
_VILLAGE = ("村", "屯")
_ESTATE = ("小区", "花园", "公寓", "大厦", "苑", "家园", "新村", "广场", "社区")
_NAMED = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:"
                    + "|".join(sorted((*_ADMIN, *_ROAD, *_VILLAGE, *_ESTATE), key=len, reverse=True))
                    + ")")
_NUM = r"[0-9A-Za-z一二三四五六七八九十百零〇两]{1,6}"
_NUMBERED = re.compile(rf"{_NUM}(?:-[0-9A-Za-z]{{1,6}})?"
                       r"(?:(?:号楼|栋|幢|单元|座)(?:[0-9]{2,4}(?:室|房|号)?)?|号院|号|室|层|楼|弄|组|排|户|房)")
_FLAT = ("栋", "幢", "号楼", "单元", "室", "弄", "层")
# After a house number these make it a shop, a line or a counter, not a home.
_NOT_HOME = frozenset("店线口窗柜台位车机")
_LEAD = re.compile(r"(?:地址是|地址为|地址填|地址|住址|住在|家住|家在|寄到|寄往|寄给|送到|"
                   r"送货到|发到|改成|改到|改为|填|在|到|是|于|去|来|从|寄)")
_GAP_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{1,12}")


_SUFFIXES = sorted((*_ADMIN, *_ROAD, *_VILLAGE, *_ESTATE), key=len, reverse=True)
_ROOM = re.compile(r"(?:号楼|栋|幢|单元|座)[0-9]{2,4}")


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    kind: str  # admin | road | village | estate | number
    suffix: str
    room: bool = False  # 5号楼1201: a building with its room number


def _kind(suffix: str) -> str:
    for kind, group in (("admin", _ADMIN), ("road", _ROAD), ("village", _VILLAGE), ("estate", _ESTATE)):
        if suffix in group:
            return kind
    return "number"


def _units(view: str) -> list[_Unit]:
    units = []
    for m in _NAMED.finditer(view):
        text = m.group(0)
        suffix = next(s for s in _SUFFIXES if text.endswith(s))
        start = m.start()
        leads = list(_LEAD.finditer(text, 0, len(text) - len(suffix)))
        if leads:
            start = m.start() + leads[-1].end()  # 我住在北京市: the address starts at 北京
        if start < m.end() - len(suffix):  # a name remains before the suffix
            units.append(_Unit(start, m.end(), _kind(suffix), suffix))
    for m in _NUMBERED.finditer(view):
        text = m.group(0)
        suffix = next((s for s in _FLAT if s in text), text[-1])
        units.append(_Unit(m.start(), m.end(), "number", suffix, _ROOM.search(text) is not None))
    units.sort(key=lambda u: (u.start, -u.end))
    return units


def _is_address(chain: list[_Unit]) -> bool:
    kinds = [u.kind for u in chain]
    last_number = max((i for i, k in enumerate(kinds) if k == "number"), default=0)
    named_before_number = any(k != "number" for k in kinds[:last_number])
    admin_then_street = any(a == "admin" and b in ("road", "village") for a, b in pairwise(kinds))
    numbers = [u for u in chain if u.kind == "number"]
    flat = len(numbers) >= 2 and any(u.suffix in _FLAT for u in numbers)
    room = any(u.room for u in numbers)
    return named_before_number or admin_then_street or flat or room


def addresses(view: str) -> Iterator[Span]:
    chain: list[_Unit] = []
    for unit in [*_units(view), None]:
        if unit is not None and chain and unit.start < chain[-1].end:
            continue  # overlaps the chain (a number inside a named unit): one unit is enough
        if unit is not None and chain and _joins(view, chain[-1], unit):
            chain.append(unit)
            continue
        if chain:
            while chain and chain[-1].kind == "number" and chain[-1].end < len(view) \
                    and view[chain[-1].end] in _NOT_HOME:
                chain.pop()  # 南京路3号店: the shop's number is not a house number
            if chain and _is_address(chain):
                yield chain[0].start, chain[-1].end, "[地址]"
        chain = [unit] if unit is not None else []


def _joins(view: str, last: _Unit, unit: _Unit) -> bool:
    gap = unit.start - last.end
    if gap == 0:
        return True
    if gap == 1 and view[last.end] in " -":
        return True
    # 88号SOHO现代城2号楼: a building's name between a house number and the building.
    return unit.kind == "number" and gap <= 12 and _GAP_OK.fullmatch(view, last.end, unit.start) is not None
