"""Every hand-off reason another action may pass to hand_off() tells the buyer and pauses."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HANDOFF_SCRIPTS, hand_off


def tracker(intent):
    return Tracker("buyer-1", {}, {"intent": {"name": intent}}, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("reason", sorted(HANDOFF_SCRIPTS))
def test_each_reason_tells_the_buyer_signals_the_gateway_and_pauses(reason):
    dispatcher = CollectingDispatcher()
    events = hand_off(dispatcher, tracker("return_exchange"), reason)
    assert dispatcher.messages[0]["response"] == HANDOFF_SCRIPTS[reason]
    assert dispatcher.messages[1]["custom"] == {"handoff": {"reason": reason, "intent": "return_exchange"}}
    assert [e["event"] for e in events] == ["slot", "pause"]
    assert events[0]["value"] == reason


def test_refund_over_the_limit_is_a_reason_other_actions_can_use():
    assert "refund_over_limit" in HANDOFF_SCRIPTS


def test_the_actions_hand_off_only_with_contract_reasons():
    from xiaoer.contract import HANDOFF_REASONS

    assert set(HANDOFF_SCRIPTS) <= set(HANDOFF_REASONS), set(HANDOFF_SCRIPTS) - set(HANDOFF_REASONS)


def test_no_hand_off_message_promises_a_person_right_away():
    """At night the gateway adds "agents start at 09:00": the bot's own words must not have
    said "马上" (right away) just before it."""
    from xiaoer.scripts import ScriptCorpus

    corpus = ScriptCorpus("scripts_zh")
    scripts = set(HANDOFF_SCRIPTS.values()) | {"utter_handoff_service_complaint", "utter_handoff_complaint_order"}
    for script_id in sorted(scripts):
        for variant in corpus.get(script_id).variants:
            assert "马上" not in variant and "立刻" not in variant, (script_id, variant)
