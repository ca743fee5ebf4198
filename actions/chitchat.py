"""Greeting (with the busy notice in promotion mode), the two farewells, and the short
replies (好的, thanks, no, how to pay) that the conversation may read as an order or an offer."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import answer_as, routed_scenario
from actions.shop_data import shop


class RoutedUtterance(Action, metaclass=ABCMeta):
    """A plain reply (a greeting, 好的, thanks, no, how to pay), unless the conversation reads
    the message as something else: "行 雾蓝xl" is an order, "那120" after a haggle is an
    offer, "呼和浩特" after a shipping answer is where to ship."""

    utterance: ClassVar[str] = ""

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response=self.utterance)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        routed = routed_scenario(tracker)
        if routed is not None:
            return await answer_as(routed, dispatcher, tracker, domain, routed=True)
        self.reply(dispatcher, tracker)
        return []


class ActionGreet(RoutedUtterance):
    def name(self) -> str:
        return "action_greet"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_greet")
        if shop().promotion.enabled and shop().promotion.busy_notice:
            dispatcher.utter_message(response="utter_busy_notice")


class ActionGoodbye(RoutedUtterance):
    def name(self) -> str:
        return "action_goodbye"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        # a deal (a concession accepted, an order) gets thanks and the VIP note
        if tracker.get_slot("deal"):
            dispatcher.utter_message(response="utter_goodbye_deal", vip_zhe=shop().vip.zhe)
        else:
            dispatcher.utter_message(response="utter_goodbye")


class ActionAffirm(RoutedUtterance):
    utterance = "utter_affirm"

    def name(self) -> str:
        return "action_affirm"


class ActionThank(RoutedUtterance):
    utterance = "utter_thank"

    def name(self) -> str:
        return "action_thank"


class ActionDeny(RoutedUtterance):
    utterance = "utter_deny"

    def name(self) -> str:
        return "action_deny"


class ActionPayment(RoutedUtterance):
    utterance = "utter_payment"

    def name(self) -> str:
        return "action_payment"
