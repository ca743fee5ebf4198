"""Hand-off to a human: why, what the buyer is told, and pausing the bot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.scenario import answer_as, routed_scenario
from xiaoer.order_changes import change_requests, describe

# reason -> the script that tells the buyer a person is coming. The gateway opens a case
# with the reason; "angry_buyer" (xiaoer/anger.py) and "bot_error" (no answer at all) are the
# gateway's own, not sent from here.
HANDOFF_SCRIPTS = {
    "buyer_asked": "utter_handoff",
    "complaint": "utter_handoff_complaint",
    "order_change": "utter_handoff_order_change",
    "bot_failed_twice": "utter_handoff_after_failures",
    # A refund above the shop's limit needs a person's approval (returns action).
    "refund_over_limit": "utter_handoff_refund",
    # "Where is my parcel" with an order number: a person checks the warehouse and courier.
    "delivery_check": "utter_delivery_status_order",
    # An offer that did not apply to an order, a price difference (价保): a person checks the order.
    "price_check": "utter_handoff_price_check",
    # Anything else the shop's rules do not let the bot decide.
    "shop_rule": "utter_handoff",
}

REASON_BY_INTENT = {
    "request_human": "buyer_asked",
    "complaint": "complaint",
    "modify_order": "order_change",
    "nlu_fallback": "bot_failed_twice",
    "out_of_scope": "bot_failed_twice",
}


def handoff_reason(latest_intent: str | None, reason_slot: str | None = None) -> str:
    """The recorded reason: one set by another action wins, else the buyer's intent."""
    if reason_slot in HANDOFF_SCRIPTS:
        return reason_slot
    return REASON_BY_INTENT.get(latest_intent or "", "buyer_asked")


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    script: str | None = None,
    changes: list[dict[str, Any]] | None = None,
    **values: Any,
) -> list[dict[str, Any]]:
    """Tell the buyer (the reason's script, or ``script`` for a case that needs other words),
    signal the gateway (a custom payload it turns into a case, with the order changes asked
    for), pause."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    dispatcher.utter_message(response=script or HANDOFF_SCRIPTS[reason], **values)
    handoff: dict[str, Any] = {"reason": reason, "intent": intent}
    if changes:
        handoff["changes"] = changes
    dispatcher.utter_message(json_message={"handoff": handoff})
    return [SlotSet("handoff_reason", reason), ConversationPaused()]


def order_change(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """"尺码改成L", "地址改成…": recorded with the old and new values for a person, never applied
    by the bot; after shipping, the person asks the courier to re-route."""
    order = tracker.get_slot("linked_order") or {}
    changes = change_requests(tracker.latest_message.get("text") or "", tracker.latest_message.get("entities") or [], order)
    if not changes:
        return hand_off(dispatcher, tracker, "order_change")
    shipped = order.get("status") in ("shipped", "delivered")
    return hand_off(dispatcher, tracker, "order_change", changes=changes, order_id=order.get("order_id"),
                    script="utter_order_change_after_shipping" if shipped else "utter_order_change_recorded",
                    change=describe(changes))


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "modify_order":  # "退两件 裤子和T恤" is a return, "就要裤子" an order: not a person's job
            routed = routed_scenario(tracker)
            if routed is not None:
                return await answer_as(routed, dispatcher, tracker, domain, routed=True)
        reason = handoff_reason(intent, tracker.get_slot("handoff_reason"))
        if reason == "order_change":
            return order_change(dispatcher, tracker)
        return hand_off(dispatcher, tracker, reason)
