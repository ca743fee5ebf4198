"""Offers and promotions (优惠, 活动, 优惠券, 满减, 双11, what a basket costs): from shop/;
a claim about an order's price (差价, 价保) goes to a person who can see the order."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_off
from actions.scenario import ScenarioAction
from actions.shop_data import latest_text, shop
from xiaoer.promotions import promotion_reply


class ActionPromotion(ScenarioAction):
    scenario = "ask_promotion"
    action_name = "action_promotion"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        script, values = promotion_reply(shop(), latest_text(tracker), tracker.latest_message.get("entities") or [])
        if script == "handoff":
            return hand_off(dispatcher, tracker, "price_check")
        dispatcher.utter_message(response=script, **values)
        return []
