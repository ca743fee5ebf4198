"""The bargaining ladder: never below the floor, concessions in order (seed 000)."""

from __future__ import annotations

import itertools

import pytest

from xiaoer.bargaining import bargain, haggle_kind, offered_price
from xiaoer.shop import load_shop

SHOP = load_shop("shop")
JEANS, DRESS, TEE = SHOP.item("JN-2801"), SHOP.item("DR-1066"), SHOP.item("TS-0520")


@pytest.mark.parametrize("text,kind", [
    ("第一次买，便宜点吧，以后还来", "promise"),
    ("给我便宜点我介绍朋友来买", "promise"),
    ("别家才卖99", "comparison"),
    ("拼多多上同款便宜多了", "comparison"),
    ("少点我就拍", "decisive"),
    ("包邮我就付款", "decisive"),
    ("支付宝里只有130了", "excuse"),
    ("余额不够，少五块吧", "excuse"),
    ("能便宜点吗", "general"),
])
def test_haggle_kind(text, kind):
    assert haggle_kind(text) == kind


def reply(item, text, count=1, concessions=(), **kwargs):
    return bargain(SHOP, item, text, count, list(concessions), **kwargs)


def test_promise_gets_vip_benefits():
    r = reply(JEANS, "第一次来买，以后常来")
    assert r.script == "utter_bargain_promise" and r.args["vip_zhe"] == "9.8" and r.concession is None


def test_comparison_gets_quality_and_service():
    assert reply(JEANS, "别家才卖99").script == "utter_bargain_comparison"


def test_decisive_steers_to_the_bundle_first_then_free_shipping():
    first = reply(JEANS, "少点我就拍")
    assert (first.script, first.concession) == ("utter_bargain_bundle", "bundle_offered")
    assert first.args["bundle_price"] == "179" and first.args["bundle_saving"] == "19"
    second = reply(JEANS, "还是少点吧，我马上拍", 2, ["bundle_offered"])
    assert (second.script, second.concession) == ("utter_bargain_free_shipping", "free_shipping")


def test_item_without_a_bundle_goes_straight_to_free_shipping():
    assert reply(DRESS, "包邮我就拍").script == "utter_bargain_free_shipping"


def test_no_free_shipping_to_remote_regions():
    r = reply(DRESS, "包邮我就拍", region="新疆")
    assert r.script == "utter_bargain_final" and r.concession is None


def test_decisive_below_the_floor_is_declined():
    r = reply(JEANS, "100块我就拍", price=100)
    assert r.script == "utter_bargain_below_floor" and r.concession is None


def test_excuse_with_a_small_gap_is_accepted_at_the_floor_at_most():
    r = reply(JEANS, "支付宝只有130了", price=130)
    assert r.script == "utter_bargain_excuse_accept" and r.agreed_price == 130
    assert r.concession == "price:130"


def test_excuse_with_a_large_gap_is_held():
    r = reply(JEANS, "支付宝里只有100", price=100)
    assert r.script == "utter_bargain_excuse_hold" and r.agreed_price is None
    assert r.args["hold_hours"] == 24


def test_discount_words_become_an_offer():
    assert offered_price(JEANS, None, 10) == 129
    assert reply(JEANS, "余额不够，少十块吧", discount=10).agreed_price == 129


def test_third_haggle_asks_the_manager_and_gives_a_gift_not_a_discount():
    r = reply(JEANS, "再便宜点嘛", 3, ["bundle_offered", "free_shipping"])
    assert r.script == "utter_bargain_manager_gift" and r.concession.startswith("gift:")
    assert r.agreed_price is None
    again = reply(JEANS, "再少点", 4, ["bundle_offered", "free_shipping", r.concession])
    assert again.script == "utter_bargain_final"


def test_unknown_item_asks_which():
    assert reply(None, "便宜点").script == "utter_ask_which_item"


@pytest.mark.parametrize("item,text,price,discount,count", itertools.product(
    [JEANS, DRESS, TEE, SHOP.item("SET-01")],
    ["少点我就拍", "支付宝只有这么多", "别家便宜", "第一次买", "便宜点"],
    [None, 1, 50, 100, 118, 119, 120, 135, 160, 200],
    [None, 5, 10, 30],
    [1, 2, 3, 4],
))
def test_never_below_the_floor(item, text, price, discount, count):
    r = reply(item, text, count, price=price, discount=discount)
    assert r.agreed_price is None or r.agreed_price >= item.floor
    if r.agreed_price is not None:
        assert r.args["offer"] == f"{r.agreed_price:g}"


@pytest.mark.parametrize("text,kind", [
    ("老顾客了 便宜点呗", "returning"),
    ("上个月刚买过 还能优惠不", "returning"),
    ("套餐比单买便宜多少", "bundle"),
    ("买两件能便宜吗", "bundle"),
    ("套餐能便宜点吗", "general"),  # a haggle on the bundle, not a question about it
])
def test_returning_buyers_and_bundle_questions(text, kind):
    assert haggle_kind(text) == kind


def test_a_returning_buyer_is_told_the_vip_price_they_already_have():
    reply = bargain(SHOP, JEANS, "老顾客了 便宜点", 1, [])
    assert reply.script == "utter_bargain_returning"
    assert reply.args["vip_zhe"] == "9.8" and reply.args["vip_price"] == "136.22"
    assert reply.agreed_price is None, "the VIP price is the platform's, not a price the bot agreed"


def test_a_buyer_on_the_bundle_is_told_its_saving_not_recommended_it():
    reply = bargain(SHOP, SHOP.item("SET-01"), "套餐比单买便宜多少", 1, [])
    assert reply.script == "utter_bargain_bundle_saving" and reply.args["separate_price"] == "198"


def test_a_bundle_question_gets_the_saving_even_after_the_bundle_was_offered():
    reply = bargain(SHOP, JEANS, "那套餐比单买便宜多少", 2, ["bundle_offered"])
    assert reply.script == "utter_bargain_bundle"
    assert reply.args["bundle_saving"] == str(int(JEANS.price + TEE.price - SHOP.item("SET-01").price))


def test_a_plain_haggle_climbs_the_ladder_over_the_conversation():
    first = bargain(SHOP, JEANS, "能便宜点吗", 1, [])
    second = bargain(SHOP, JEANS, "再便宜点嘛", 2, [first.concession])
    assert (first.script, second.script) == ("utter_bargain_bundle", "utter_bargain_free_shipping")
    third = bargain(SHOP, JEANS, "真的不能少了吗", 3, [first.concession, second.concession])
    assert third.script == "utter_bargain_manager_gift"


def test_free_shipping_says_it_leaves_out_the_remote_regions_and_a_remote_buyer_is_told_the_postage():
    conceded = bargain(SHOP, TEE, "包邮我就拍", 2, ["bundle_offered"])
    assert conceded.script == "utter_bargain_free_shipping" and "西藏" in conceded.args["remote"]
    tibet = bargain(SHOP, TEE, "西藏", 2, ["bundle_offered", "free_shipping"], region="西藏", region_only=True)
    assert tibet.script == "utter_bargain_remote_postage" and tibet.args["postage"] == "18"
    canton = bargain(SHOP, TEE, "广东", 2, ["bundle_offered", "free_shipping"], region="广东", region_only=True)
    assert canton.script == "utter_bargain_free_shipping_region"


def test_a_gift_question_is_answered_with_the_gifts_and_then_with_the_one_given():
    offered = bargain(SHOP, JEANS, "送点啥", 1, [])
    assert offered.script == "utter_bargain_gift_offer" and offered.concession == "gift:一双袜子"
    told = bargain(SHOP, JEANS, "送啥来着", 3, ["gift:一双袜子"])
    assert told.script == "utter_bargain_gift_told" and told.args["gift"] == "一双袜子"


def test_a_returning_buyer_without_an_item_is_told_the_vip_discount_and_asked_which():
    assert bargain(SHOP, None, "老顾客了 便宜点", 0, []).script == "utter_bargain_returning_ask_item"
