"""tools/apply_retention.py: the keys a version before retention_days left without an expiry
get the one the bot gives them today. Keys written the old way in the real Redis, under a
prefix of their own; the app's clock in the test's hand; the shop keeping 7 days."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.gateway.test_handoff_harness import conversation, gateways
from tests.gateway.test_retention import (  # noqa: F401 (week_shop: a fixture)
    RETENTION,
    a_buyers_life,
    bot_rasa,
    week_shop,
    year_from_now_at_two,
)
from tools import apply_retention as tool
from xiaoer import clock as app_clock
from xiaoer.order_access import CHECK_WINDOW_S

DAY = 24 * 3600
NOW = 1_800_000_000.0  # the app's clock in these tests
# buyers: one talked 2 days ago, one 9 days ago (past the 7 days), one has an open case
RECENT, OLD, WAITING = "conv-recent-0001", "conv-old-000002", "conv-wait-00003"


def ago(days: float) -> float:
    return NOW - days * DAY


def message(text: str, days_ago: float) -> str:
    return json.dumps({"ts": ago(days_ago), "sender": "buyer", "text": text}, ensure_ascii=False)


def write_the_old_way(client: redis.Redis, p: str) -> dict[str, float | None]:
    """Keys as the version before retention wrote them: no expiry. Returns, for each, the TTL
    it should get (None: it stays without one, 0: it goes)."""
    client.rpush(f"{p}:conv:{RECENT}:log", message("有色差吗", 3), message("好的谢谢", 2))
    client.hset(f"{p}:conv:{RECENT}:meta", "mode", "bot")
    client.hset(f"{p}:conv:{RECENT}:variants", "utter_greet", "0")
    client.rpush(f"{p}:conv:{OLD}:log", message("在吗", 9))
    client.hset(f"{p}:conv:{OLD}:meta", "mode", "bot")
    client.zadd(f"{p}:conversations", {RECENT: ago(2), OLD: ago(9)})
    client.hset(f"{p}:case:{RECENT}", mapping={"conversation_id": RECENT, "status": "closed", "closed_at": ago(1)})
    client.hset(f"{p}:case:{WAITING}", mapping={"conversation_id": WAITING, "status": "waiting", "opened_at": ago(20)})
    client.zadd(f"{p}:queue", {WAITING: ago(20)})
    client.lpush(f"{p}:cases:closed", json.dumps({"conversation_id": OLD, "closed_at": str(ago(8))}),
                 json.dumps({"conversation_id": RECENT, "closed_at": str(ago(1))}))
    client.set(f"{p}:order:T100001", json.dumps({"order_id": "T100001", "conversation_id": RECENT, "phone": "13900005678",
                                                 "status": "paid", "created_at": ago(5), "paid_at": ago(4)}))
    client.set(f"{p}:order:T100002", json.dumps({"order_id": "T100002", "conversation_id": OLD, "phone": "13700004321",
                                                 "status": "cancelled", "created_at": ago(30), "paid_at": None}))
    client.hset(f"{p}:reminder:T100001", mapping={"conversation_id": RECENT, "kind": "silent", "sent_at": ago(4.5)})
    client.hset(f"{p}:reminder:T100003", mapping={"conversation_id": RECENT, "kind": "chatted"})  # still waiting
    client.sadd(f"{p}:reminders:conv:{RECENT}", "T100003")
    client.zadd(f"{p}:reminders:due", {"T100003": NOW + 600})
    client.zadd(f"{p}:reminders:sent_to:{RECENT}", {"T100001": ago(1.5)})
    client.set(f"{p}:order_checks_failed:T100001", 1)
    client.lpush(f"{p}:review:pending", json.dumps({"id": "a", "conversation_id": OLD, "text": "在吗", "time": ago(10)}),
                 json.dumps({"id": "b", "conversation_id": RECENT, "text": "能开发票吗", "time": ago(3)}))
    client.set(f"{p}:tracker:{RECENT}", json.dumps({"sender_id": RECENT, "events": [
        {"event": "user", "text": "有色差吗", "timestamp": ago(3)}, {"event": "bot", "timestamp": ago(2)}]}))
    client.set(f"{p}:lock:{RECENT}", json.dumps({"conversation_id": RECENT, "tickets": []}))
    client.set(f"{p}:agent-session-secret", "s" * 40)
    client.hset(f"{p}:metrics:reminders", "sent:utter_payment_reminder_silent", 3)
    client.hset(f"{p}:staff_session:abc", mapping={"login": "demo"})
    client.expire(f"{p}:staff_session:abc", 3600)
    client.set(f"{p}:something_new", "?")
    return {
        f"{p}:conv:{RECENT}:log": RETENTION - 2 * DAY, f"{p}:conv:{RECENT}:meta": RETENTION - 2 * DAY,
        f"{p}:conv:{RECENT}:variants": RETENTION - 2 * DAY,
        f"{p}:conv:{OLD}:log": 0, f"{p}:conv:{OLD}:meta": 0, f"{p}:conversations": 0,
        f"{p}:case:{RECENT}": RETENTION - DAY, f"{p}:case:{WAITING}": None, f"{p}:queue": None,
        f"{p}:cases:closed": RETENTION - DAY,
        f"{p}:order:T100001": RETENTION - 4 * DAY, f"{p}:order:T100002": 0,
        f"{p}:reminder:T100001": RETENTION - 4.5 * DAY, f"{p}:reminder:T100003": RETENTION,
        f"{p}:reminders:conv:{RECENT}": RETENTION, f"{p}:reminders:due": None,
        f"{p}:reminders:sent_to:{RECENT}": 0.5 * DAY,  # the 24 h cap's record: two days from the sending
        f"{p}:order_checks_failed:T100001": CHECK_WINDOW_S,
        f"{p}:review:pending": RETENTION - 3 * DAY, f"{p}:tracker:{RECENT}": RETENTION - 2 * DAY,
        f"{p}:lock:{RECENT}": None, f"{p}:agent-session-secret": None, f"{p}:metrics:reminders": None,
        f"{p}:staff_session:abc": 3600, f"{p}:something_new": None,
    }


def contents(client: redis.Redis, prefix: str) -> dict[str, tuple[str, str]]:
    """Every key under the prefix: its type and its whole value."""
    out = {}
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        kind = client.type(key)
        value = {"string": client.get, "hash": client.hgetall, "set": client.smembers,
                 "list": lambda k: client.lrange(k, 0, -1), "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
                 }[kind](key)
        out[key] = (kind, json.dumps(sorted(value) if kind == "set" else value, ensure_ascii=False))
    return out


def ttls(client: redis.Redis, prefix: str) -> dict[str, int]:
    return {key: client.ttl(key) for key in client.scan_iter(match=f"{prefix}:*", count=1000)}


@pytest.fixture
def client():
    connection = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield connection
    connection.close()


@pytest.fixture
def tool_on(redis_prefix, week_shop, tmp_path, monkeypatch, capsys):  # noqa: F811
    """Runs the tool as an operator would, on the 7-day shop, the app's clock at NOW; returns its output."""
    monkeypatch.setattr(app_clock, "now", lambda: NOW)

    def run(*options: str) -> str:
        assert tool.main([*options, "--redis-url", REDIS_URL, "--prefix", redis_prefix,
                          "--shop", str(tmp_path / "shop")]) == 0
        return capsys.readouterr().out
    return run


def test_old_keys_get_the_expiry_they_would_get_today(client, redis_prefix, tool_on):
    expected = write_the_old_way(client, redis_prefix)
    before = contents(client, redis_prefix)

    printed = tool_on()
    after, left = contents(client, redis_prefix), ttls(client, redis_prefix)

    gone = sorted(key for key, ttl in expected.items() if ttl == 0)
    assert sorted(set(before) - set(after)) == gone, "past the retention: deleted"
    for key, ttl in expected.items():
        if ttl is None:
            assert left[key] == -1, f"{key} is meant to stay"
        elif ttl:
            assert ttl - 60 < left[key] <= ttl, (key, left[key], ttl)
    assert set(left) == {key for key, ttl in expected.items() if ttl != 0}, "nothing else was touched"
    # the two logs keep only their records within the retention
    assert [json.loads(r)["conversation_id"] for r in client.lrange(f"{redis_prefix}:cases:closed", 0, -1)] == [RECENT]
    assert [json.loads(r)["text"] for r in client.lrange(f"{redis_prefix}:review:pending", 0, -1)] == ["能开发票吗"]
    # the rest of what it kept is as it was
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {f"{redis_prefix}:cases:closed", f"{redis_prefix}:review:pending"}

    assert "conversation keys: 2 deleted, 3 given an expiry" in printed, printed
    assert "hand-off cases: 1 given an expiry, 1 left alone" in printed
    assert "the old list of every conversation: 1 deleted" in printed
    assert "with their own expiry: 1 had an expiry" in printed
    assert f"not known: {redis_prefix}:something_new" in printed


def test_a_second_run_changes_nothing(client, redis_prefix, tool_on):
    write_the_old_way(client, redis_prefix)
    tool_on()
    before, ttls_before = contents(client, redis_prefix), ttls(client, redis_prefix)

    printed = tool_on()

    assert contents(client, redis_prefix) == before
    ttls_after = ttls(client, redis_prefix)
    assert ttls_after.keys() == ttls_before.keys()
    assert all(ttls_before[key] - 5 <= ttl <= ttls_before[key] for key, ttl in ttls_after.items())
    assert "given an expiry" not in printed and "deleted" not in printed, printed


def test_a_dry_run_changes_nothing_and_says_what_would_change(client, redis_prefix, tool_on):
    write_the_old_way(client, redis_prefix)
    before, ttls_before = contents(client, redis_prefix), ttls(client, redis_prefix)

    printed = tool_on("--dry-run")

    assert contents(client, redis_prefix) == before
    assert ttls(client, redis_prefix) == ttls_before
    assert printed.startswith("dry run, nothing changed")
    assert "conversation keys: 2 would be deleted, 3 would be given an expiry" in printed, printed


def test_what_a_gateway_writes_today_is_known_to_the_tool_and_has_its_expiry(redis_prefix, week_shop):  # noqa: F811
    """Every kind of key a buyer's life leaves is in the tool's table, so a new kind of key
    cannot be missed by a later migration without this failing."""
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            await a_buyers_life(gateway, year_from_now_at_two(), conversation(), "13900005678")

    asyncio.run(scenario())
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        outcomes, unknown = tool.apply_retention(client, redis_prefix, RETENTION, dry_run=True)
    finally:
        client.close()
    assert unknown == []
    assert all(set(counts) <= {tool.HAD_ONE, tool.LEFT} for counts in outcomes.values()), outcomes
    assert outcomes["conversation keys"][tool.HAD_ONE] >= 2 and outcomes["orders"][tool.HAD_ONE] == 3
