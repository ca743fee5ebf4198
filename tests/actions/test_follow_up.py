"""Detail-only follow-ups ("那T恤呢", "那新疆呢", an order number on request) continue the
buyer's topic (actions/follow_up.py), in Rasa's environment."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNotUnderstood, misunderstood_in_a_row
from actions.follow_up import follow_up_topic


def user(intent, text="...", entities=()):
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent}, "entities": list(entities)}}


def entity(name, value):
    return {"entity": name, "value": value}


@pytest.mark.parametrize("history,details,topic", [
    (["ask_size"], [entity("sku", "TS-0520")], "ask_size"),
    (["ask_shipping"], [entity("region", "新疆")], "ask_shipping"),
    (["ask_stock", "affirm"], [entity("color", "黑色")], "ask_stock"),  # "好的" in between is no topic
    (["ask_delivery_status"], [entity("order_id", "123456789012")], "ask_delivery_status"),
    (["complaint"], [entity("order_id", "123456789012")], "complaint"),
    ([], [entity("order_id", "123456789012")], "ask_delivery_status"),  # a bare order number
    (["ask_size"], [], None),  # no detail: nothing to continue ("怎么办")
    (["request_human"], [entity("color", "黑色")], None),  # a topic without a follow-up
    ([], [entity("color", "黑色")], None),
])
def test_follow_up_topic(history, details, topic):
    events = [user(i) for i in history] + [user("nlu_fallback", entities=details)]
    assert follow_up_topic(events, details) == topic


@pytest.mark.parametrize("history,text,topic", [
    (["complaint"], "怎么办", "complaint"),
    (["return_exchange"], "那怎么操作？", "return_exchange"),
    (["color_difference"], "那我现在该怎么办", "color_difference"),
    (["ask_size"], "怎么办", None),  # not after-sale: no next step to give
    (["complaint"], "怎么办啊 我明天就要穿", None),  # more than "what now": the classifier's
    ([], "怎么办", None),
])
def test_what_now_after_an_after_sale_answer(history, text, topic):
    events = [user(i) for i in history] + [user("nlu_fallback", text)]
    assert follow_up_topic(events, [], text) == topic


def tracker(events, slots=None):
    latest = events[-1]["parse_data"] | {"text": events[-1]["text"]}
    return Tracker("buyer-1", slots or {}, latest, events, False, None, {}, "action_listen")


def run(t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionNotUnderstood().run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_that_tshirt_after_a_size_advice_gets_the_tshirts_size():
    details = [entity("sku", "TS-0520")]
    events = [user("ask_size", "165 100斤 牛仔裤穿多大"), user("nlu_fallback", "那T恤呢", details)]
    messages, _ = run(tracker(events, {"sku": "TS-0520", "height": 165, "weight": 50}))
    assert messages[0]["response"].startswith("utter_size") and messages[0]["follow_up_of"] == "ask_size"
    assert "T恤" in messages[0]["item_name"]


def test_an_order_number_after_the_bot_asked_for_it_asks_for_the_phones_last_four():
    details = [entity("order_id", "123456789012")]
    events = [user("ask_delivery_status", "我上周买的裤子怎么还没到"), user("nlu_fallback", "123456789012", details)]
    messages, events_out = run(tracker(events))
    # an order this conversation does not own: nothing shown, and no person until the digits fail
    assert [m.get("response") for m in messages] == ["utter_ask_phone_last4"]
    assert {"event": "slot", "name": "expecting", "value": "phone_last4"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events_out]


def test_what_now_after_a_complaint_goes_to_a_person():
    events = [user("complaint", "衣服收到掉色了"), user("nlu_fallback", "怎么办")]
    messages, _ = run(tracker(events))
    assert messages[-1]["custom"]["handoff"]["reason"] == "complaint"


def test_a_follow_up_answer_is_not_a_failure():
    answered = {"event": "bot", "metadata": {"utter_action": "utter_size_larger", "follow_up_of": "ask_size"}}
    assert misunderstood_in_a_row([user("nlu_fallback"), answered, user("nlu_fallback")]) == 1
