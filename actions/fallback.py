"""When the bot does not understand: ask back once, hand to a person the second time."""

from __future__ import annotations

from typing import Any, Iterable

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off

FALLBACK_INTENT = "nlu_fallback"
FAILURES_BEFORE_HANDOFF = 2


def misunderstood_in_a_row(events: Iterable[dict[str, Any]]) -> int:
    """How many of the buyer's latest messages, counting back, the bot did not understand."""
    count = 0
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionAskRephrase(Action):
    def name(self) -> str:
        return "action_ask_rephrase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        if misunderstood_in_a_row(tracker.events) >= FAILURES_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, "bot_failed_twice")
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
