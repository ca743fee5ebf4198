"""Hand-off reasons and the ask-back-then-hand-off rule, run in Rasa's environment."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNotUnderstood, misunderstood_in_a_row
from actions.handoff import ActionHandoff, handoff_reason


def user(intent):
    return {"event": "user", "text": "...", "parse_data": {"intent": {"name": intent}}}


def tracker(events, intent, slots=None):
    return Tracker("buyer-1", slots or {}, {"intent": {"name": intent}}, events, False, None, {}, "action_listen")


@pytest.mark.parametrize("intents,expected", [
    ([], 0),
    (["greet"], 0),
    (["nlu_fallback"], 1),
    (["nlu_fallback", "nlu_fallback"], 2),
    (["nlu_fallback", "greet", "nlu_fallback"], 1),
    (["out_of_scope", "nlu_fallback"], 2),
    (["greet", "nlu_fallback", "nlu_fallback"], 2),
])
def test_misunderstood_in_a_row_counts_back_from_the_latest(intents, expected):
    events = []
    for intent in intents:
        events += [user(intent), {"event": "bot", "text": "..."}]
    assert misunderstood_in_a_row(events) == expected


@pytest.mark.parametrize("intent,slot,reason", [
    ("request_human", None, "buyer_asked"),
    ("complaint", None, "complaint"),
    ("modify_order", None, "order_change"),
    ("greet", "complaint", "complaint"),
    ("greet", None, "buyer_asked"),
    ("request_human", "not-a-reason", "buyer_asked"),
])
def test_handoff_reason(intent, slot, reason):
    assert handoff_reason(intent, slot) == reason


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_first_misunderstanding_asks_back():
    messages, events = run(ActionNotUnderstood(), tracker([user("nlu_fallback")], "nlu_fallback"))
    assert [m["response"] for m in messages] == ["utter_ask_rephrase"]
    assert events == []


def test_second_misunderstanding_offers_the_topics_and_a_person_as_buttons():
    events_in = [user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")]
    messages, events = run(ActionNotUnderstood(), tracker(events_in, "nlu_fallback"))
    assert [m["response"] for m in messages] == ["utter_ask_rephrase_choices"]
    assert events == [], "the buyer stays with the bot"


def test_third_misunderstanding_hands_off_and_pauses():
    events_in = [user("nlu_fallback"), {"event": "bot"}, user("out_of_scope"), {"event": "bot"}, user("nlu_fallback")]
    messages, events = run(ActionNotUnderstood(), tracker(events_in, "nlu_fallback"))
    assert messages[0]["response"] == "utter_handoff_after_failures"
    assert messages[1]["custom"] == {"handoff": {"reason": "bot_failed_twice", "intent": "nlu_fallback"}}
    assert {e["event"] for e in events} == {"slot", "pause"}


def test_complaint_handoff_uses_the_apology_script():
    messages, events = run(ActionHandoff(), tracker([user("complaint")], "complaint"))
    assert messages[0]["response"] == "utter_handoff_complaint"
    assert messages[1]["custom"]["handoff"]["reason"] == "complaint"
    assert events[0] == {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": "complaint"}


def test_out_of_scope_says_what_the_bot_can_do():
    messages, _ = run(ActionNotUnderstood(), tracker([user("out_of_scope")], "out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_out_of_scope_then_unsure_counts_as_two_failures():
    events_in = [user("out_of_scope"), {"event": "bot"}, user("nlu_fallback")]
    messages, _ = run(ActionNotUnderstood(), tracker(events_in, "nlu_fallback"))
    assert messages[0]["response"] == "utter_ask_rephrase_choices"
