"""Ways to reach or identify a customer besides numbers: e-mail (also with ＠, spaces,
"at"/"dot" spelled out, Chinese domains), WeChat and passport ids, licence plates, and
the name a customer gives for themselves (我叫… / 本人… / 姓名：…). All patterns are
bounded; the e-mail pattern can start only where a local part starts, so a long run of
letters costs one attempt, not one per letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str | None]

_LOCAL = r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
# A Chinese first label is allowed (张三@公司.中国), then ASCII labels, then a TLD.
_DOMAIN = (rf"(?:{_LABEL}|[\u4e00-\u9fff]{{1,10}})(?:\s?\.\s?{_LABEL}){{0,3}}"
           r"\s?\.\s?(?:[A-Za-z]{2,24}|中国|公司|网络|中國)(?![A-Za-z0-9])")
_TLD = (r"(?:com|cn|net|org|edu|gov|info|io|co|me|top|xyz|vip|hk|tw|mo|jp|kr|sg|uk|us|de|fr|"
        r"ru|au|ca|中国|公司|网络|中國)")
_EMAIL = re.compile(rf"(?:{_LOCAL}|[\u4e00-\u9fff]{{1,4}})\s{{0,2}}@\s{{0,2}}{_DOMAIN}")
_EMAIL_SPELLED = re.compile(
    rf"{_LOCAL}\s{{0,2}}(?:\(at\)|\[at\]|\{{at\}}|\sat\s)\s{{0,2}}{_LABEL}"
    rf"(?:\s{{0,2}}(?:\.|\(dot\)|\[dot\]|\sdot\s|点)\s{{0,2}}{_LABEL}){{0,3}}"
    rf"\s{{0,2}}(?:\.|\(dot\)|\[dot\]|\sdot\s|点)\s{{0,2}}{_TLD}(?![A-Za-z])", re.I)
_GAP = r"\s{0,2}(?:号码|号|id)?\s{0,2}(?:[:：是为])?\s{0,2}"
_WECHAT = re.compile(rf"(?:微信|weixin|wechat|(?<![A-Za-z])wx|(?<![A-Za-z])vx)(?:{_GAP})"
                     r"([A-Za-z][-_A-Za-z0-9]{5,19}|[0-9][0-9 \-]{4,16}[0-9])(?![-_A-Za-z0-9])", re.I)
_PASSPORT_LABEL = re.compile(rf"护照(?:{_GAP})([A-Za-z]{{1,2}}[0-9]{{7,8}})(?![A-Za-z0-9])", re.I)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:E[A-HJ-NP-Z]?|G)[0-9]{8}(?![A-Za-z0-9])")
_PLATE = re.compile(r"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
                    r"[A-Za-z]\s?[·•.\-]?\s?[A-Za-z0-9]{5,6}(?![A-Za-z0-9])")

# The name a customer gives: after these words, a surname and one or two more characters.
_NAME_CUE = re.compile(r"(?:我叫|我的名字是|我的名字叫|我名字叫|我名字是|名字叫|本人姓名|本人叫|本人是|本人|"
                       r"我姓|姓名|联系人|收件人|收货人|签收人|机主|户名|名字(?=\s{0,2}[:：]))"
                       r"\s{0,2}(?:[:：是为]\s{0,2})?")
_COMPOUND = frozenset("欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 "  # noqa: SIM905
                      "令狐 钟离 闻人 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 赫连 万俟 端木 呼延".split())
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林郑梁谢唐许冯宋韩邓彭曹曾田于萧潘袁董叶杜丁蒋程余吕魏蔡苏"
    "任卢沈姜姚钟崔陆谭汪石傅贾范金方韦夏廖侯白孔邹孟熊秦邱江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱"
    "戴严欧莫向常汤康易乔赖文施洪辛柯庄樊殷申牛齐颜骆倪蓝温季邢甘左宁祝尤阮岳翟葛鲁舒柳纪耿关凌"
    "卓蒲包褚聂单俞佘景童伍涂滕晏闵邬喻裴麦霍焦饶车巫蒙卞鲍谷栾席荣冉游应管苗商房路连")
# Characters that end a given name (the sentence goes on): 本人已经… is not a name.
_STOP = frozenset("的是在了和与要想来去说就也都很还不没已经先女士生姐手电号两周天年月日点次个品件货前后"
                  "上下今昨我你他她们这那吗呢啊吧哦呀嘛么啦哈请麻烦谢问帮给让被把对从到向为因所以"
                  "但而且或及等可会能应该一")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def emails(view: str) -> Iterator[Span]:
    if "@" in view:
        for m in _EMAIL.finditer(view):
            yield m.start(), m.end(), "[邮箱]"
    if "at" in view or "AT" in view or "At" in view:
        for m in _EMAIL_SPELLED.finditer(view):
            yield m.start(), m.end(), "[邮箱]"


def ids(view: str) -> Iterator[Span]:
    """WeChat and passport ids, licence plates."""
    for m in _WECHAT.finditer(view):
        yield m.start(1), m.end(1), "[微信号]"
    for m in _PASSPORT_LABEL.finditer(view):
        yield m.start(1), m.end(1), "[护照号]"
    for m in _PASSPORT.finditer(view):
        yield m.start(), m.end(), "[护照号]"
    for m in _PLATE.finditer(view):
        if any(c.isdigit() for c in m.group(0)):  # 粤B·D12345; not a province word and letters
            yield m.start(), m.end(), "[车牌号]"


def names(view: str) -> Iterator[Span]:
    for m in _NAME_CUE.finditer(view):
        start = m.end()
        two = view[start:start + 2]
        if two in _COMPOUND:
            end = start + 2
        elif two[:1] in _SURNAMES:
            end = start + 1
        else:
            continue  # 本人非常不满, 我叫你们经理来: no surname follows
        if not m.group(0).startswith("我姓"):
            given = 0
            while given < 2 and end < len(view) and _CJK.match(view[end]) and view[end] not in _STOP:
                end += 1
                given += 1
            if given == 0:
                continue
        yield start, end, "[姓名]"
