"""The conversation's state in Rasa's environment (actions/scenario.py): what the bot asked is
remembered, a bare answer resumes the task that asked, an order is confirmed, a number in a
haggle is the offer."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.after_sale import ActionColourDifference, ActionReturnExchange
from actions.bargaining import ActionBargain
from actions.catalog import ActionProductInfo
from actions.chitchat import ActionAffirm
from actions.fallback import ActionNotUnderstood
from actions.purchase import purchase_reply
from actions.scenario import SCENARIO_ACTIONS, load_scenario_modules
from xiaoer.dialogue import SCENARIOS
from xiaoer.entities import extract_entities
from xiaoer.shop import load_shop

SHOP = load_shop("shop")
CATALOG = {"items": [{"sku": s.sku, "name": s.name, "aliases": list(s.aliases),
                      "colors": [c.name for c in s.colours]} for s in SHOP.items]}


def said(intent, text):
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent}, "entities": extract_entities(text, CATALOG)}}


class Conversation:
    """Messages through the actions as Rasa would run them: slots from entities, events kept."""

    def __init__(self):
        self.events, self.slots = [], {}

    def say(self, intent, text, action):
        message = said(intent, text)
        self.events.append(message)
        for e in message["parse_data"]["entities"]:
            self.slots[e["entity"]] = e["value"]
        latest = message["parse_data"] | {"text": text}
        tracker = Tracker("buyer-1", dict(self.slots), latest, list(self.events), False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action().run(dispatcher, tracker, {}))
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            self.events.append(event)
        return dispatcher.messages


def test_every_scenario_has_an_action():
    load_scenario_modules()
    assert SCENARIOS <= set(SCENARIO_ACTIONS) | {"modify_order"}


def test_which_item_then_the_item_goes_on_with_the_haggle():
    talk = Conversation()
    asked = talk.say("bargain", "能便宜点吗", ActionBargain)
    assert asked[0]["response"] == "utter_ask_which_item"
    answer = talk.say("ask_product_info", "连衣裙", ActionProductInfo)
    assert answer[0]["response"].startswith("utter_bargain") and answer[0]["item_name"] == "碎花连衣裙"


def test_a_new_question_instead_of_the_answer_is_answered_as_asked():
    talk = Conversation()
    talk.say("bargain", "能便宜点吗", ActionBargain)
    answer = talk.say("ask_product_info", "连衣裙什么面料的", ActionProductInfo)
    assert answer[0]["response"] == "utter_product_fact" and "雪纺" in answer[0]["facts"]


def test_an_order_with_colour_and_size_is_confirmed_not_read_as_colour_difference():
    talk = Conversation()
    talk.say("ask_product_info", "连衣裙什么面料的", ActionProductInfo)
    answer = talk.say("color_difference", "那就拍个雾蓝L", ActionColourDifference)
    assert answer[0]["response"] == "utter_purchase_confirm"
    assert (answer[0]["item_name"], answer[0]["spec"], answer[0]["price"]) == ("碎花连衣裙", "雾蓝L码", "169")


def test_an_order_without_a_size_asks_for_it_and_the_answer_completes_it():
    talk = Conversation()
    talk.say("ask_product_info", "牛仔裤有弹力吗", ActionProductInfo)
    ask = talk.say("affirm", "行 就要这个", ActionAffirm)
    assert ask[0]["response"] == "utter_purchase_ask_spec" and ask[0]["missing"] == "颜色和尺码"
    done = talk.say("nlu_fallback", "黑色L", ActionNotUnderstood)
    assert done[0]["response"] == "utter_purchase_confirm" and done[0]["spec"] == "黑色L码"


def test_a_plain_yes_is_still_a_yes():
    assert Conversation().say("affirm", "好的", ActionAffirm)[0]["response"] == "utter_affirm"


def test_a_number_during_a_haggle_is_the_price_offered():
    talk = Conversation()
    talk.say("bargain", "牛仔裤能便宜点吗", ActionBargain)
    answer = talk.say("ask_size", "90呢", ActionNotUnderstood)
    assert answer[0]["response"] == "utter_bargain_below_floor" and answer[0]["offer"] == "90"


def test_a_price_read_as_a_weight_ends_the_sizing_form_and_is_answered_as_an_offer():
    from actions.sizing import ActionRecommendSize, ValidateSizeForm

    talk = Conversation()
    talk.slots["sku"] = "JN-2801"
    message = said("ask_size", "裤子118呢")
    talk.events.append(message)
    tracker = Tracker("buyer-1", dict(talk.slots), message["parse_data"] | {"text": "裤子118呢"}, list(talk.events),
                      False, None, {}, "action_listen")
    needed = asyncio.run(ValidateSizeForm().required_slots([], CollectingDispatcher(), tracker, {}))
    assert needed == [], "the form has nothing to ask"
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRecommendSize().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_bargain_below_floor" and dispatcher.messages[0]["offer"] == "118"


def test_colour_and_size_without_a_difference_is_a_stock_question():
    answer = Conversation().say("color_difference", "连衣裙有雾蓝xl吗", ActionColourDifference)
    assert answer[0]["response"].startswith("utter_stock")


@pytest.mark.parametrize("colour,size,script", [
    ("粉", "M", "utter_stock_sold_out"),  # pink T-shirts are sold out
    ("紫", "M", "utter_stock_no_such_colour"),
    ("黑", None, "utter_purchase_ask_spec"),
    ("黑", "M", "utter_purchase_confirm"),
])
def test_purchase_replies_say_what_the_shop_has(colour, size, script):
    assert purchase_reply(SHOP, SHOP.item("TS-0520"), colour, size, bought=False)[0] == script


def test_an_agreed_price_is_the_price_confirmed():
    _, values = purchase_reply(SHOP, SHOP.item("JN-2801"), "黑色", "L", bought=False, agreed_price=129)
    assert values["price"] == "129"


def test_bought_thanks_and_says_when_it_ships():
    script, values = purchase_reply(SHOP, None, None, None, bought=True)
    assert script == "utter_purchase_done" and values["ship_hours"] == 48


def test_what_the_haggle_gave_is_confirmed_with_the_order():
    _, values = purchase_reply(SHOP, SHOP.item("JN-2801"), "黑色", "L", bought=False,
                               concessions=["bundle_offered", "free_shipping", "gift:一双袜子"])
    assert values["deal_part"] == "（包邮，送一双袜子）"


@pytest.mark.parametrize("text,item_name", [
    ("有雾蓝xl吗", "碎花连衣裙"),  # only the dress is 雾蓝
    ("那就拍个粉色L", "纯棉短袖T恤"),  # the T-shirt (the bundle shares its colours)
    ("有黑色吗", None),  # jeans and T-shirt: ask which
])
def test_a_colour_made_in_one_item_names_the_item(text, item_name):
    from actions.shop_data import current_item

    message = said("ask_stock", text)
    slots = {e["entity"]: e["value"] for e in message["parse_data"]["entities"]}
    tracker = Tracker("buyer-1", slots, message["parse_data"] | {"text": text}, [message], False, None, {}, "action_listen")
    item = current_item(tracker)
    assert (item.name if item else None) == item_name


def test_the_return_policy_asked_again_is_a_short_yes():
    talk = Conversation()
    first = talk.say("return_exchange", "这裤子不合适能退吗", ActionReturnExchange)
    talk.events.append({"event": "bot", "metadata": {"utter_action": first[0]["response"]}})
    again = talk.say("return_exchange", "确定能退是吧", ActionReturnExchange)
    assert (first[0]["response"], again[0]["response"]) == ("utter_return_policy", "utter_return_policy_again")


def test_a_haggle_that_names_an_item_ends_the_sizing_form_and_is_answered():
    from actions.sizing import ActionRecommendSize, ValidateSizeForm

    text = "支付宝只有130了 牛仔裤少点吧"
    message = said("bargain", text)
    slots = {"sku": "JN-2801", "requested_slot": "height"}
    tracker = Tracker("buyer-1", slots, message["parse_data"] | {"text": text}, [message], False, None, {}, "action_listen")
    assert asyncio.run(ValidateSizeForm().required_slots([], CollectingDispatcher(), tracker, {})) == []
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRecommendSize().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_bargain_excuse_accept" and dispatcher.messages[0]["offer"] == "130"


def test_a_height_first_in_a_longer_reply_is_taken():
    from actions.sizing import bare_height

    assert bare_height("158 体重不知道 中等吧") == 158


@pytest.mark.parametrize("text,first", [
    ("退两件 裤子和T恤", "utter_return_policy"),  # a 198-yuan return read as an order change
    ("我想改一下收货地址", "utter_handoff_order_change"),  # a real change goes to a person
])
def test_an_order_change_that_is_a_return_is_answered_as_one(text, first):
    from actions.handoff import ActionHandoff

    messages = Conversation().say("modify_order", text, ActionHandoff)
    assert messages[0]["response"] == first


def test_facts_asked_before_the_item_was_named_are_answered_once_it_is():
    talk = Conversation()
    asked = talk.say("ask_product_info", "透不透啊", ActionProductInfo)
    assert asked[0]["response"] == "utter_ask_which_item"
    answer = talk.say("ask_product_info", "T恤", ActionProductInfo)
    assert answer[0]["response"] == "utter_product_fact" and "不透" in answer[0]["facts"]


def test_a_fact_the_catalog_lacks_is_not_made_up_and_a_person_is_offered():
    answer = Conversation().say("ask_product_info", "牛仔裤透不透", ActionProductInfo)
    assert [m["response"] for m in answer] == ["utter_product_fact_unknown"]
    assert answer[0]["asked"] == "透不透"


def test_two_items_compared():
    answer = Conversation().say("ask_product_info", "T恤和连衣裙有什么区别", ActionProductInfo)
    assert answer[0]["response"] == "utter_product_compare"
    assert {answer[0]["first_name"], answer[0]["second_name"]} == {"纯棉短袖T恤", "碎花连衣裙"}
