"""After-sale: colour difference, returns and exchanges, complaints; the policy's answer
for the buyer's case, and a person when the case needs one."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_off
from actions.scenario import ScenarioAction
from actions.shop_data import buyer_texts, latest_text, latest_value, shop, this_message
from xiaoer.after_sale import (
    colour_case,
    is_service_complaint,
    refund_amount,
    return_case,
)
from xiaoer.anger import is_angry

AFTER_SALE_LOOK_BACK = 4  # buyer messages: the case told just before is the same case
ASKING = re.compile(r"吗|么|嘛|会不会|能不能|是不是|[?？]")


def earlier_texts(events: list[dict]) -> list[str]:
    """What the buyer told before the latest message, the most recent few; questions
    ("会掉色吗") tell no fault, so they are left out."""
    return [t for t in buyer_texts(events)[:-1][-AFTER_SALE_LOOK_BACK:] if not ASKING.search(t)]


RETURN_SCRIPTS = {
    "made_to_order": "utter_return_made_to_order",
    "condition_failed": "utter_return_condition_failed",
    "shop_fault": "utter_return_shop_pays",
    "refund_timing": "utter_refund_timing",
    "postage": "utter_return_postage",
    "standard": "utter_return_policy",
}


class ActionColourDifference(ScenarioAction):
    scenario = "color_difference"
    action_name = "action_colour_difference"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if colour_case(latest_text(tracker)) == "after":
            dispatcher.utter_message(response="utter_color_difference_received", days=shop().returns.no_reason_days,
                                     coupon=f"{shop().returns.compensation_coupon:g}")
        else:
            dispatcher.utter_message(response="utter_color_difference", days=shop().returns.no_reason_days)
        return []


class ActionReturnExchange(ScenarioAction):
    scenario = "return_exchange"
    action_name = "action_return_exchange"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        policy = shop().returns
        entities = tracker.latest_message.get("entities") or []
        case = return_case(shop(), latest_text(tracker), refund_amount(shop(), entities, latest_text(tracker)),
                           earlier=" ".join(earlier_texts(tracker.events)))
        if case.kind == "refund_over_limit":
            return hand_off(dispatcher, tracker, "refund_over_limit")
        postage = {"buyer": "来回运费由您承担", "insurance": "运费由运费险承担", "shop": "来回运费由我们承担"}
        values = {
            "days": policy.no_reason_days,
            "coupon": f"{policy.compensation_coupon:g}",
            "postage": postage[policy.postage_payer(case.reason, case.insured)],
            "order_part": f"订单号{latest_value(tracker, 'order_id')}已经记下，" if latest_value(tracker, "order_id") else "",
        }
        script = RETURN_SCRIPTS[case.kind]
        if script == "utter_return_policy" and already_said(tracker.events, script):
            script = "utter_return_policy_again"  # "确定能退是吧": yes, in a line, not the policy again
        dispatcher.utter_message(response=script, **values)
        return []


def already_said(events: list[dict], script: str) -> bool:
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == script for e in events)


class ActionComplaint(ScenarioAction):
    """Apologise, offer choices, ask for the order; an angry buyer goes straight to a person."""

    scenario = "complaint"
    action_name = "action_complaint"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if is_service_complaint(latest_text(tracker)):  # an apology and a person, not a coupon
            return hand_off(dispatcher, tracker, "complaint", script="utter_handoff_service_complaint")
        if is_angry(latest_text(tracker)):
            return hand_off(dispatcher, tracker, "complaint")
        order_id = this_message(tracker, "order_id")
        if order_id and tracker.get_slot("topic") == "complaint":  # the order number the apology asked for
            return hand_off(dispatcher, tracker, "complaint", script="utter_handoff_complaint_order", order_id=order_id)
        policy = shop().returns
        dispatcher.utter_message(response="utter_complaint", coupon=f"{policy.compensation_coupon:g}", days=policy.no_reason_days)
        return []
