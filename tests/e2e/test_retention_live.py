"""Retention and erasure through the real bot: Rasa's tracker store keeps a tracker only as
long as the shop keeps buyers' data (endpoints.yml record_exp from XIAOER_TRACKER_TTL_S), and
the erase tool finds Rasa's tracker where Rasa writes it."""

from __future__ import annotations

import uuid

import redis

from tools import erase_buyer
from xiaoer.shop import load_shop


def test_rasa_keeps_a_tracker_for_the_shops_retention_and_erasing_removes_it(live_bot, capsys):
    retention = load_shop(live_bot.shop_dir).retention_seconds
    conversation = f"ret-{uuid.uuid4().hex[:12]}"
    live_bot.say(conversation, "牛仔裤有黑色吗")
    client = redis.Redis.from_url(live_bot.redis_url, decode_responses=True)
    try:
        keys = {key: client.ttl(key) for key in client.scan_iter(match=f"{live_bot.prefix}:*{conversation}*")}
        tracker = f"{live_bot.prefix}:tracker:{conversation}"
        assert tracker in keys, sorted(keys)
        assert all(0 < ttl <= retention for ttl in keys.values()), keys
        assert keys[tracker] > retention - 300, "Rasa counts from the tracker's last event"

        assert erase_buyer.main([conversation, "--redis-url", live_bot.redis_url, "--prefix", live_bot.prefix]) == 0
        assert f"removed key {tracker}" in capsys.readouterr().out
        assert list(client.scan_iter(match=f"{live_bot.prefix}:*{conversation}*")) == []
    finally:
        client.close()
    events = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()["events"]
    assert not [e for e in events if e.get("event") == "user"], "Rasa no longer knows what the buyer said"
