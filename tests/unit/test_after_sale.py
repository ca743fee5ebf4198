"""Colour-difference and return cases read from the buyer's words."""

from __future__ import annotations

import pytest

from xiaoer.after_sale import colour_case, return_case
from xiaoer.shop import load_shop

SHOP = load_shop("shop")


@pytest.mark.parametrize("text,case", [
    ("有色差吗", "before"),
    ("图片是实拍的吗", "before"),
    ("收到的颜色和图片差太多了", "after"),
    ("你们发错颜色了，我买的是黑色", "after"),
    ("拿到手发现偏黄", "after"),
    ("实物和图片颜色一样吗", "before"),
])
def test_colour_case(text, case):
    assert colour_case(text) == case


@pytest.mark.parametrize("text,amount,kind,reason", [
    ("可以七天无理由退吗", None, "standard", None),
    ("衣服有破洞，质量太差", None, "shop_fault", "quality_problem"),
    ("发错货了，不是我买的款", None, "shop_fault", "wrong_item"),
    ("洗过一次还能退吗", None, "condition_failed", None),
    ("吊牌剪了能换吗", None, "condition_failed", None),
    ("定制的尺码能退吗", None, "made_to_order", None),
    ("我要退款350块", 350, "refund_over_limit", None),
    ("退款300", 300, "standard", None),
])
def test_return_case(text, amount, kind, reason):
    case = return_case(SHOP, text, amount)
    assert (case.kind, case.reason) == (kind, reason)


def test_postage_payer_follows_the_case():
    assert SHOP.returns.postage_payer(return_case(SHOP, "开线了").reason) == "shop"
    case = return_case(SHOP, "买了运费险，不喜欢想退")
    assert SHOP.returns.postage_payer(case.reason, case.insured) == "insurance"
    assert SHOP.returns.postage_payer(return_case(SHOP, "不喜欢想退").reason) == "buyer"
