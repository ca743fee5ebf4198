"""Shipping: courier, a designated courier and its surcharge, shipping and delivery times."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_off
from actions.order_lookup import (
    OrderStoreDown,
    failed_checks,
    find_order,
    record_failed_check,
)
from actions.scenario import ScenarioAction
from actions.shop_data import latest_text, latest_value, shop, this_message
from xiaoer.cards import order_card
from xiaoer.dialogue import ORDER_CONTENTS
from xiaoer.order_access import (
    MAX_FAILED_CHECKS,
    order_view,
    phone_last4,
    phone_matches,
)
from xiaoer.shop import Shop

log = logging.getLogger(__name__)


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
    "delivered": "utter_order_status_delivered",
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
        "ship_hours": shop.ship_hours(), "days_min": low, "days_max": high,
    }


def card_of(order: dict[str, Any]) -> dict[str, Any]:
    item = shop().item(str(order.get("sku") or "")) if order.get("sku") else None
    return {"card": order_card(order, item.image if item else "")}


def tell_order(dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]) -> bool:
    """Answer about the buyer's own order (what was bought, or where it is), with its card."""
    if ORDER_CONTENTS.search(latest_text(tracker)):
        dispatcher.utter_message(response="utter_order_contents", order_id=order.get("order_id"),
                                 item=order.get("item"), colour=order.get("colour"),
                                 size=order.get("size"), quantity=order.get("quantity") or 1,
                                 json_message=card_of(order))
        return True
    reply = order_status_reply(shop(), order)
    if reply is None:
        return False
    dispatcher.utter_message(response=reply[0], **reply[1], json_message=card_of(order))
    return True


async def check_owner(dispatcher: CollectingDispatcher, tracker: Tracker, order_id: str, last4: str) -> list:
    """The buyer named an order this conversation does not own and gave the phone's last four
    digits: show it when they match; ask once more, then a person checks (nothing shown)."""
    def person_checks() -> list:
        return hand_off(dispatcher, tracker, "delivery_check", order_id=order_id, ship_hours=shop().ship_hours())

    try:
        if await failed_checks(order_id) >= MAX_FAILED_CHECKS:
            return person_checks()
        order = await find_order(order_id)
        if order is not None and phone_matches(str(order.get("phone") or ""), last4):
            view = order_view(order)
            if tell_order(dispatcher, tracker, view):
                return [SlotSet("linked_order", view), SlotSet("sku", view.get("sku"))]
            return person_checks()
        if await record_failed_check(order_id) >= MAX_FAILED_CHECKS:
            return person_checks()
    except OrderStoreDown as exc:
        log.warning("order store down while checking %s: %s", order_id, exc)
        return hand_off(dispatcher, tracker, "delivery_check", script="utter_order_lookup_down", order_id=order_id)
    dispatcher.utter_message(response="utter_phone_last4_mismatch", order_id=order_id)
    return []


class ActionDeliveryStatus(ScenarioAction):
    scenario = "ask_delivery_status"
    action_name = "action_delivery_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        order_id = latest_value(tracker, "order_id")
        linked = tracker.get_slot("linked_order") or {}
        asked = this_message(tracker, "order_id")
        last4 = phone_last4(latest_text(tracker)) if tracker.get_slot("expecting") == "phone_last4" else None
        if last4 and order_id:
            return await check_owner(dispatcher, tracker, str(order_id), last4)
        # the buyer's own order (linked to this conversation by the shop), unless they name another
        if linked and (asked is None or str(asked) == str(linked.get("order_id"))) and tell_order(dispatcher, tracker, linked):
            return []
        if order_id and str(order_id) != str(linked.get("order_id")):
            # another order: shown only to who knows the phone it was placed with
            dispatcher.utter_message(response="utter_ask_phone_last4", order_id=order_id)
            return []
        dispatcher.utter_message(response="utter_delivery_status", ship_hours=shop().ship_hours())
        return []
