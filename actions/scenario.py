"""The one place where a message is read against the conversation before it is answered.

Every scenario's action derives from :class:`ScenarioAction` and writes only ``answer()``.
Its ``run()`` first asks :func:`xiaoer.dialogue.route` whether the conversation decides
the scenario (a bare answer to the bot's question, a purchase, a counter-offer), answers
as that scenario, and records the state for the next message: the topic, what the reply
asked for (``expecting``) and the task waiting for it (``pending``). Rules and forms still
pick the action from the intent; this is where the context the rules cannot see is read.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shop_data import (
    ItemInQuestion,
    current_item,
    item_events,
    item_in_question,
    item_not_offered_reply,
)
from xiaoer.cards import choice_card, choice_payload
from xiaoer.dialogue import DialogueState, expecting_after, question_is_fresh, route
from xiaoer.item_choice import colour_note
from xiaoer.shop import Item

# scenario -> its action class, filled as the scenario modules are imported (rasa-sdk
# imports every module of the package; tests/actions checks every scenario has one).
SCENARIO_ACTIONS: dict[str, type["ScenarioAction"]] = {}
# Set on the replies of a message the conversation routed (a follow-up, an answer to the
# bot's question), so the fallback's "two failures in a row" does not count it.
ROUTED_MARK = "follow_up_of"
MAX_CHOICES = 3  # the items a choice shows as cards: a phone's screen, and a buyer's patience


def load_scenario_modules() -> None:
    """Import every module of this package, as rasa-sdk does, so each scenario has its action."""
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        importlib.import_module(f"{package}.{module.name}")


def state_of(tracker: Tracker) -> DialogueState:
    return DialogueState(tracker.get_slot("topic"), tracker.get_slot("expecting"), tracker.get_slot("pending"),
                         bool(tracker.get_slot("linked_order")))


def routed_scenario(tracker: Tracker) -> str | None:
    """The scenario the conversation gives the latest message, or None."""
    latest = tracker.latest_message
    item = current_item(tracker)
    return route(
        (latest.get("intent") or {}).get("name"), latest.get("text") or "", latest.get("entities") or [],
        state_of(tracker), question_is_fresh(tracker.events), item.price if item else None,
    )


def state_events(scenario: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    expecting = expecting_after(m["response"] for m in messages if m.get("response"))
    return [SlotSet("topic", scenario), SlotSet("expecting", expecting),
            SlotSet("pending", scenario if expecting else None)]


async def answer_as(
    scenario: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, routed: bool = False
) -> list[dict[str, Any]]:
    """Answer the latest message as ``scenario``'s action would, and record the state."""
    if scenario not in SCENARIO_ACTIONS:
        load_scenario_modules()
    if scenario not in SCENARIO_ACTIONS:
        raise LookupError(f"no action answers the scenario {scenario!r}")
    collected = CollectingDispatcher()
    events = await SCENARIO_ACTIONS[scenario]().answer(collected, tracker, domain)
    question = item_in_question(tracker)
    state = state_events(scenario, collected.messages)  # "which item?" expects the item, however put
    for message in collected.messages:
        if message.get("response") == "utter_ask_which_item":
            message.update(which_item_message(question))
        if routed and message.get("response"):
            message[ROUTED_MARK] = scenario
        dispatcher.messages.append(message)
    slot_set = any(e.get("event") == "slot" and e.get("name") == "sku" for e in events)
    item = [] if slot_set else item_events(question, tracker.get_slot("sku"))
    return list(events) + item + state


def which_item_message(question: ItemInQuestion) -> dict[str, Any]:
    """"Which item?", or, when the buyer pointed at one the bot cannot offer (a retired item,
    one the shop does not have, a short link), why not and what instead; when the words fit
    several items, the choice of them, as cards to tap."""
    if question.choices:
        return choice_message(question)
    reply = item_not_offered_reply(question)
    if reply is None:
        return {}
    script, values = reply
    return {"response": script, "template": script, "buttons": [], **values}


class ScenarioAction(Action, metaclass=ABCMeta):  # abstract: rasa-sdk registers only the scenarios
    scenario: ClassVar[str] = ""
    action_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.scenario:
            SCENARIO_ACTIONS[cls.scenario] = cls

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """The scenario's reply to the latest message (scripts by name), and its events."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        routed = routed_scenario(tracker)
        if routed is not None and routed != self.scenario:
            return await answer_as(routed, dispatcher, tracker, domain, routed=True)
        return await answer_as(self.scenario, dispatcher, tracker, domain)


def choice_message(question: ItemInQuestion) -> dict[str, Any]:
    """"Which of these?": the first MAX_CHOICES items the words fit, each a card to tap (and a
    quick reply, for channels without cards) that sends the item's number; the text names
    them too, and says when more fit (then a link or the name finds the one meant)."""
    shown = question.choices[:MAX_CHOICES]
    asked = question.colour or None
    options = "；".join(f"{f.item.name}（{f.item.price:g}元，{colour_note(f, asked)}）" for f in shown)
    more = len(question.choices) - len(shown)
    return {
        "response": "utter_choose_item", "template": "utter_choose_item",
        "options": options,
        "more_part": f"另外还有{more}款也对得上，都不是的话，发一下宝贝链接或者商品名称给我就行。" if more > 0 else "",
        "buttons": [{"title": short_name(f.item), "payload": choice_payload(f.item)} for f in shown],
        "custom": {"cards": [choice_card(f.item, colour_note(f, asked)) for f in shown]},
    }


def short_name(item: Item) -> str:
    """A quick reply's title: the item's shortest alias, else its name, cut to fit a button."""
    name = min(item.aliases, key=len) if item.aliases else item.name
    return name if len(name) <= 10 else name[:9] + "…"
