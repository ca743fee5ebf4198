"""The whole bot at 03:00 in the shop: a buyer who asks for a person learns their place in
the line and when the agents open (the daytime side runs in the other live tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import REDIS_URL
from tests.e2e.test_handoff_live import new_conversation, said_by
from tools.stack import running_bot


@pytest.fixture(scope="module")
def night_bot(tmp_path_factory):
    with running_bot(tmp_path_factory.mktemp("night"), REDIS_URL, shop_time=dt.time(3, 0)) as bot:
        yield bot


def test_at_night_the_buyer_hears_the_line_and_the_opening_hour(night_bot):
    conversation = new_conversation()
    night_bot.say(conversation, "在吗")
    reply = night_bot.say(conversation, "有人吗 我要找人工客服")
    assert reply["mode"] == "waiting", reply
    notices = [n["text"] for n in reply["notices"]]
    assert len(notices) == 2, notices
    assert said_by(night_bot, "utter_queue_position", notices[0])
    assert said_by(night_bot, "utter_agents_closed", notices[1])
    assert "今天上午9:00" in notices[1] and "09:00-23:00" in notices[1], notices[1]
