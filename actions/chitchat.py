"""Greeting (with the busy notice in promotion mode) and the two farewells."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

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
