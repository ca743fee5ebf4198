"""Colour-difference and return cases read from the buyer's words."""

from __future__ import annotations

import pytest

from xiaoer.after_sale import (
    colour_case,
    is_service_complaint,
    refund_amount,
    return_case,
)
from xiaoer.entities import extract_entities
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


def entities_of(text):
    catalog = {"items": [{"sku": i.sku, "name": i.name, "aliases": list(i.aliases)} for i in SHOP.items]}
    return extract_entities(text, catalog)


@pytest.mark.parametrize("text,amount", [
    ("三件都想退 139 169 169", 477),
    ("139+169+169 都退了吧", 477),
    ("退款一共477元", 477),
    ("退169块", 169),
    ("牛仔裤和连衣裙都要退", 308),  # two items named: their prices
    ("连衣裙想退", None),  # one item: the order says what was paid
    ("订单123456789012想退货", None),
])
def test_refund_amount_is_summed_over_the_items(text, amount):
    assert refund_amount(SHOP, entities_of(text), text) == amount


def test_a_refund_of_three_items_over_the_limit_needs_a_person():
    text = "买了三件 139 169 169 都不合适想退"
    assert return_case(SHOP, text, refund_amount(SHOP, entities_of(text), text)).kind == "refund_over_limit"


@pytest.mark.parametrize("text,service", [
    ("什么垃圾客服 问半天没用", True),
    ("你们客服态度太差了", True),
    ("机器人答非所问", True),
    ("衣服质量太差了 起球", False),
    ("收到的裤子破了个洞 客服呢", False),  # faulty goods, whoever they ask for
])
def test_a_complaint_about_the_service_is_told_from_faulty_goods(text, service):
    assert is_service_complaint(text) is service


@pytest.mark.parametrize("text,earlier,kind,reason", [
    ("质量问题运费谁出", "", "shop_fault", "quality_problem"),
    ("运费谁出", "裙子收到就开线了", "shop_fault", "quality_problem"),  # the fault told before decides
    ("订单号 3498127706653218842", "裙子收到就开线了 退款多久到账", "shop_fault", "quality_problem"),
    ("退款多久到账", "裙子收到就开线了", "refund_timing", None),  # what is asked now comes first
    ("没买运费险 退货要自己出运费吗", "", "postage", None),
])
def test_the_case_told_before_still_decides(text, earlier, kind, reason):
    case = return_case(SHOP, text, earlier=earlier)
    assert (case.kind, case.reason) == (kind, reason)
    assert case.insured is False
