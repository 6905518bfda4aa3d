"""Personal data as customers type it (PLAYBOOK §5), and look-alikes that must stay
readable: the table behind ``tests/test_privacy_outputs.py``. Numbers are generated
valid where a checksum decides (ID check digits, Luhn), so the table tests the formats,
not luck."""

from __future__ import annotations

from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULL = str.maketrans("0123456789Xx@.-", "０１２３４５６７８９ＸＸ＠．－")
_CN = str.maketrans("0123456789", "零一二三四五六七八九")


def id18(body17: str) -> str:
    return body17 + _CHECK[sum(int(body17[i]) * _WEIGHTS[i] for i in range(17)) % 11]


def luhn(body: str) -> str:
    for d in "0123456789":
        digits = [int(c) for c in body + d]
        total = sum(x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2)
                    for i, x in enumerate(reversed(digits)))
        if total % 10 == 0:
            return body + d
    raise AssertionError


def wrong_check(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


@dataclass(frozen=True)
class Case:
    text: str
    secret: str | None  # what must not appear in any output (None: nothing to hide)
    keep: str | None = None  # what must stay readable
    also: tuple[str, ...] = ()  # further parts of the secret that must not appear either


ID_A = id18("11010519491231002")
ID_B = id18("44030519850615123")
ID_C = id18("32010219900101456")
CARD_16 = luhn("622202020000123")
CARD_19 = luhn("621700123456789012")
VISA = luhn("411111111111111")
MOBILES = ["13800138000", "13912345678", "15012349876", "18688886666", "17755554444",
           "19923456789", "16612341234", "14712345678"]


def _mobile_cases() -> list[Case]:
    out = []
    for i, m in enumerate(MOBILES):
        dashed = f"{m[:3]}-{m[3:7]}-{m[7:]}"
        spaced = f"{m[:3]} {m[3:7]} {m[7:]}"
        formats = [m, dashed, spaced, f"{m[:3]}.{m[3:7]}.{m[7:]}", f"{m[:3]} {m[3:6]} {m[6:]}",
                   f"+86 {spaced}", f"0086{m}", m.translate(_FULL), m.translate(_CN),
                   "幺" + m[1:].translate(_CN), m[:3] + "\u200b" + m[3:7] + "\u200b" + m[7:],
                   f"tel{m}", f"手机号:{m}", f"我的电话是{dashed}"]
        chosen = formats if i == 0 else formats[i % 3::3]
        # Half without any word that says "phone": the format alone must be enough.
        out += [Case(f"气死了！！！打我电话 {f} 快点处理" if k % 2 else f"气死了！！！{f}，快点处理", f)
                for k, f in enumerate(chosen)]
    return out


CASES: list[Case] = [
    *_mobile_cases(),
    # ID cards: valid, with separators, full-width, wrong check digit after the label, 15 digits.
    Case(f"身份证号{ID_A}，快点给我退款！！！", ID_A),
    Case(f"我的身份证 {ID_B[:6]} {ID_B[6:14]} {ID_B[14:]} 你们查", ID_B[6:14]),
    Case(f"身份证{ID_C.translate(_FULL)}怎么还没实名", ID_C.translate(_FULL)),
    Case(f"证件号码：{wrong_check(ID_A)} 气死了！！！", wrong_check(ID_A)),
    Case(f"身份证号是{wrong_check(ID_B)}", wrong_check(ID_B)),
    Case("身份证110105491231002，老的十五位", "110105491231002"),
    Case(f"号码{ID_B}是我本人", ID_B),
    Case(f"身份证：{ID_A[:-1]}x", ID_A[:-1] + "x"),
    Case("身份证一一零一零五一九四九一二三一零零二九", "一一零一零五一九四九一二三一零零二九"),
    # Bank cards.
    Case(f"卡号{CARD_19[:4]} {CARD_19[4:8]} {CARD_19[8:12]} {CARD_19[12:16]} {CARD_19[16:]}，退到这",
         CARD_19[4:8] + " " + CARD_19[8:12]),
    Case(f"退款到 {CARD_16} 这张", CARD_16),
    Case(f"退到{VISA}吧，气死了！！！", VISA),
    Case(f"银行卡号：{CARD_19}", CARD_19),
    Case(f"信用卡 {CARD_16[:4]}-{CARD_16[4:8]}-{CARD_16[8:12]}-{CARD_16[12:]} 被扣钱了",
         f"{CARD_16[4:8]}-{CARD_16[8:12]}"),
    Case(f"钱打到{CARD_16.translate(_FULL)}", CARD_16.translate(_FULL)),
    Case("储蓄卡6228480402564890018的钱呢", "6228480402564890018"),
    # Landlines.
    Case("座机010-62345678转123 你们打过来", "62345678"),
    Case("电话(0755)88886666，上班时间打", "88886666"),
    Case("打我座机 01062345678", "01062345678"),
    Case("固话：0571 8765 4321", "8765 4321"),
    Case("电话 62345678 找王先生", "62345678"),
    Case("联系电话０２１－５４３２１０９８", "５４３２１０９８"),
    # E-mail.
    Case("邮箱 zhang.san+shop@qq.com 收发票", "zhang.san+shop@qq.com"),
    Case("发票发到lisi_1988＠163.com", "lisi_1988"),
    Case("邮箱 wangwu @ gmail.com 谢谢", "wangwu"),
    Case("email: zhaoliu at qq dot com", "zhaoliu"),
    Case("发到 sunqi(at)sina.cn 吧", "sunqi"),
    Case("邮箱：张三@公司.中国", "张三@"),
    Case("我的邮箱是ABC.DEF@Company.COM.CN", "ABC.DEF"),
    Case("mail me: kefu2024@example.co.uk", "kefu2024"),
    Case("我邮箱 chen.jie@163. com", "chen.jie"),
    Case("邮件发 hello-world@foxmail.com 就行", "hello-world"),
    # Addresses.
    Case("地址北京市朝阳区建国路88号SOHO现代城2号楼1201室，快点送", "建国路88号"),
    Case("送到阳光小区3栋2单元501室", "501室"),
    Case("我住在幸福路12号，电话0755-88886666", "幸福路12号"),
    Case("我家在朝阳区建国路，今天必须送到", "朝阳区建国路"),
    Case("上海市长宁区愚园路1088弄12号501室", "愚园路1088弄"),
    Case("地址：河北省保定市高碑店市张家村3组", "张家村3组"),
    Case("寄到５号楼１２０１", "５号楼１２０１"),
    Case("地址：深圳市南山区科技园南区12栋", "南山区科技园南区12栋"),
    Case("我住和平里3号院5号楼2单元", "5号楼2单元"),
    Case("送货到海淀區中關村大街27號", "中關村大街27號"),
    Case("广州市天河区体育西路103号维多利广场B座3201", "体育西路103号", also=("B座3201",)),
    Case("住址是杭州市西湖区文三路478号", "文三路478号"),
    Case("地址：成都市武侯区人民南路四段11号", "人民南路四段11号"),
    Case("快递放到幸福家园8栋门口", "幸福家园8栋"),
    Case("送到解放路123号3楼", "解放路123号"),
    # QQ, WeChat, licence plates, passports, names.
    Case("QQ 283746519 加我", "283746519"),
    Case("我的qq：10001234", "10001234"),
    Case("扣扣 987654321", "987654321"),
    Case("微信号：zhang_san88", "zhang_san88"),
    Case("加我wx:abc12345", "abc12345"),
    Case("微信 13800138000 也可以", "13800138000"),
    Case("vx: Li-Si-2024", "Li-Si-2024"),
    Case("车牌 粤B·D12345 被刮了", "D12345"),
    Case("我的车京A12345停在门口", "京A12345"),
    Case("车牌号：沪C 88888", "沪C 88888"),
    Case("护照号E12345678", "E12345678"),
    Case("护照：G12345678 办签证", "G12345678"),
    Case("我叫王小明，气死了！！！", "王小明", also=("小明",)),
    Case("本人张伟，手机13800138000", "张伟"),
    Case("我姓李，你们记一下", "我姓李"),
    Case("姓名：欧阳娜娜", "欧阳娜娜"),
    Case("收件人：陈大文", "陈大文"),
    Case("我叫陳大文", "陳大文", also=("大文",)),
    Case("联系人 刘德", "刘德"),
    Case("收货人:任得得 改地址", "任得得"),
    Case("机主姓名：钱跃微", "钱跃微"),
    # Look-alikes that must stay readable.
    Case("订单号 110105194912310021 查一下", None, "110105194912310021"),
    Case("订单号6222021234567890123", None, "6222021234567890123"),
    Case("我的银行卡被扣了钱，订单号6222021234567890123", None, "6222021234567890123"),
    Case("订单号13811110000怎么还没发货", None, "13811110000"),
    Case("运单SF1234567890123还没更新", None, "SF1234567890123"),
    Case("快递单号 YT8866554433221", None, "YT8866554433221"),
    Case("请拨打400-820-8820", None, "400-820-8820"),
    Case("客服电话800-810-8888", None, "800-810-8888"),
    Case("订单123456789012已付款", None, "123456789012"),
    Case("我在中山路等了三天", None, "中山路"),
    Case("价格是1399元，优惠了200", None, "1399"),
    Case("[订单1] 显示已签收", None, "[订单1]"),
    Case("南京路3号店的店员态度很差", None, "南京路3号店"),
    Case("地铁2号线出口见", None, "2号线"),
    Case("本人非常不满，气死了！！！", None, "本人非常不满"),
    Case("我叫你们经理来", None, "我叫你们经理来"),
    Case("2026-11-16 下的单", None, "2026-11-16"),
    Case("型号 A1234 的配件", None, "A1234"),
    Case("一共3件，每件99元", None, "99元"),
    Case("等了3天了", None, "3天"),
    Case("第2次联系你们", None, "第2次"),
    Case("1号下单，5号还没到", None, "5号还没到"),
    Case("打10086没人接", None, "10086"),
    Case("12315投诉", None, "12315"),
    Case("版本号 4.1.34 还是闪退", None, "4.1.34"),
    Case("我在北京，快递到上海要几天", None, "我在北京"),
    Case("城市太远了吗", None, "城市太远"),
    Case("一路顺风", None, "一路顺风"),
    Case("去超市买东西", None, "超市"),
    Case("look at the photo please", None, "look at the photo"),
    Case("发票抬头：某某科技有限公司", None, "某某科技有限公司"),
    Case("编号 13956781234 的工单", None, "13956781234"),
    Case("流水号 20261116123456789", None, "20261116123456789"),
    Case("周三下午3点到5点在家", None, "3点到5点"),
    Case("温度设成26度", None, "26度"),
    Case("100元的券用不了", None, "100元"),
]

# Identifiers that helpdesks and phone systems build from personal data: used as the
# conversation id, the message id and the agent id (an agent's own phone or e-mail), each
# must reach no output (PLAYBOOK §5); the secret is what must not appear.
ID_CASES: list[tuple[str, str]] = [
    *((m, m) for m in MOBILES[:4]),
    (f"tel:{MOBILES[4]}", MOBILES[4]),
    (f"call-{MOBILES[5][:3]}-{MOBILES[5][3:7]}-{MOBILES[5][7:]}", MOBILES[5][3:7] + "-" + MOBILES[5][7:]),
    (f"tel{MOBILES[6]}", MOBILES[6]),
    (f"客户{MOBILES[7]}", MOBILES[7]),
    (f"+86{MOBILES[0]}", MOBILES[0]),
    ("zhang.san@example.com", "zhang.san"),
    ("wx:li_si_1990@163.com", "li_si_1990"),
    (f"idcard-{ID_A}", ID_A),
    (f"card:{CARD_16}", CARD_16),
]
# Random ids that only look as if they held a number stay as they are.
ID_KEPT = ["88c9c15919666414-1", "c00e15919666414a9", "wecom:wmAbc123", "zendesk:12345"]
