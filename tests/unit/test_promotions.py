"""Offers a buyer asks about (xiaoer/promotions.py), from the demo shop's files."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import ROOT
from xiaoer.promotions import bundle_offers, promotion_reply
from xiaoer.shop import load_shop

SHOP = load_shop(ROOT / "shop")


def test_the_bundle_says_its_price_and_what_it_saves():
    # T恤 59 + 牛仔裤 139 = 198 apart; the set is 179
    assert bundle_offers(SHOP) == ["T恤+牛仔裤套餐179元，比分开买省19元"]


@pytest.mark.parametrize("text", ["有什么活动吗", "优惠券在哪领", "有满减吗", "会员有折扣吗"])
def test_offers_come_from_the_shop(text):
    script, values = promotion_reply(SHOP, text)
    assert script == "utter_promotion"
    assert values == {"vip_zhe": "9.8", "bundles": "T恤+牛仔裤套餐179元，比分开买省19元"}


@pytest.mark.parametrize("text", ["满减为什么没减", "我刚买就降价了能补差价吗", "价保怎么申请", "优惠券没减钱"])
def test_a_claim_about_an_orders_price_goes_to_a_person(text):
    assert promotion_reply(SHOP, text) == ("handoff", {})


def test_in_a_big_sale_the_sale_version_is_used():
    on_sale = dataclasses.replace(SHOP, promotion=dataclasses.replace(SHOP.promotion, enabled=True))
    assert promotion_reply(on_sale, "双11有什么活动")[0] == "utter_promotion_sale"
