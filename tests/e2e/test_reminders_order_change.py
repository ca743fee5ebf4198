"""The order confirmation's "something is wrong" button, pressed in the real bot, reaches
a person through the modify_order hand-off."""

from __future__ import annotations

import uuid

from bot.orders.service import CONFIRMATION_SCRIPT
from tools.stack import ROOT
from xiaoer.scripts import ScriptCorpus


def test_the_confirmation_button_leads_to_the_order_change_handoff(live_bot):
    [button] = ScriptCorpus(ROOT / "scripts_zh").get(CONFIRMATION_SCRIPT).buttons
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    reply = live_bot.say(conversation, button["payload"])  # the widget sends the payload
    assert reply["mode"] == "waiting", reply
    tracker = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()
    assert tracker["latest_message"]["intent"]["name"] == "modify_order"
