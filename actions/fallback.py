"""When the bot cannot help: say so (ask back, or name what it can do), and hand the
buyer to a person the second time in a row."""

from __future__ import annotations

from typing import Any, Iterable

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off

# nlu_fallback: the classifier was unsure; out_of_scope: sure, but not for this bot.
NOT_UNDERSTOOD = {"nlu_fallback": "utter_ask_rephrase", "out_of_scope": "utter_out_of_scope"}
FAILURES_BEFORE_HANDOFF = 2


def misunderstood_in_a_row(events: Iterable[dict[str, Any]]) -> int:
    """How many of the buyer's latest messages, counting back, the bot could not help with."""
    count = 0
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") not in NOT_UNDERSTOOD:
            break
        count += 1
    return count


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        if misunderstood_in_a_row(tracker.events) >= FAILURES_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, "bot_failed_twice")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response=NOT_UNDERSTOOD.get(intent, "utter_ask_rephrase"))
        return []
