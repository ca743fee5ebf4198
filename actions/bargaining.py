"""Bargaining: the kind of haggle, the concession ladder, every concession recorded."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import ScenarioAction
from actions.shop_data import (
    current_item,
    latest_text,
    latest_value,
    number,
    shop,
    this_message,
)
from xiaoer.bargaining import bargain, haggle_kind
from xiaoer.dialogue import counter_offer, offer_in, residue, without_items


class ActionBargain(ScenarioAction):
    scenario = "bargain"
    action_name = "action_bargain"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        item = current_item(tracker)
        text, entities = latest_text(tracker), tracker.latest_message.get("entities") or []
        concessions = list(tracker.get_slot("concessions") or [])
        # only where it ships ("西藏"), or what the gift is: no new haggle
        region_only = bool(this_message(tracker, "region")) and not residue(text, entities)
        asks_more = item is not None and not region_only and haggle_kind(text) != "gift"
        # a haggle before the item is known does not count towards "asking the manager"
        count = int(number(tracker.get_slot("haggle_count")) or 0) + (1 if asks_more else 0)
        reply = bargain(
            shop(), item, text, count, concessions,
            # "118呢" during a haggle is the price the buyer offers
            price=number(this_message(tracker, "price")) or counter_offer(without_items(text, entities))
            or offer_in(text, item.price if item else None),
            discount=number(this_message(tracker, "price", role="discount")),
            region=latest_value(tracker, "region"),
            region_only=region_only,
        )
        dispatcher.utter_message(response=reply.script, **reply.args)
        events = [SlotSet("haggle_count", float(count))]
        if reply.concession:
            events.append(SlotSet("concessions", concessions + [reply.concession]))
            if reply.concession != "bundle_offered":
                events.append(SlotSet("deal", True))
        if reply.agreed_price is not None:
            events.append(SlotSet("agreed_price", reply.agreed_price))
        return events
