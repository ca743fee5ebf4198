"""Shipping: courier, a designated courier and its surcharge, shipping and delivery times."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_off
from actions.scenario import ScenarioAction
from actions.shop_data import latest_text, latest_value, shop, this_message
from xiaoer.dialogue import ORDER_CONTENTS
from xiaoer.shop import Shop


def shipping_replies(shop: Shop, courier: str | None, region: str | None) -> list[tuple[str, dict[str, Any]]]:
    """The scripts that answer a shipping question, with their values, in order."""
    shipping = shop.shipping
    promotion = shop.promotion.enabled
    base = {"ship_hours": shipping.ship_hours(promotion), "default_courier": shipping.default_courier}
    replies: list[tuple[str, dict[str, Any]]] = []
    if courier:
        found = shipping.courier(courier)
        if found is None:
            names = "、".join(c.name for c in shipping.couriers)
            replies.append(("utter_courier_unavailable", {**base, "courier": courier, "couriers": names}))
        elif found.name == shipping.default_courier:
            replies.append(("utter_courier_default", base))
        elif found.surcharge:
            replies.append(("utter_courier_surcharge", {**base, "courier": found.name, "surcharge": f"{found.surcharge:g}"}))
        else:
            replies.append(("utter_courier_free", {**base, "courier": found.name}))
    if region:
        target = shipping.region(region)
        low, high = target.days
        script = "utter_delivery_time" if target.free_shipping else "utter_delivery_time_remote"
        replies.append((script, {**base, "region": region, "days_min": low, "days_max": high, "postage": f"{target.postage:g}"}))
    if not replies:
        replies.append(("utter_shipping", base))
    if promotion:
        replies.append(("utter_promotion_shipping_delay", base))
    return replies


class ActionShipping(ScenarioAction):
    scenario = "ask_shipping"
    action_name = "action_shipping"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        # only what this message names: last week's region should not answer today's courier question
        courier = this_message(tracker, "courier")
        region = latest_value(tracker, "region") if this_message(tracker, "region") or not courier else None
        for script, values in shipping_replies(shop(), courier, region):
            dispatcher.utter_message(response=script, **values)
        return []


ORDER_STATUS_SCRIPTS = {
    "unpaid": "utter_order_status_unpaid",
    "paid": "utter_order_status_paid",
    "shipped": "utter_order_status_shipped",
    "cancelled": "utter_order_status_cancelled",
}


def order_status_reply(shop: Shop, order: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The buyer's own order, as its status tells it (the shop's ship and delivery times by
    the order's address); None for a status the bot has no words for."""
    script = ORDER_STATUS_SCRIPTS.get(str(order.get("status")))
    if script is None:
        return None
    region = shop.shipping.region(str(order.get("address") or ""))
    low, high = region.days
    return script, {
        "order_id": order.get("order_id"), "item": order.get("item"), "spec": f"{order.get('colour', '')}{order.get('size', '')}码",
        "courier": order.get("courier"), "tracking_number": order.get("tracking_number") or None,
        "ship_hours": shop.shipping.ship_hours(shop.promotion.enabled), "days_min": low, "days_max": high,
    }


class ActionDeliveryStatus(ScenarioAction):
    scenario = "ask_delivery_status"
    action_name = "action_delivery_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        order_id = latest_value(tracker, "order_id")
        ship_hours = shop().shipping.ship_hours(shop().promotion.enabled)
        linked = tracker.get_slot("linked_order") or {}
        asked = this_message(tracker, "order_id")
        # the buyer's own order (linked to this conversation by the shop), unless they name another
        if linked and (asked is None or str(asked) == str(linked.get("order_id"))):
            if ORDER_CONTENTS.search(latest_text(tracker)):
                dispatcher.utter_message(response="utter_order_contents", order_id=linked.get("order_id"),
                                         item=linked.get("item"), colour=linked.get("colour"),
                                         size=linked.get("size"), quantity=linked.get("quantity") or 1)
                return []
            reply = order_status_reply(shop(), linked)
            if reply is not None:
                dispatcher.utter_message(response=reply[0], **reply[1])
                return []
        if order_id:  # an order this conversation does not know: a person checks it, the bot shows nothing
            return hand_off(dispatcher, tracker, "delivery_check", order_id=order_id, ship_hours=ship_hours)
        dispatcher.utter_message(response="utter_delivery_status", ship_hours=ship_hours)
        return []
