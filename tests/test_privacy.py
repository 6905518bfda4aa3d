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


TIMING = r'''
import json, sys, time
from monitor.privacy import excerpt, mask

N = 100_000


def fit(s):
    return (s * (N // len(s) + 1))[:N]


def timed(text):
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        mask(text)
        best = min(best, time.perf_counter() - started)
    return best


plain = fit("您好，我的快递三天了还没到，订单号[订单1]，麻烦帮我查一下物流到哪里了，谢谢！"
            "我住在北京市朝阳区，电话我已经留过了。")
hostile = {
    "address units": fit("市区县镇乡") + "号", "named units": fit("北京市"), "road chain": fit("路1号"),
    "estate": fit("小区1栋"), "numbered units": fit("1号"), "letters": "a" * N,
    "letters then @": "a" * (N - 1) + "@", "@ run": "@" * N, "e-mail-ish": fit("a.b@c."),
    "at spelled": fit("x at y dot "), "digits": "1" * N, "digit pairs": fit("1 "), "dots": fit("1."),
    "dashes": fit("1-"), "zero width": fit("1\u200b"), "chinese digits": "一" * N,
    "name cues": fit("我叫"), "name cue and surname": fit("本人张"), "plates": fit("京A"),
    "labels": fit("手机号"), "order labels": fit("订单号1"), "mixed": fit("a1@市号 at 一二"),
}
out = {"plain": timed(plain), **{k: timed(v) for k, v in hostile.items()}}
started = time.perf_counter()
excerpt("电话13800138000" + "很" * 5_000_000)
out["excerpt of 5 MB"] = time.perf_counter() - started
print(json.dumps(out))
'''


def test_masking_is_linear_on_hostile_input() -> None:
    """100 KB crafted to make patterns backtrack (the address pattern used to take 105 s
    on 41 characters, the e-mail pattern 107 s on 200 KB) mask in a small multiple of
    the time 100 KB of ordinary chat takes, in the same process; an excerpt masks only
    what it shows. A child process, so a regression fails on the timeout, not a hang."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", TIMING], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    times = json.loads(proc.stdout)
    plain = times.pop("plain")
    excerpt_s = times.pop("excerpt of 5 MB")
    slow = {k: round(v / plain, 1) for k, v in times.items() if v > 15 * plain}
    assert not slow, f"hostile inputs over 15x plain text ({plain * 1000:.0f} ms): {slow}"
    assert excerpt_s < 10 * plain  # 5 MB of text, but only its first 400 characters masked


@pytest.mark.parametrize(("ident", "shown"), [
    ("13800138000", "[手机号]~"),
    ("tel:13800138000", "tel:[手机号]~"),
    ("tel13800138000", "tel[手机号]~"),  # after letters alone: still a phone number
    ("zhang.san@example.com", "[邮箱]~"),
    ("客户13800138000", "客户[手机号]~"),
])
def test_an_identifier_with_personal_data_becomes_a_keyed_pseudonym(ident: str, shown: str) -> None:
    from monitor.privacy.pseudonym import pseudonym

    out = pseudonym(ident)
    assert out.startswith(shown) and len(out) == len(shown) + 16
    assert pseudonym(ident) == out  # the same on every instance: flag ids stay deterministic
    assert pseudonym(ident, b"the floor's own key") != out  # and keyed
    assert pseudonym(ident + "1") != out  # different ids stay different


@pytest.mark.parametrize("ident", ["c001-m5", "a01", "88c9c15919666414-1", "wecom:wmAbc123",
                                   "zendesk:12345", "JD20261116123456789", "订单13800"])
def test_ordinary_and_random_ids_are_left_alone(ident: str) -> None:
    from monitor.privacy.pseudonym import pseudonym

    assert pseudonym(ident) == ident


def test_a_pseudonym_fits_the_id_limit() -> None:
    from monitor.privacy.pseudonym import pseudonym

    out = pseudonym("x" * 110 + " 13800138000")
    assert len(out) == 128 and "13800138000" not in out
