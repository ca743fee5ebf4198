"""When the bot cannot help: first look for a listed buyer question (FAQ retrieval), then
say so (ask back, or name what it can do); the second time in a row, offer the topics as
buttons and a person as one of them; the third time, hand the buyer to a person. Being
unsure twice is not a reason to make a buyer wait for a person at 6 am."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import faq
from actions.follow_up import HANDOFF_TOPICS, follow_up_topic
from actions.handoff import REASON_BY_INTENT, hand_off
from actions.scenario import ROUTED_MARK, answer_as, routed_scenario

logger = logging.getLogger(__name__)

# nlu_fallback: the classifier was unsure; out_of_scope: sure, but not for this bot.
NOT_UNDERSTOOD = {"nlu_fallback": "utter_ask_rephrase", "out_of_scope": "utter_out_of_scope"}
FAILURES_BEFORE_HANDOFF = 3
# The way out before a person: the topics the bot can answer, as buttons.
CHOICES_SCRIPT = "utter_ask_rephrase_choices"
# Set on a reply that the FAQ retrieval found, or that continued the buyer's topic, so that
# message does not count as a failure.
FAQ_MARK = "faq_question"


def misunderstood_in_a_row(events: Iterable[dict[str, Any]]) -> int:
    """How many of the buyer's latest messages, counting back, the bot could not help with.
    A message the FAQ retrieval answered (its reply carries ``faq_question``) was helped."""
    count = 0
    answered = False
    for event in reversed(list(events)):
        if event.get("event") == "bot":
            metadata = event.get("metadata") or {}
            answered = answered or bool(metadata.get(FAQ_MARK) or metadata.get(ROUTED_MARK))
            continue
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in NOT_UNDERSTOOD or answered:
            break
        count += 1
        answered = False
    return count


async def faq_reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list | None:
    """Answer an unsure message from the scripts' listed questions, if one is near enough.
    Returns the events to return, or None when the FAQ has no answer."""
    text = tracker.latest_message.get("text") or ""
    try:
        # in a thread: the first call loads the encoder (seconds) and each one scores every
        # listed question, while the action server's loop keeps serving other conversations
        match = await asyncio.to_thread(faq.answer, text)
    except Exception:  # the FAQ is a help, never a reason to fail the turn
        logger.exception("FAQ retrieval failed")
        return None
    if match is None or match.intent in (None, "out_of_scope"):
        return None
    logger.info("FAQ: %r -> %s (%r, %.2f)", text, match.script, match.question, match.score)
    if match.intent in faq.HANDOFF_FAMILIES:
        return hand_off(dispatcher, tracker, REASON_BY_INTENT[match.intent])
    dispatcher.utter_message(response=match.script, **{FAQ_MARK: match.question})
    return []


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        latest = tracker.latest_message
        routed = routed_scenario(tracker)
        if routed is not None:
            return await answer_as(routed, dispatcher, tracker, domain, routed=True)
        topic = follow_up_topic(tracker.events, latest.get("entities") or [], latest.get("text") or "",
                                tracker.get_slot("topic"))
        if topic is not None:
            return await follow_up(topic, dispatcher, tracker, domain)
        if intent == "nlu_fallback":
            events = await faq_reply(dispatcher, tracker)
            if events is not None:
                return events
        failures = misunderstood_in_a_row(tracker.events)
        if failures >= FAILURES_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, "bot_failed_twice")
        if failures == FAILURES_BEFORE_HANDOFF - 1:
            dispatcher.utter_message(response=CHOICES_SCRIPT)
            return []
        dispatcher.utter_message(response=NOT_UNDERSTOOD.get(intent, "utter_ask_rephrase"))
        return []


async def follow_up(topic: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
    """Answer a detail-only message with the topic's own action, marked as answered."""
    logger.info("follow-up on %s: %r", topic, tracker.latest_message.get("text"))
    if topic in HANDOFF_TOPICS:
        return hand_off(dispatcher, tracker, HANDOFF_TOPICS[topic])
    return await answer_as(topic, dispatcher, tracker, domain, routed=True)
