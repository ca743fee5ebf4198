"""The offers action in Rasa's environment: offers from the shop, a price claim to a person."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.promotion import ActionPromotion


def run(text):
    tracker = Tracker("buyer-1", {}, {"intent": {"name": "ask_promotion"}, "text": text}, [], False, None, {},
                      "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionPromotion().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_offers_are_told_with_the_shops_values():
    messages, events = run("有什么优惠活动吗")
    assert messages[0]["response"] == "utter_promotion"
    assert messages[0]["vip_zhe"] == "9.8" and "套餐179元" in messages[0]["offers"] and "满199减15" in messages[0]["offers"]
    # nothing but the conversation's state: the topic, and no question left open
    assert {e["name"]: e["value"] for e in events} == {"topic": "ask_promotion", "expecting": None, "pending": None}


def test_a_price_claim_is_handed_to_a_person():
    messages, events = run("昨天买的今天就降价了 能补差价吗")
    assert messages[0]["response"] == "utter_handoff_price_check"
    assert messages[1]["custom"]["handoff"]["reason"] == "price_check"
    assert {e["event"] for e in events} == {"slot", "pause"}
