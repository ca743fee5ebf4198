"""Reading a message against the conversation (xiaoer/dialogue.py), without Rasa."""

from __future__ import annotations

import pytest

from xiaoer.dialogue import (
    DialogueState,
    counter_offer,
    expecting_after,
    is_bare_answer,
    offer_in,
    purchase_signal,
    question_is_fresh,
    route,
)
from xiaoer.entities import extract_entities
from xiaoer.shop import load_shop

CATALOG = {"items": [{"sku": s.sku, "name": s.name, "aliases": list(s.aliases),
                      "colors": [c.name for c in s.colours]} for s in load_shop("shop").items]}


def entities(text):
    return extract_entities(text, CATALOG)


def test_what_a_reply_asks_for_is_its_last_question():
    assert expecting_after(["utter_ask_which_item"]) == "sku"
    assert expecting_after(["utter_shipping", "utter_delivery_status"]) == "order_id"
    assert expecting_after(["utter_stock_available"]) is None


@pytest.mark.parametrize("text,expecting,bare", [
    ("连衣裙", "sku", True),
    ("就那条连衣裙吧", "sku", True),
    ("牛仔裤那个", "sku", True),
    ("连衣裙什么面料", "sku", False),  # a question of its own
    ("123456789012", "order_id", True),
    ("订单号123456789012", "order_id", True),  # "订单号" is how buyers label it
    ("黑色L", "spec", True),
    ("连衣裙", None, False),  # the bot asked nothing
    ("连衣裙", "order_id", False),  # not what it asked
])
def test_a_bare_answer_gives_what_was_asked_and_nothing_else(text, expecting, bare):
    assert is_bare_answer(text, entities(text), expecting) is bare


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def user(text="..."):
    return {"event": "user", "text": text}


def test_the_question_is_fresh_only_for_the_next_message():
    assert question_is_fresh([user(), slot("expecting", "sku"), user()]) is True
    assert question_is_fresh([user(), slot("expecting", "sku"), user(), user()]) is False
    assert question_is_fresh([user()]) is False


@pytest.mark.parametrize("text,signal", [
    ("那就拍个黑色L", "will_buy"),
    ("行 雾蓝xl 就要这个", "will_buy"),
    ("还是买吧", "will_buy"),
    ("好的我拍了", "bought"),
    ("已下单", "bought"),
    ("拍了 什么时候发货", None),  # a question after the order, not the order
    ("我再考虑下 不拍了", None),
    ("拍错颜色了", None),
    ("买了三件想退一件", None),
    ("怎么拍", None),
    ("牛仔裤便宜点我就拍", None),  # a haggle, not an order yet
    ("少点我就买", None),
])
def test_purchase_signals(text, signal):
    assert purchase_signal(text) == signal


@pytest.mark.parametrize("text,signal", [
    ("那就黑色 顺丰 L", "will_buy"),
    ("行 雾蓝xl", "will_buy"),
    ("好的 白色M", "will_buy"),
    ("黑色有L吗", None),  # a stock question
    ("L码呢", None),
])
def test_choosing_a_colour_or_size_is_an_order(text, signal):
    assert purchase_signal(text, names_spec=True) == signal


@pytest.mark.parametrize("text,price", [
    ("118呢", 118.0), ("130行不", 130.0), ("149卖不卖", 149.0), ("一百二可以吗", 120.0), ("那120吧", 120.0),
    ("165 100斤", None), ("118呢 包邮吗", None), ("3", None),
])
def test_counter_offers(text, price):
    assert counter_offer(text) == price


def state(**values):
    return DialogueState(**values)


@pytest.mark.parametrize("intent,text,current,fresh,scenario", [
    # the bot asked which item in a haggle; the buyer names it: the haggle goes on
    ("ask_product_info", "连衣裙", state(topic="bargain", expecting="sku", pending="bargain"), True, "bargain"),
    ("nlu_fallback", "123456789012", state(topic="ask_delivery_status", expecting="order_id",
                                           pending="ask_delivery_status"), True, "ask_delivery_status"),
    # ... but not two messages later (unless the topic still takes it), and not when it is a question of its own
    ("ask_product_info", "连衣裙", state(topic="ask_shipping", expecting="sku", pending="bargain"), False, None),
    ("ask_product_info", "连衣裙", state(topic="bargain"), False, "bargain"),
    # a detail alone continues the topic it fits: a region after shipping, a size after stock
    ("greet", "呼和浩特", state(topic="ask_shipping"), False, "ask_shipping"),
    ("ask_stock", "L码", state(topic="ask_stock"), False, "ask_stock"),
    ("bargain", "包邮吗", state(), False, "ask_shipping"),
    ("out_of_scope", "这条裤子", state(), False, "ask_product_info"),  # a burst's first fragment
    ("ask_delivery_status", "多久到", state(topic="ask_shipping"), False, "ask_shipping"),
    ("ask_delivery_status", "那寄北京我朋友那呢", state(topic="ask_shipping"), False, "ask_shipping"),
    ("ask_delivery_status", "我的快递怎么还没到", state(topic="ask_shipping"), False, None),
    ("out_of_scope", "我的订单怎么样了", state(has_order=True), False, "ask_delivery_status"),
    ("out_of_scope", "我的订单怎么样了", state(), False, None),
    ("ask_size", "我买的是什么码", state(has_order=True), False, "ask_delivery_status"),
    ("ask_size", "我买的是什么码", state(), False, None),
    ("modify_order", "退两件 裤子和T恤", state(), False, "return_exchange"),
    ("complaint", "套餐和两条裙子都要退", state(), False, "return_exchange"),
    ("complaint", "质量太差了要退货", state(), False, None),
    ("modify_order", "不要T恤 就要裤子", state(topic="bargain"), False, "purchase"),
    ("color_difference", "牛仔裤会掉色吗", state(), False, "ask_product_info"),  # a fact, before buying
    ("complaint", "牛仔裤洗了一次就掉色了", state(), False, None),  # a report
    ("ask_stock", "纯棉短袖T恤粉色还有货吗", state(), False, None),  # 纯棉 is the name, not a fabric question
    ("modify_order", "不要T恤 就要裤子", state(topic="ask_delivery_status"), False, None),
    ("ask_product_info", "连衣裙什么面料", state(topic="bargain", expecting="sku", pending="bargain"), True, None),
    # an order is a purchase, not a colour-difference question
    ("color_difference", "那就拍个黑色L", state(), False, "purchase"),
    ("affirm", "行 雾蓝xl 就要这个", state(), False, "purchase"),
    ("return_exchange", "拍了想退", state(), False, None),
    # colour and size with no difference words: what is in stock
    ("color_difference", "有雾蓝xl吗", state(), False, "ask_stock"),
    ("color_difference", "雾蓝实物和图片一样吗", state(), False, None),
    # an item's name the model never saw makes "有粉色吗" look like "what is it": a colour asked is stock
    ("ask_product_info", "纯棉短袖T恤有粉色吗", state(), False, "ask_stock"),
    ("ask_product_info", "纯棉短袖T恤粉色的透不透", state(), False, None),
    # a number during a haggle is the price offered
    ("ask_size", "118呢", state(topic="bargain"), False, "bargain"),
    ("nlu_fallback", "118呢", state(topic="ask_shipping"), False, None),
    # an order number alone continues the after-sale case it belongs to
    ("ask_delivery_status", "订单号 3498127706653218842", state(topic="complaint"), False, "complaint"),
    ("ask_delivery_status", "3498127706653218842", state(topic="return_exchange"), False, "return_exchange"),
    ("ask_delivery_status", "3498127706653218842", state(topic="ask_stock"), False, None),
    ("ask_promotion", "老顾客了 这次能优惠不", state(), False, "bargain"),
    ("bargain", "满减能叠加吗", state(), False, "ask_promotion"),
    ("bargain", "两条连衣裙多少钱", state(), False, "ask_promotion"),
    ("bargain", "连衣裙多少钱", state(), False, None),  # one item: its price, no basket
    # a haggle is a haggle, even with 拍 in it
    ("bargain", "牛仔裤便宜点我就拍", state(), False, None),
])
def test_route(intent, text, current, fresh, scenario):
    assert route(intent, text, entities(text), current, fresh) == scenario


@pytest.mark.parametrize("text,price,scenario", [
    ("裤子118呢", 139, "bargain"),  # near the jeans' price: an offer, not a weight
    ("170呢", 179, "bargain"),
    ("165呢", 59, None),  # far from a T-shirt's price: a height, sizing goes on
    ("118呢", None, None),  # no item, no haggle: nothing to offer for
])
def test_a_number_near_the_items_price_is_an_offer(text, price, scenario):
    assert route("ask_size", text, entities(text), state(), False, item_price=price) == scenario


@pytest.mark.parametrize("text,price,offer", [
    ("支付宝只有130了 少点吧", 139, 130.0),
    ("165 100斤", 139, None),  # a height and a weight
    ("买2件", 139, None),
])
def test_an_amount_in_a_haggle(text, price, offer):
    assert offer_in(text, price) == offer

