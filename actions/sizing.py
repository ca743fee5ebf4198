"""Sizing: a form that asks only for what is missing, then one size and why."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import ScenarioAction, answer_as, routed_scenario
from actions.shop_data import (
    FITTING,
    LINK,
    PAGE,
    buyer_texts,
    current_item,
    item_in_question,
    latest_text,
    number,
    shop,
    this_message,
)
from xiaoer.dialogue import residue
from xiaoer.entities import chinese_number
from xiaoer.shop import Item
from xiaoer.sizing import (
    chart_for,
    preferred_size,
    recommend_size,
    said_for_chart,
    size_measurements,
    sized_by,
)

ADVICE_SCRIPTS = {
    "same": "utter_size_same",
    "larger": "utter_size_larger",
    "usual": "utter_size_usual",
    "measurement": "utter_size_measurement",
    "out_of_chart": "utter_size_out_of_chart",
    "height_only": "utter_size_by_height",
    "need_more": "utter_ask_height",
    # shoes, by the foot length
    "foot": "utter_size_by_foot",
    "shoe_usual": "utter_size_shoe_usual",
    "ask_foot": "utter_size_ask_foot",
    "shoe_not_by_body": "utter_size_shoe_not_by_body",
    # children's, by the child's height or age
    "child_height": "utter_size_child_by_height",
    "child_usual": "utter_size_child_usual",
    "child_age": "utter_size_child_by_age",
    "ask_child": "utter_size_ask_child",
    # "最大码多大"
    "measures": "utter_size_measures",
    "shoe_measures": "utter_size_shoe_measures",
}
# "体重不知道", "没称过": the height alone decides (the form stops asking for the weight).
WEIGHT_UNKNOWN = re.compile(r"(体重|多重|多少斤).{0,4}(不知道|不清楚|不确定|忘了|没称)|(不知道|不清楚|没称过?|忘了).{0,4}(体重|多重|多少斤)|没称")


def sizing_slots(slots: dict[str, Any], chart_sizes_by: str = "body") -> list[str]:
    """The slots the form works through, in order (it asks for the first one still empty):
    the item, then height and weight, unless a usual size or a waist/hip measurement already
    tells the size (or the buyer does not know their weight: then the height alone). Filled
    slots stay listed: rasa-sdk drops a value it extracted ("163" as the height) for a slot
    the list no longer names, and the answer was lost. Shoes and children's clothes need
    only the item: their charts do not size by height and weight, and the recommend step
    reads (or asks for) the foot length or the child's height itself."""
    if chart_sizes_by != "body" or slots.get("usual_size") or slots.get("waist") or slots.get("hip"):
        return ["sku"]
    if slots.get("weight_unknown"):
        return ["sku", "height"]
    return ["sku", "height", "weight"]


def missing_for_sizing(slots: dict[str, Any], chart_sizes_by: str = "body") -> list[str]:
    """What the form still needs to ask."""
    return [name for name in sizing_slots(slots, chart_sizes_by) if slots.get(name) is None]


# Questions of their own that may name an item in passing ("牛仔裤少点吧"): inside the sizing
# form they end it and are answered, instead of being taken as the item the form asked for.
OWN_QUESTION_SCENARIOS = frozenset({
    "bargain", "ask_shipping", "ask_stock", "ask_promotion", "color_difference", "return_exchange",
})


def question_of_its_own(tracker: Tracker) -> str | None:
    """The scenario of a message inside the form that asks something else, or None."""
    latest = tracker.latest_message
    intent = (latest.get("intent") or {}).get("name")
    if intent not in OWN_QUESTION_SCENARIOS:
        return None
    return None if len(residue(latest.get("text") or "", latest.get("entities") or [])) <= 2 else intent


def bare_height(text: str) -> float | None:
    """A reply like "165" or "一米六五" to "how tall are you?" (also first in a longer reply:
    "158 体重不知道")."""
    text = re.split(r"[\s,，。]", text.strip(), maxsplit=1)[0]
    value = chinese_number(text.strip().rstrip("cm厘米公分的哦呢啊呀"))
    if value is not None and 1.4 <= value <= 2.0:
        value *= 100
    return value if value is not None and 130 <= value <= 210 else None


def bare_weight(text: str) -> float | None:
    """A reply like "110" (斤, as buyers usually mean above 90) or "55" (kg)."""
    value = chinese_number(text.strip().rstrip("的哦呢啊呀"))
    if value is None:
        return None
    kg = value / 2 if value > 90 else value
    return kg if 25 <= kg <= 150 else None


# Messages inside the form that answer nothing and ask nothing else: the form says why it
# asks and asks again, instead of rejecting (a rejection hands the turn to the fallback).
NUDGE_INTENTS = frozenset({"ask_size", "affirm", "thank", "greet", "nlu_fallback"})


def answered_since_message(events: list[dict[str, Any]]) -> bool:
    """Another action has run since the buyer's latest message (the form asks again after an
    answer; only a message the form itself reads gets the nudge)."""
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "size_form"):
            return True
    return False


class ValidateSizeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_size_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events = await super().run(dispatcher, tracker, domain)
        if WEIGHT_UNKNOWN.search(tracker.latest_message.get("text") or ""):
            events.append(SlotSet("weight_unknown", True))  # a slot set: no rejection, no more asking
        requested = tracker.get_slot("requested_slot")
        filled = any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if requested and not filled and intent in NUDGE_INTENTS and not answered_since_message(tracker.events):
            dispatcher.utter_message(response="utter_size_why")
            events.append(SlotSet("expecting", requested))  # a slot set: the form goes on
        return events

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if routed_scenario(tracker) not in (None, "ask_size") or question_of_its_own(tracker):
            # not a sizing message after all ("裤子118呢" is a price): the form ends, and the
            # recommend step (a ScenarioAction) answers the message as what it is
            return []
        if item_in_question(tracker).choices:  # "裤子我穿什么码" with dozens of trousers: the buyer
            return []  # chooses first (the recommend step offers the choice), then is sized
        known = {name: tracker.get_slot(name)
                 for name in ("sku", "usual_size", "waist", "hip", "height", "weight", "weight_unknown")}
        if WEIGHT_UNKNOWN.search(tracker.latest_message.get("text") or ""):
            known["weight_unknown"] = True
        item = current_item(tracker)  # the chart of the item in question, from a link or the page too
        return sizing_slots(known, sized_by(shop(), item) if item else "body")

    async def extract_height(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if tracker.get_slot("requested_slot") == "height" and tracker.get_slot("height") is None:
            value = bare_height(tracker.latest_message.get("text") or "")
            if value is not None:
                return {"height": value}
        return {}

    async def extract_weight(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if tracker.get_slot("requested_slot") == "weight" and tracker.get_slot("weight") is None:
            value = bare_weight(tracker.latest_message.get("text") or "")
            if value is not None:
                return {"weight": value}
        return {}

    async def extract_sku(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        """The item of a link, of the page the chat was opened on, or that the words fit (a name
        fills the slot by itself), so the form does not ask which item the buyer is looking at."""
        question = item_in_question(tracker)
        if question.item is not None and question.source in (LINK, PAGE, FITTING) and tracker.get_slot("sku") != question.item.sku:
            return {"sku": question.item.sku}
        return {}

    async def validate_sku(self, value, dispatcher, tracker, domain) -> dict:
        item = shop().item(str(value)) if value else None
        return {"sku": item.sku if item else None}


# What a buyer can size by; the one named in the latest message wins over older ones
# ("平时穿27" earlier, then "腰围两尺一呢" asks by the waist).
SIZING_BASES = (("waist", "hip"), ("height", "weight"), ("usual_size",))


def sizing_inputs(slots: dict[str, Any], just_given: set[str]) -> dict[str, Any]:
    for basis in SIZING_BASES:
        if just_given & set(basis):
            return {name: slots.get(name) for name in basis}
    return {name: slots.get(name) for basis in SIZING_BASES for name in basis}


class ActionRecommendSize(ScenarioAction):
    scenario = "ask_size"
    action_name = "action_recommend_size"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        other = question_of_its_own(tracker)
        if other is not None:  # the form ended for it: answer the question asked
            return await answer_as(other, dispatcher, tracker, domain, routed=True)
        return await super().run(dispatcher, tracker, domain)

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        question = item_in_question(tracker)
        item = question.item
        if item is None and question.choices:  # never a size for "这款" when the words fit several
            dispatcher.utter_message(response="utter_ask_which_item")
            return []
        measures = size_measurements(shop(), item, latest_text(tracker)) if item else None
        if measures:  # "那最大码是多大": the size's own measurements, not the advice again
            dispatcher.utter_message(response=ADVICE_SCRIPTS[measures.basis], **measures.args)
            return []
        advice = recommend_size(shop(), item, **self.inputs(tracker, item),
                                weight_unknown=bool(tracker.get_slot("weight_unknown")))
        if advice.size is None and advice.basis != "out_of_chart":  # a question back: what is missing
            dispatcher.utter_message(response=ADVICE_SCRIPTS[advice.basis], **advice.args)
            return []
        preferred = preferred_size(item.sizes, advice.size, latest_text(tracker)) if item and advice.size else None
        if preferred:  # "想穿宽松点": one size up from the advice, and why
            size, way = preferred
            if way == "looser":
                dispatcher.utter_message(response="utter_size_looser", item_name=item.name, size=size, advised=advice.size)
            else:
                dispatcher.utter_message(response="utter_size_tighter", item_name=item.name, size=size, advised=advice.size)
            return [SlotSet("recommended_size", size)]
        dispatcher.utter_message(response=ADVICE_SCRIPTS[advice.basis], **advice.args)
        return [SlotSet("recommended_size", advice.size)]

    @staticmethod
    def inputs(tracker: Tracker, item: Item | None) -> dict[str, Any]:
        """What the buyer gave to size by. Shoes and children's clothes: what their messages
        say (the foot length, the child's height or age, a usual size), and a height or
        weight given just now (shoes answer those with how to measure the foot). Other
        charts: the slots, the basis named in the latest message first."""
        chart = chart_for(shop(), item)
        if chart is not None and chart.sized_by != "body":
            said = said_for_chart(chart, buyer_texts(tracker.events))
            return {**said, **{name: number(this_message(tracker, name)) for name in ("height", "weight")}}
        slots = {name: tracker.get_slot(name) for basis in SIZING_BASES for name in basis}
        just_given = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        inputs = sizing_inputs(slots, just_given)
        for name in ("height", "weight", "waist", "hip"):
            if name in inputs:
                inputs[name] = number(inputs[name])
        return inputs
