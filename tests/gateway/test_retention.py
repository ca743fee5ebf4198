"""Nothing about a buyer is kept for ever: every key a conversation's life leaves in Redis
expires within the shop's retention (shop.yml's retention_days), the in-memory demo store
has a cap, the console reads only the tail of a long tracker, and one buyer's data can be
erased on request (tools/erase_buyer.py). Real gateways on the real Redis; Rasa stood in for."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import shutil
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis

import tests.gateway.test_handoff_harness as harness
from bot.app import tracker_ttl_mismatch
from bot.config import ROOT, Settings
from bot.handoff import desk as desk_module
from bot.handoff.desk import AgentDesk
from bot.handoff.queue import Case, MemoryCaseQueue, RedisCaseQueue
from bot.handoff.understanding import EVENTS_SHOWN, TURNS_SHOWN, recent_events, turns
from bot.infra.outbound import Outbound
from bot.infra.pubsub import LocalHub
from bot.infra.store import MemoryStore
from bot.orders.service import open_orders
from tests.conftest import REDIS_URL
from tests.gateway.reminders_kit import TZ as SHOP_TZ
from tests.gateway.reminders_kit import Clock, order_body
from tests.gateway.test_handoff_harness import (
    PausingRasa,
    conversation,
    gateways,
    handoff,
)
from tools import erase_buyer
from xiaoer.scripts import ScriptCorpus
from xiaoer.shop import load_shop

DAYS = 7
RETENTION = DAYS * 24 * 3600
# Keys that hold no buyer's data and are meant to stay: the console's signing secret (made
# once, kept) and the reminder counts per script.
KEPT_FOR_EVER = ("agent-session-secret", "metrics:reminders")
STAFF_KEYS = ("staff_session:", "login_failures:")  # staff's own, with their own expiry


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def week_shop(tmp_path, monkeypatch):
    """The demo shop keeping buyers' data 7 days, and the harness's gateways started on it."""
    folder = tmp_path / "shop"
    shutil.copytree(ROOT / "shop", folder)
    path = folder / "shop.yml"
    text = path.read_text(encoding="utf-8")
    assert "retention_days: 90" in text
    path.write_text(text.replace("retention_days: 90", f"retention_days: {DAYS}"), encoding="utf-8")
    monkeypatch.setattr(harness, "Settings", functools.partial(Settings, shop_dir=folder))
    return load_shop(folder)


def bot_rasa() -> PausingRasa:
    return PausingRasa(answers={"转人工": handoff("buyer_asked")})


async def scan(prefix: str) -> dict[str, int]:
    """Every key under the prefix with its TTL (-1: no expiry)."""
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        return {key: await client.ttl(key) for key in keys}
    finally:
        await client.aclose()


def year_from_now_at_two() -> Clock:
    """A clock at 14:00 in the shop a year from now: the gateway's own scheduler (on the real
    clock) finds nothing of the test's due, so the test alone sends the reminders."""
    later = dt.datetime.now(SHOP_TZ) + dt.timedelta(days=365)
    return Clock(later.replace(hour=14, minute=0, second=0, microsecond=0).timestamp())


def order_service(gateway, clock: Clock):
    """The gateway's order service (open_orders, as the app opens it) on the test's clock."""
    return open_orders(gateway.app.ctx.outbound, gateway.app.ctx.shop, clock=clock, tracker_api=gateway.rasa)


async def a_buyers_life(gateway, clock: Clock, conv: str, phone: str) -> dict[str, str]:
    """Buyer messages, an order reminded then paid, one the buyer's message made obsolete, one
    cancelled before its reminder, a hand-off case claimed and closed. Returns the order ids."""
    orders = order_service(gateway, clock)
    ids = {name: f"{name}{uuid.uuid4().hex[:10]}" for name in ("paid", "written", "cancelled")}

    await gateway.say(conv, "有色差吗")
    await orders.handle("order_created", order_body(conv, ids["paid"], phone=phone))
    clock.advance(minutes=16)
    assert await orders.scheduler.run_once() == [ids["paid"]]
    await orders.handle("order_paid", {"order_id": ids["paid"]})
    await orders.handle("order_created", order_body(conv, ids["written"], phone=phone))
    await gateway.say(conv, "好的我再想想")  # the buyer wrote: that reminder is not needed
    await orders.handle("order_created", order_body(conv, ids["cancelled"], phone=phone))
    await orders.handle("order_cancelled", {"order_id": ids["cancelled"]})

    await gateway.say(conv, "转人工")
    agent = await gateway.agent("demo")
    try:
        claimed = await agent.post(f"/agent/api/cases/{conv}/claim")
        assert claimed.status_code == 200, claimed.text
        ttl_while_open = await gateway.app.ctx.store.redis.ttl(f"{gateway.prefix}:case:{conv}")
        await agent.post(f"/agent/api/cases/{conv}/messages", json={"text": "您好，我看一下"})
        closed = await agent.post(f"/agent/api/cases/{conv}/close", json={"outcome": "resolved"})
        assert closed.status_code == 200, closed.text
    finally:
        await agent.aclose()
    return {**ids, "ttl_while_open": ttl_while_open}


# --------------------------------------------------------------------------- expiry


def test_every_key_a_conversations_life_leaves_expires_within_the_retention(redis_prefix, week_shop):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            conv = conversation()
            life = await a_buyers_life(gateway, year_from_now_at_two(), conv, "13900005678")
            return conv, life, await scan(redis_prefix)

    conv, life, keys = run(scenario())
    p = redis_prefix
    assert life["ttl_while_open"] == -1, "an open case lives until it is closed"
    expected = {
        f"{p}:conv:{conv}:log", f"{p}:conv:{conv}:meta", f"{p}:conv:{conv}:variants", f"{p}:case:{conv}",
        f"{p}:cases:closed", f"{p}:reminders:sent_to:{conv}",
        *(f"{p}:order:{life[name]}" for name in ("paid", "written", "cancelled")),
        *(f"{p}:reminder:{life[name]}" for name in ("paid", "written", "cancelled")),
    }
    assert expected <= set(keys), sorted(expected - set(keys))
    assert f"{p}:reminders:conv:{conv}" not in keys, "paid, cancelled or written: no reminder waits"
    assert f"{p}:conversations" not in keys, "nothing reads a list of every conversation"

    without_expiry = sorted(key for key, ttl in keys.items() if ttl == -1)
    assert without_expiry == sorted(k for k in (f"{p}:{name}" for name in KEPT_FOR_EVER) if k in keys), \
        f"keys kept for ever: {without_expiry}"
    too_long = {key: ttl for key, ttl in keys.items()
                if ttl != -1 and not any(part in key for part in STAFF_KEYS) and not 0 < ttl <= RETENTION}
    assert too_long == {}, f"kept longer than the shop's {DAYS} days: {too_long}"
    for key in expected - {f"{p}:reminders:sent_to:{conv}"}:  # each counts from its last change
        assert keys[key] > RETENTION - 300, (key, keys[key])


def test_an_active_conversation_keeps_its_keys_alive(redis_prefix, week_shop):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "有色差吗")
            redis = gateway.app.ctx.store.redis
            for part in ("log", "meta", "variants"):
                if await redis.exists(f"{redis_prefix}:conv:{conv}:{part}"):
                    await redis.expire(f"{redis_prefix}:conv:{conv}:{part}", 60)
            await gateway.say(conv, "还有别的颜色吗")
            return conv, await scan(redis_prefix)

    conv, keys = run(scenario())
    log = keys[f"{redis_prefix}:conv:{conv}:log"]
    assert RETENTION - 300 < log <= RETENTION, "a new message renews the conversation's retention"


def test_the_closed_case_log_keeps_no_record_older_than_the_retention(redis_prefix):
    async def scenario():
        client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
        clock = Clock(1_000_000.0)
        queue = RedisCaseQueue(client, redis_prefix, clock, retention_s=100)
        closed = []
        for conv in ("old-case-0001", "new-case-0002"):
            await queue.open(Case(conv, "buyer_asked"))
            await queue.claim(conv, "demo")
            await queue.close(conv, "demo", "resolved")
            closed.append(await client.ttl(f"{redis_prefix}:case:{conv}"))
            clock.advance(minutes=3)  # 180 s: the first record is now past the retention
        await queue.open(Case("open-case-0003", "buyer_asked"))
        kept = [json.loads(raw)["conversation_id"] for raw in await client.lrange(f"{redis_prefix}:cases:closed", 0, -1)]
        ttls = (await client.ttl(f"{redis_prefix}:cases:closed"), await client.ttl(f"{redis_prefix}:case:open-case-0003"))
        await queue.mark_notified("gone-case-0004", clock())
        gone = await client.exists(f"{redis_prefix}:case:gone-case-0004")
        await client.aclose()
        return closed, kept, ttls, gone

    closed, kept, (log_ttl, open_ttl), gone = run(scenario())
    assert all(0 < ttl <= 100 for ttl in closed)
    assert kept == ["new-case-0002"]
    assert 0 < log_ttl <= 100 and open_ttl == -1
    assert gone == 0, "a notice time is never written to a case that is not there"


# --------------------------------------------------------------------------- the demo store


def test_the_memory_store_keeps_the_most_recently_active_conversations(monkeypatch):
    async def scenario():
        monkeypatch.setattr(MemoryStore, "MAX_CONVERSATIONS", 3)
        store = MemoryStore()
        for conv in ("conv-aaaaaaaa", "conv-bbbbbbbb", "conv-cccccccc"):
            await store.append_message(conv, {"sender": "buyer", "text": "在吗"})
        await store.set_mode("conv-bbbbbbbb", "waiting")
        await store.set_used_variants("conv-bbbbbbbb", "utter_greet", [1])
        await store.append_message("conv-aaaaaaaa", {"sender": "buyer", "text": "还在吗"})  # active again
        await store.append_message("conv-dddddddd", {"sender": "buyer", "text": "你好"})
        return {conv: (await store.exists(conv), await store.get_mode(conv), await store.used_variants(conv, "utter_greet"))
                for conv in ("conv-aaaaaaaa", "conv-bbbbbbbb", "conv-cccccccc", "conv-dddddddd")}

    kept = run(scenario())
    assert kept == {
        "conv-aaaaaaaa": (True, "bot", []),
        "conv-bbbbbbbb": (True, "waiting", [1]),
        "conv-cccccccc": (False, "bot", []),  # the least recently active went first
        "conv-dddddddd": (True, "bot", []),
    }


def test_a_long_demo_keeps_ten_thousand_conversations():
    async def scenario():
        store = MemoryStore()
        for n in range(MemoryStore.MAX_CONVERSATIONS + 50):
            await store.append_message(f"conv-{n:08d}", {"sender": "buyer", "text": "在吗"})
            await store.set_used_variants(f"conv-{n:08d}", "utter_greet", [0])
        return store, [await store.exists(f"conv-{n:08d}") for n in (0, 49, 50, MemoryStore.MAX_CONVERSATIONS + 49)]

    store, present = run(scenario())
    assert MemoryStore.MAX_CONVERSATIONS == 10_000
    assert present == [False, False, True, True]
    assert len(store._logs) == len(store._variants) == 10_000


# --------------------------------------------------------------------------- the console


class LongTracker:
    """Rasa's tracker API for one conversation of 5,000 events (1,250 buyer messages)."""

    def __init__(self, conv: str) -> None:
        self.conv = conv
        self.events = []
        for n in range(1250):
            self.events += [
                {"event": "user", "text": f"第{n}句", "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}},
                {"event": "action", "name": "utter_greet"},
                {"event": "bot", "text": "您好"},
                {"event": "action", "name": "action_listen"},
            ]

    async def tracker(self, conversation_id: str) -> dict:
        return {"sender_id": conversation_id, "events": self.events, "slots": {}, "paused": False}


def test_the_console_reads_only_the_tail_of_a_long_tracker(monkeypatch):
    seen: list[list[dict]] = []

    def counted_turns(events):
        events = list(events)
        seen.append(events)
        return turns(events)

    async def scenario():
        conv = "conv-long-000001"
        store, queue = MemoryStore(), MemoryCaseQueue()
        for n in range(1250):
            await store.append_message(conv, {"sender": "buyer", "text": f"第{n}句"})
        await queue.open(Case(conv, "buyer_asked"))
        outbound = Outbound(ScriptCorpus(ROOT / "scripts_zh"), store, LocalHub(), {"shop_name": "禾木服饰"})
        desk = AgentDesk(queue, outbound, LongTracker(conv), load_shop(ROOT / "shop"))
        monkeypatch.setattr(desk_module, "turns", counted_turns)
        return await desk.detail(conv)

    detail = run(scenario())
    [processed] = seen
    assert len(LongTracker("x").events) == 5000
    assert len(processed) <= EVENTS_SHOWN
    assert sum(1 for e in processed if e["event"] == "user") == TURNS_SHOWN
    understood = [m for m in detail["messages"] if "understood" in m]
    assert len(understood) == TURNS_SHOWN, "the log's older messages take no newer turn"
    assert understood[0]["text"] == f"第{1250 - TURNS_SHOWN}句"
    assert detail["messages"][-1]["text"] == "第1249句" and detail["messages"][-1]["understood"]["intent"] == "greet"


def test_recent_events_keeps_short_trackers_whole_and_a_pause_in_force():
    short = [{"event": "user", "text": "在吗"}, {"event": "pause"}, {"event": "user", "text": "人呢"}]
    assert recent_events(short) == short
    long = [{"event": "pause"}] + [{"event": "user", "text": str(n)} for n in range(10)]
    cut = recent_events(long, buyer_messages=3)
    assert cut == [{"event": "pause"}] + long[-3:]
    assert [t["while_paused"] for t in turns(cut)] == [True, True, True]
    resumed = [{"event": "pause"}, {"event": "resume"}] + long[1:]
    assert recent_events(resumed, buyer_messages=3) == long[-3:]
    assert len(recent_events(long, buyer_messages=100, limit=5)) == 5


# --------------------------------------------------------------------------- Rasa's tracker


def test_the_gateway_says_when_rasa_keeps_trackers_another_time():
    shop = load_shop(ROOT / "shop")
    assert tracker_ttl_mismatch(shop, {}) is None
    assert tracker_ttl_mismatch(shop, {"XIAOER_TRACKER_TTL_S": str(90 * 86400)}) is None
    problem = tracker_ttl_mismatch(shop, {"XIAOER_TRACKER_TTL_S": "3600"})
    assert "XIAOER_TRACKER_TTL_S=7776000" in problem and "90 days" in problem


# --------------------------------------------------------------------------- erasing one buyer


async def dump(prefix: str) -> dict[str, str]:
    """Every key under the prefix with its whole content as text."""
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    out = {}
    try:
        async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            kind = await client.type(key)
            if kind == "string":
                value = await client.get(key)
            elif kind == "hash":
                value = await client.hgetall(key)
            elif kind == "list":
                value = await client.lrange(key, 0, -1)
            elif kind == "set":
                value = sorted(await client.smembers(key))
            elif kind == "zset":
                value = await client.zrange(key, 0, -1, withscores=True)
            else:
                value = kind
            out[key] = json.dumps(value, ensure_ascii=False)
    finally:
        await client.aclose()
    return out


def test_erasing_a_buyer_leaves_nothing_about_them_and_keeps_the_others(redis_prefix, week_shop, capsys):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            clock = year_from_now_at_two()
            conv, other = conversation(), conversation()
            gone = await a_buyers_life(gateway, clock, conv, "13900005678")
            kept = await a_buyers_life(gateway, clock, other, "13700004321")
            # and what only the erase tool removes: a waiting reminder, a review item, Rasa's tracker
            orders = order_service(gateway, clock)
            await orders.handle("order_created", order_body(conv, f"wait{uuid.uuid4().hex[:8]}", phone="13900005678"))
            for who in (conv, other):
                await gateway.app.ctx.review.record("utter_ask_rephrase", {
                    "sender_id": who, "latest_message": {"text": "我的电话换了", "intent": {"name": "nlu_fallback"}}})
                redis = gateway.app.ctx.store.redis
                await redis.set(f"{redis_prefix}:tracker:{who}", json.dumps({"sender_id": who, "events": []}))
            return conv, other, gone, kept

    conv, other, gone, kept = run(scenario())
    before = run(dump(redis_prefix))
    assert any(conv in key for key in before) and any("13900005678" in value for value in before.values())

    assert erase_buyer.main([conv, "--redis-url", REDIS_URL, "--prefix", redis_prefix]) == 0
    printed = capsys.readouterr().out
    after = run(dump(redis_prefix))

    left = {key: value for key, value in after.items() if conv in key or conv in value or "13900005678" in value}
    assert left == {}, f"still about the erased buyer: {left}"
    for removed in (f"conv:{conv}:log", f"case:{conv}", f"order:{gone['paid']}", f"tracker:{conv}"):
        assert f"removed key {redis_prefix}:{removed}" in printed, printed
    # the other buyer keeps everything
    for key in (f"conv:{other}:log", f"case:{other}", f"order:{kept['paid']}", f"reminder:{kept['paid']}",
                f"tracker:{other}"):
        assert f"{redis_prefix}:{key}" in after, key
    assert other in after[f"{redis_prefix}:cases:closed"] and other in after[f"{redis_prefix}:review:pending"]
    # a second run finds nothing
    assert erase_buyer.main([conv, "--redis-url", REDIS_URL, "--prefix", redis_prefix]) == 0
    assert "nothing kept" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["short", "conv*", "../conv-000000001", "a" * 65, "conv 0000001", ""])
def test_erasing_refuses_what_is_not_a_conversation_id(bad, redis_prefix, capsys):
    client_keys_before = run(dump(redis_prefix))
    assert erase_buyer.main([bad, "--redis-url", "redis://127.0.0.1:1/0", "--prefix", redis_prefix]) == 2
    assert "not a conversation id" in capsys.readouterr().err
    assert run(dump(redis_prefix)) == client_keys_before
    with pytest.raises(ValueError):
        erase_buyer.erase(None, redis_prefix, bad)


def test_rasas_tracker_key_is_the_one_rasa_writes():
    """rasa/core/tracker_store.py RedisTrackerStore: an alphanumeric key_prefix + ':tracker:'."""
    assert erase_buyer.rasa_key("xiaoer", "tracker", "conv-00000001") == "xiaoer:tracker:conv-00000001"
    assert erase_buyer.rasa_key("xiao_er", "tracker", "conv-00000001") == "tracker:conv-00000001"
    source = Path(ROOT / ".venv-rasa/lib/python3.10/site-packages/rasa/core/tracker_store.py")
    if source.exists():
        text = source.read_text()
        assert 'DEFAULT_REDIS_TRACKER_STORE_KEY_PREFIX = "tracker:"' in text
        assert 'key_prefix + ":" + DEFAULT_REDIS_TRACKER_STORE_KEY_PREFIX' in text
        assert "self.key_prefix + tracker.sender_id" in text
