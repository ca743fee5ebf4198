"""The scenario actions' plain reply functions, with the demo shop (Rasa's environment)."""

from __future__ import annotations

import dataclasses

import pytest

from actions.catalog import product_reply, stock_reply
from actions.shipping import shipping_replies
from actions.sizing import bare_height, bare_weight, missing_for_sizing
from xiaoer.shop import load_shop

SHOP = load_shop("shop")
PROMOTION = dataclasses.replace(SHOP, promotion=dataclasses.replace(SHOP.promotion, enabled=True))


@pytest.mark.parametrize("courier,region,scripts", [
    (None, None, ["utter_shipping"]),
    ("顺丰", None, ["utter_courier_surcharge"]),
    ("中通", None, ["utter_courier_default"]),
    ("DHL", None, ["utter_courier_unavailable"]),
    (None, "新疆", ["utter_delivery_time_remote"]),
    (None, "浙江", ["utter_delivery_time"]),
    ("顺丰", "上海", ["utter_courier_surcharge", "utter_delivery_time"]),
])
def test_shipping_replies(courier, region, scripts):
    assert [s for s, _ in shipping_replies(SHOP, courier, region)] == scripts


def test_surcharge_and_days_come_from_the_shop():
    (_, sf), = shipping_replies(SHOP, "顺丰", None)
    assert sf["surcharge"] == "10" and sf["ship_hours"] == 48
    (_, xj), = shipping_replies(SHOP, None, "新疆维吾尔自治区")
    assert (xj["days_min"], xj["days_max"]) == (5, 7)


def test_promotion_mode_lengthens_shipping_and_says_so():
    replies = shipping_replies(PROMOTION, None, "广东")
    assert replies[-1][0] == "utter_promotion_shipping_delay"
    assert all(values["ship_hours"] == 72 for _, values in replies)


@pytest.mark.parametrize("sku,colour,size,script", [
    (None, None, None, "utter_ask_which_item"),
    ("TS-0520", "粉", None, "utter_stock_sold_out"),
    ("TS-0520", "白", "M", "utter_stock_available"),
    ("DR-1066", "红色", None, "utter_stock_no_such_colour"),
    ("DR-1066", None, "XXL", "utter_stock_no_such_size"),
    ("JN-2801", None, None, "utter_stock_available"),
])
def test_stock_reply(sku, colour, size, script):
    assert stock_reply(SHOP, SHOP.item(sku) if sku else None, colour, size)[0] == script


def test_sold_out_offers_other_colours_and_similar_items():
    _, values = stock_reply(SHOP, SHOP.item("TS-0520"), "粉", None)
    assert values["alternatives"].startswith("同款还有白、黑、灰可选")
    assert "粉" not in values["alternatives"]


def test_product_reply_names_material_and_price():
    script, values = product_reply(SHOP.item("DR-1066"))
    assert script == "utter_product_info" and values["price"] == "169" and values["material"]


@pytest.mark.parametrize("known,missing", [
    ({}, ["sku", "height", "weight"]),
    ({"sku": "JN-2801"}, ["height", "weight"]),
    ({"sku": "JN-2801", "height": 165}, ["weight"]),
    ({"sku": "JN-2801", "usual_size": "28"}, []),
    ({"waist": 70}, ["sku"]),
    ({"sku": "DR-1066", "height": 160, "weight": 50}, []),
])
def test_the_sizing_form_asks_only_for_what_is_missing(known, missing):
    assert missing_for_sizing(known) == missing


@pytest.mark.parametrize("text,cm", [("165", 165), ("一米六五", None), ("1.65", 165), ("170cm", 170), ("两件", None), ("99", None)])
def test_bare_height(text, cm):
    assert bare_height(text) == cm


@pytest.mark.parametrize("text,kg", [("110", 55), ("55", 55), ("一百斤", None), ("九十八", 49), ("abc", None), ("500", None)])
def test_bare_weight(text, kg):
    assert bare_weight(text) == kg


@pytest.mark.parametrize("just_given,used", [
    ({"waist"}, {"waist", "hip"}),
    ({"height", "sku"}, {"height", "weight"}),
    ({"usual_size"}, {"usual_size"}),
    (set(), {"waist", "hip", "height", "weight", "usual_size"}),
])
def test_the_latest_sizing_basis_wins(just_given, used):
    from actions.sizing import sizing_inputs

    slots = {"usual_size": "27", "waist": 69.9, "hip": None, "height": 160, "weight": 50}
    assert set(sizing_inputs(slots, just_given)) == used


@pytest.mark.parametrize("status,script", [
    ("unpaid", "utter_order_status_unpaid"), ("paid", "utter_order_status_paid"),
    ("shipped", "utter_order_status_shipped"), ("cancelled", "utter_order_status_cancelled"), ("lost", None),
])
def test_the_buyers_own_order_by_its_status(status, script):
    from actions.shipping import order_status_reply

    order = {"order_id": "3301", "status": status, "item": "碎花连衣裙", "size": "M", "colour": "雾蓝",
             "courier": "中通", "tracking_number": "", "address": "新疆乌鲁木齐市天山区1号"}
    reply = order_status_reply(SHOP, order)
    assert (reply[0] if reply else None) == script
    if reply:
        assert (reply[1]["days_min"], reply[1]["days_max"]) == (5, 7), "delivery days by the order's address"
        assert reply[1]["tracking_number"] is None, "no tracking number: only the variants without one fit"
