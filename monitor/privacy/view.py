"""The text as the detectors read it: the same length as the original, character for
character, so a span found here is the span to replace there.

Full-width letters, digits and signs (＠ ． －) become ASCII; zero-width characters and
the ideographic space become a plain space (a separator inside a number); the
Traditional forms of the characters the detectors look for become Simplified (號 區
樓 證 電話 …); and a run of six or more Chinese digits — a number spelled out, 一三八…
or 幺三八… — becomes ASCII digits. Everything is ``str.translate``: C speed, linear.
"""

from __future__ import annotations

import re

_TABLE: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_TABLE.update({0x3000: " ", 0x200B: " ", 0x200C: " ", 0x200D: " ", 0x2060: " ", 0xFEFF: " ",
               0x00AD: " ", 0x00A0: " ", 0x2009: " ", 0x202F: " "})
# Hyphens and dashes of other scripts, and the middle dot: separators like "-".
_TABLE.update({cp: "-" for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212, 0xFE63)})
_TABLE[0x00B7] = "·"
_TABLE[0x30FB] = "·"
# Traditional -> Simplified, only for characters the detectors read (one to one).
_TRADITIONAL = {
    "號": "号", "區": "区", "縣": "县", "鎮": "镇", "鄉": "乡", "樓": "楼", "棟": "栋", "單": "单",
    "層": "层", "園": "园", "廈": "厦", "廣": "广", "場": "场", "門": "门", "組": "组", "莊": "庄",
    "證": "证", "電": "电", "話": "话", "銀": "银", "碼": "码", "護": "护", "郵": "邮",
    "聯": "联", "繫": "系", "係": "系", "貨": "货", "衛": "卫", "張": "张", "陳": "陈", "劉": "刘",
    "黃": "黄", "趙": "赵", "吳": "吴", "孫": "孙", "馬": "马", "鄭": "郑", "謝": "谢", "許": "许",
    "馮": "冯", "韓": "韩", "鄧": "邓", "葉": "叶", "蔣": "蒋", "呂": "吕", "蘇": "苏", "盧": "卢",
    "鍾": "钟", "陸": "陆", "譚": "谭", "賈": "贾", "韋": "韦", "龔": "龚", "鄒": "邹", "閆": "闫",
    "龍": "龙", "賀": "贺", "顧": "顾", "錢": "钱", "歐": "欧", "湯": "汤", "喬": "乔", "賴": "赖",
    "顏": "颜", "駱": "骆",
    "楊": "杨", "飛": "飞", "級": "级", "嚴": "严",
}
_TABLE.update({ord(k): v for k, v in _TRADITIONAL.items()})
_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_CN_RUN = re.compile(r"[零〇一二三四五六七八九幺两]{6,}")


def view(text: str) -> str:
    """``text`` for detection: same length, normalised as described above."""
    out = text.translate(_TABLE)
    if _CN_RUN.search(out):
        out = _CN_RUN.sub(lambda m: m.group(0).translate(_CN_DIGITS), out)
    return out
