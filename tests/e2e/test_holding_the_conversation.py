"""Holding the conversation, through the whole bot with the real model: the bot reads each
message with what was said before (xiaoer/dialogue.py), answers every part of it, and never
floods, loops or hands off because it was merely unsure. Messages are typed the way buyers
type on a phone."""

from __future__ import annotations

import uuid

from tests.e2e.said import said_by


def talk(bot, *lines: str) -> list[dict]:
    conversation = f"hold-{uuid.uuid4().hex[:12]}"
    return [bot.say(conversation, line) for line in lines]


def texts(reply: dict) -> list[str]:
    return [m["text"] for m in reply["messages"]]


def from_script(bot, reply: dict, *script_ids: str) -> bool:
    return any(said_by(bot, s, t) for t in texts(reply) for s in script_ids)


BARGAIN_SCRIPTS = ("utter_bargain_bundle", "utter_bargain_free_shipping", "utter_bargain_comparison",
                   "utter_bargain_final", "utter_bargain_below_floor")


def test_the_item_named_after_which_item_goes_on_with_the_haggle(live_bot):
    asked, answered = talk(live_bot, "便宜点呗", "裙子")
    assert from_script(live_bot, asked, "utter_ask_which_item")
    assert from_script(live_bot, answered, *BARGAIN_SCRIPTS), texts(answered)
    assert "169" in texts(answered)[0], "the dress's price, not another item's"
    assert not from_script(live_bot, answered, "utter_product_info")


def test_a_price_offered_for_the_item_is_not_read_as_a_weight(live_bot):
    reply, = talk(live_bot, "裤子118呢")
    assert from_script(live_bot, reply, "utter_bargain_below_floor"), texts(reply)
    assert "118" in texts(reply)[0]


def test_a_short_follow_up_keeps_the_item(live_bot):
    *_, reply = talk(live_bot, "牛仔裤有黑色吗", "那深蓝呢")
    assert from_script(live_bot, reply, "utter_stock_available"), texts(reply)
    assert "高腰直筒牛仔裤" in texts(reply)[0] and "深蓝" in texts(reply)[0]


def test_choosing_a_colour_and_size_is_an_order_confirmed_with_the_next_step(live_bot):
    *_, reply = talk(live_bot, "连衣裙雾蓝还有吗", "行 雾蓝xl")
    assert from_script(live_bot, reply, "utter_purchase_confirm"), texts(reply)
    assert "碎花连衣裙" in texts(reply)[0] and "雾蓝XL码" in texts(reply)[0] and "48小时" in texts(reply)[0]


def test_two_questions_in_one_line_get_two_answers_in_one_reply(live_bot):
    reply, = talk(live_bot, "牛仔裤有黑色吗 发什么快递")
    assert from_script(live_bot, reply, "utter_stock_available"), texts(reply)
    assert from_script(live_bot, reply, "utter_shipping"), texts(reply)
    assert len(reply["messages"]) <= 3


def test_who_pays_the_postage_without_insurance_is_answered_as_asked(live_bot):
    reply, = talk(live_bot, "没买运费险 退货要自己出运费吗")
    assert from_script(live_bot, reply, "utter_return_postage"), texts(reply)
    assert "由您承担" in texts(reply)[0] and "运费险承担" not in texts(reply)[0]


def test_an_order_number_after_a_complaint_goes_to_a_person_with_it(live_bot):
    first, second = talk(live_bot, "裙子收到就开线了。。", "订单号 3498127706653218842")
    assert from_script(live_bot, first, "utter_complaint")
    assert second["mode"] == "waiting"
    assert from_script(live_bot, second, "utter_handoff_complaint_order") and "3498127706653218842" in texts(second)[0]


def test_a_refund_of_three_items_over_the_limit_goes_to_a_person(live_bot):
    reply, = talk(live_bot, "买了三件 139 169 169 都不合适想退")
    assert reply["mode"] == "waiting", texts(reply)
    assert from_script(live_bot, reply, "utter_handoff_refund")


def test_a_complaint_about_the_service_is_not_treated_as_faulty_goods(live_bot):
    reply, = talk(live_bot, "什么垃圾客服 问半天没用")
    assert not from_script(live_bot, reply, "utter_complaint"), "no coupon for a broken item"
    assert reply["mode"] == "waiting"


def test_two_misunderstandings_offer_buttons_before_a_person(live_bot):
    first, second, third = talk(live_bot, "那个啥 上次那个", "就是那个呀", "蓝的那个")
    assert first["mode"] == second["mode"] == "bot"
    assert from_script(live_bot, second, "utter_ask_rephrase_choices")
    assert "转人工" in [b["payload"] for b in second["messages"][0]["buttons"]], "a person is one of the ways out"
    assert third["mode"] == "waiting"


def test_the_same_question_three_times_never_gets_the_same_words(live_bot):
    replies = talk(live_bot, "这裤子不合适能退吗", "就是不喜欢也能退？", "确定能退是吧")
    said = [t for r in replies for t in texts(r)]
    assert len(said) == len(set(said)), said


def test_a_shop_question_asked_while_waiting_for_a_person_is_answered_with_the_place_in_line(live_bot):
    _, reply = talk(live_bot, "转人工", "大概几天到 成都")
    assert reply["mode"] == "waiting"
    assert from_script(live_bot, reply, "utter_delivery_time"), texts(reply)
    assert "四川" in texts(reply)[0] or "成都" in texts(reply)[0]
    assert reply["notices"], "and the place in the line"
