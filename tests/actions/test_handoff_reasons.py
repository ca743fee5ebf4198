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
