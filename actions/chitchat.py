"""Greeting (with the busy notice in promotion mode), the two farewells, and "好的"."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import answer_as, routed_scenario
from actions.shop_data import shop


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(response="utter_greet")
        if shop().promotion.enabled and shop().promotion.busy_notice:
            dispatcher.utter_message(response="utter_busy_notice")
        return []


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        # a deal (a concession accepted, an order) gets thanks and the VIP note
        if tracker.get_slot("deal"):
            dispatcher.utter_message(response="utter_goodbye_deal", vip_zhe=shop().vip.zhe)
        else:
            dispatcher.utter_message(response="utter_goodbye")
        return []


class ActionAffirm(Action):
    """"好的" alone is a nod; "行 雾蓝xl" or "好的我拍了" is an order (actions/purchase.py)."""

    def name(self) -> str:
        return "action_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        routed = routed_scenario(tracker)
        if routed is not None:
            return await answer_as(routed, dispatcher, tracker, domain, routed=True)
        dispatcher.utter_message(response="utter_affirm")
        return []
