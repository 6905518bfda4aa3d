from __future__ import annotations

import pytest

from monitor.privacy import excerpt, mask


@pytest.mark.parametrize(("text", "expected"), [
    ("我的手机是13800138000，快点处理", "我的手机是[手机号]，快点处理"),
    ("打我电话 138-0013-8000", "打我电话 [手机号]"),
    ("+86 139 1234 5678 找我", "[手机号] 找我"),
    ("座机010-62345678转123", "座机[电话]"),
    ("电话(0755)88886666", "电话[电话]"),
    ("身份证号11010519491231002X", "身份证号[身份证号]"),
    ("邮箱 zhang.san+shop@qq.com 收发票", "邮箱 [邮箱] 收发票"),
    ("卡号6222 0212 3456 7890 128", "卡号[银行卡号]"),
    ("退款到 4111111111111111 这张", "退款到 [银行卡号] 这张"),  # Luhn-valid, issuer-like
    ("地址北京市朝阳区建国路88号SOHO现代城2号楼1201室，快点送", "地址[地址]，快点送"),
    ("送到阳光小区3栋2单元501室", "送到[地址]"),
    ("我住在幸福路12号，电话0755-88886666", "我住在[地址]，电话[电话]"),
])
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "订单号 110105194912310021 查一下",  # 18 digits, ID-like, but the checksum fails
    "订单号6222021234567890123",  # 19 digits, not Luhn-valid, no card context
    "运单SF1234567890123还没更新",  # tracking number: letters before the digits
    "请拨打400-820-8820",  # company hotline, not personal
    "订单123456789012已付款",  # 12-digit order number
    "我在中山路等了三天",  # a road without a house number is not an address
    "价格是1399元，优惠了200",
    "[订单1] 显示已签收",
])
def test_order_numbers_and_ordinary_text_stay_readable(text: str) -> None:
    assert mask(text) == text


def test_mask_is_idempotent_and_handles_empty() -> None:
    once = mask("手机13800138000 邮箱a@b.cn")
    assert mask(once) == once
    assert mask("") == ""


def test_excerpt_masks_and_limits_length() -> None:
    out = excerpt("电话13800138000" + "很" * 300)
    assert "13800138000" not in out and out.startswith("电话[手机号]")
    assert len(out) == 140 and out.endswith("…")
