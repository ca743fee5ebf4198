"""Offers a buyer asks about (xiaoer/promotions.py), from the demo shop's files."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bot.config import ROOT
from xiaoer.entities import extract_entities
from xiaoer.promotions import (
    basket_price,
    bundle_offers,
    promotion_reply,
    question_kind,
)
from xiaoer.shop import load_shop

SHOP = load_shop(ROOT / "shop")


def test_the_bundle_says_its_price_and_what_it_saves():
    # T恤 59 + 牛仔裤 139 = 198 apart; the set is 179
    assert bundle_offers(SHOP) == ["T恤+牛仔裤套餐179元，比分开买省19元"]


@pytest.mark.parametrize("text", ["有什么活动吗", "有满减吗", "会员有折扣吗"])
def test_offers_come_from_the_shop(text):
    script, values = promotion_reply(SHOP, text)
    assert script == "utter_promotion"
    assert values["vip_zhe"] == "9.8"
    for offer in ("满199减15", "满299减30", "新客券10元", "T恤+牛仔裤套餐179元"):
        assert offer in values["offers"], offer


@pytest.mark.parametrize("text,kind", [
    ("优惠券在哪领", "coupon"), ("满减能叠加吗", "stacking"), ("优惠券和满减能一起用吗", "stacking"),
    ("满减为什么没减", "why_not"), ("优惠券没减钱", "why_not"), ("双11什么时候开始", "double11"),
    ("预售几号", "double11"), ("牛仔裤和T恤一起多少钱", "basket"), ("我刚买就降价了能补差价吗", "price_claim"),
    ("价保怎么申请", "price_claim"), ("有什么活动", "list"),
])
def test_question_kinds(text, kind):
    assert question_kind(text) == kind


@pytest.mark.parametrize("text", ["我刚买就降价了能补差价吗", "价保怎么申请"])
def test_a_claim_about_an_orders_price_goes_to_a_person(text):
    assert promotion_reply(SHOP, text) == ("handoff", {})


@pytest.mark.parametrize("text,script,expected", [
    ("优惠券怎么领", "utter_promotion_coupon", {"coupons": "新客券10元（满99可用，店铺首页点“领券”，每个账号限领一张）"}),
    ("满减能叠加吗", "utter_promotion_stacking", {"stacking": "满减和店铺券可以同时用；会员9.8折在满减、用券之后再算"}),
    ("满减为什么没减", "utter_promotion_why_not", {"threshold": "满199减15、满299减30", "coupon_spend": "99"}),
    ("双11什么时候开始", "utter_promotion_double11", {"presale": "10月24日晚8点", "start": "11月11日0点", "end": "11月11日23:59"}),
])
def test_each_promotion_question_is_answered_from_promotions_yml(text, script, expected):
    assert promotion_reply(SHOP, text) == (script, expected)


CATALOG = {"items": [{"sku": i.sku, "name": i.name, "aliases": list(i.aliases)} for i in SHOP.items]}


@pytest.mark.parametrize("text,total", [
    ("两条连衣裙多少钱", "308"),  # 338 - 满299减30 (the new-buyer coupon is told, not counted)
    ("牛仔裤和T恤一起多少钱", "179"),  # the bundle's price
    ("T恤买两件多少钱", "118"),  # no 满减 under 199
])
def test_a_baskets_price_after_the_offers(text, total):
    script, values = promotion_reply(SHOP, text, extract_entities(text, CATALOG))
    assert script == "utter_basket_price" and values["total"] == total


def test_the_floor_holds_over_every_combination_of_offers():
    items = [i for i in SHOP.items]
    for size in (1, 2, 3):
        for basket in itertools.combinations_with_replacement(items, size):
            for vip, coupon, new_buyer in itertools.product((False, True), repeat=3):
                price = basket_price(SHOP, list(basket), vip=vip, coupon=coupon, new_buyer=new_buyer)
                assert price.total >= price.floor_total, (basket, vip, coupon, new_buyer, price)
                assert price.total <= price.list_total


def test_in_a_big_sale_the_sale_version_is_used():
    on_sale = dataclasses.replace(SHOP, promotion=dataclasses.replace(SHOP.promotion, enabled=True))
    assert promotion_reply(on_sale, "双11有什么活动")[0] == "utter_promotion_sale"


def test_a_new_buyer_coupon_is_told_and_counted_only_for_a_new_buyer():
    dresses = [SHOP.item("DR-1066")] * 2
    assert basket_price(SHOP, dresses).total == 308
    assert basket_price(SHOP, dresses, new_buyer=True).total == 298
    _, values = promotion_reply(SHOP, "两条连衣裙多少钱", extract_entities("两条连衣裙多少钱", CATALOG))
    assert values["new_buyer_part"] == "；新客还能用新客券再减10元"
    # under the coupon's minimum spend: nothing to promise
    _, values = promotion_reply(SHOP, "T恤多少钱 买一件", extract_entities("T恤多少钱 买一件", CATALOG))
    assert values["new_buyer_part"] == ""
