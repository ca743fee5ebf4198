"""The hand-off queue against the real Redis at REDIS_URL (and its memory twin)."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
import redis as sync_redis
import redis.asyncio as redis

from bot.handoff.queue import (
    NORMAL,
    URGENT,
    Case,
    MemoryCaseQueue,
    RedisCaseQueue,
    case_priority,
)
from tests.conftest import REDIS_URL


def run(coroutine):
    return asyncio.run(coroutine)


class Clock:
    def __init__(self, start=1_800_000_000.0):
        self.now = start

    def __call__(self):
        self.now += 1
        return self.now


@pytest.fixture(params=["redis", "memory"])
def make_queue(request, redis_prefix):
    """A factory, so each asyncio.run gets a client on its own loop."""

    def make(clock=None):
        clock = clock or Clock()
        if request.param == "memory":
            return MemoryCaseQueue(clock), None
        # at most 50 connections; the 1,000 claims wait their turn for one, as under load
        pool = redis.BlockingConnectionPool.from_url(REDIS_URL, decode_responses=True, max_connections=50)
        client = redis.Redis(connection_pool=pool)
        return RedisCaseQueue(client, redis_prefix, clock), client

    make.kind = request.param
    return make


async def closing(client):
    if client is not None:
        await client.aclose()


@pytest.mark.parametrize("reason,angry,priority", [
    ("angry_buyer", True, URGENT),
    ("refund_over_limit", False, URGENT),
    ("complaint", True, URGENT),
    ("complaint", False, NORMAL),
    ("buyer_asked", False, NORMAL),
    ("bot_failed_twice", False, NORMAL),
    ("order_change", False, NORMAL),
])
def test_priority_rule(reason, angry, priority):
    assert case_priority(reason, angry) == priority


def test_angry_buyers_and_refunds_go_first_then_arrival_order(make_queue):
    async def scenario():
        queue, client = make_queue()
        for conversation, reason in [("conv-a001", "buyer_asked"), ("conv-b001", "bot_failed_twice"),
                                     ("conv-c001", "refund_over_limit"), ("conv-d001", "angry_buyer")]:
            await queue.open(Case(conversation, reason, priority=case_priority(reason)))
        order = [c.conversation_id for c in await queue.waiting()]
        positions = [await queue.position(c) for c in order]
        await closing(client)
        return order, positions

    order, positions = run(scenario())
    assert order == ["conv-c001", "conv-d001", "conv-a001", "conv-b001"]
    assert positions == [1, 2, 3, 4]


def test_a_conversation_has_one_open_case(make_queue):
    async def scenario():
        queue, client = make_queue()
        first, opened = await queue.open(Case("conv-one01", "buyer_asked", summary={"intent": "request_human"}))
        again, opened_again = await queue.open(Case("conv-one01", "angry_buyer"))
        count = len(await queue.waiting())
        await closing(client)
        return first, opened, again, opened_again, count

    first, opened, again, opened_again, count = run(scenario())
    assert opened and not opened_again and count == 1
    assert again.id == first.id and again.reason == "buyer_asked"
    assert again.summary == {"intent": "request_human"}


def test_claim_release_escalate_and_close(make_queue):
    async def scenario():
        queue, client = make_queue()
        await queue.open(Case("conv-x001", "buyer_asked"))
        await queue.open(Case("conv-x002", "buyer_asked"))
        steps = {
            "claim": await queue.claim("conv-x001", "demo"),
            "claim again": await queue.claim("conv-x001", "ajie"),
            "mine": [c.conversation_id for c in await queue.claimed_by("demo")],
            "position after claim": await queue.position("conv-x001"),
            "release by other": await queue.release("conv-x001", "ajie"),
            "release": await queue.release("conv-x001", "demo"),
            "back first": [c.conversation_id for c in await queue.waiting()],
            "escalate": await queue.escalate("conv-x002"),
            "urgent first": [c.conversation_id for c in await queue.waiting()],
            "close unclaimed": await queue.close("conv-x002", "demo", "resolved"),
        }
        await queue.claim("conv-x002", "demo")
        steps["close by other"] = await queue.close("conv-x002", "ajie", "resolved")
        closed = await queue.close("conv-x002", "demo", "resolved")
        steps["closed"] = (closed.status, closed.outcome, closed.agent)
        steps["mine after close"] = [c.conversation_id for c in await queue.claimed_by("demo")]
        reopened, opened = await queue.open(Case("conv-x002", "complaint"))
        steps["reopen"] = (opened, reopened.status, reopened.reason)
        await closing(client)
        return steps

    steps = run(scenario())
    assert steps["claim"] is True and steps["claim again"] is False
    assert steps["mine"] == ["conv-x001"] and steps["position after claim"] is None
    assert steps["release by other"] is False and steps["release"] is True
    assert steps["back first"] == ["conv-x001", "conv-x002"]
    assert steps["escalate"] is True and steps["urgent first"] == ["conv-x002", "conv-x001"]
    assert steps["close unclaimed"] is None and steps["close by other"] is None
    assert steps["closed"] == ("closed", "resolved", "demo")
    assert steps["mine after close"] == []
    assert steps["reopen"] == (True, "waiting", "complaint")


def test_closed_cases_are_kept_for_review(redis_prefix):
    async def scenario():
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        queue = RedisCaseQueue(client, redis_prefix)
        await queue.open(Case("conv-kept1", "refund_over_limit", summary={"order_id": "123456789012"}))
        await queue.claim("conv-kept1", "demo")
        await queue.close("conv-kept1", "demo", "refund_approved")
        kept = await client.lrange(f"{redis_prefix}:cases:closed", 0, -1)
        await client.aclose()
        return kept

    kept = [json.loads(k) for k in run(scenario())]
    assert kept[0]["conversation_id"] == "conv-kept1" and kept[0]["outcome"] == "refund_approved"
    assert json.loads(kept[0]["summary"]) == {"order_id": "123456789012"}


def test_1000_concurrent_claims_of_100_cases_give_each_case_exactly_one_agent(make_queue):
    """Ten agents hammer 100 cases with 1,000 claims at once; every case goes to one of them."""
    cases = [f"conv-race{n:03d}" for n in range(100)]
    agents = [f"agent{n}" for n in range(10)]
    attempts = [(cases[i % 100], agents[random.Random(i).randrange(10)]) for i in range(1000)]
    random.Random(7).shuffle(attempts)

    async def scenario():
        queue, client = make_queue()
        for conversation in cases:
            await queue.open(Case(conversation, "buyer_asked"))
        results = await asyncio.gather(*(queue.claim(c, a) for c, a in attempts))
        owners = {c: (await queue.get(c)).agent for c in cases}
        mine = {a: {c.conversation_id for c in await queue.claimed_by(a)} for a in agents}
        left = await queue.waiting()
        await closing(client)
        return results, owners, mine, left

    results, owners, mine, left = run(scenario())
    assert sum(results) == 100, "exactly one claim per case succeeds"
    winners = {}
    for (conversation, agent), won in zip(attempts, results):
        if won:
            assert conversation not in winners, f"{conversation} claimed twice"
            winners[conversation] = agent
    assert winners == owners
    assert set().union(*mine.values()) == set(cases)
    assert sum(len(m) for m in mine.values()) == 100
    assert left == []


def test_redis_keys_stay_under_the_prefix(redis_prefix):
    async def scenario():
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        queue = RedisCaseQueue(client, redis_prefix)
        await queue.open(Case("conv-keys1", "buyer_asked"))
        await queue.claim("conv-keys1", "demo")
        await client.aclose()

    run(scenario())
    keys = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True).keys(f"{redis_prefix}:*")
    assert sorted(k.split(":", 1)[1] for k in keys) == ["agent:demo:cases", "case:conv-keys1"]  # the empty queue is gone


def test_the_memory_queue_keeps_at_most_its_cap_closed_cases_first_to_go(caplog):
    """`make run` without Redis: closed cases make room, the longest closed first; open
    cases are never dropped, and going past the cap with them is logged."""
    queue = MemoryCaseQueue(Clock(), max_cases=3)

    async def handled(conversation_id: str) -> None:
        await queue.open(Case(conversation_id, "buyer_asked"))
        await queue.claim(conversation_id, "demo")
        await queue.close(conversation_id, "demo", "resolved")

    async def scenario():
        for conversation_id in ("conv-c001", "conv-c002", "conv-c003"):
            await handled(conversation_id)
        await queue.open(Case("conv-w001", "buyer_asked"))  # the longest closed makes room
        kept_after_one = [c for c in ("conv-c001", "conv-c002", "conv-c003") if await queue.get(c)]
        await handled("conv-c002")  # closed again: now the most recently closed
        await queue.open(Case("conv-w002", "buyer_asked"))
        kept_after_two = [c for c in ("conv-c002", "conv-c003") if await queue.get(c)]
        with caplog.at_level("WARNING", logger="bot.handoff.queue"):
            for n in range(3, 6):  # more buyers waiting than the cap: all kept
                await queue.open(Case(f"conv-w00{n}", "buyer_asked"))
        waiting = [c.conversation_id for c in await queue.waiting()]
        return kept_after_one, kept_after_two, waiting

    kept_after_one, kept_after_two, waiting = run(scenario())
    assert kept_after_one == ["conv-c002", "conv-c003"]
    assert kept_after_two == ["conv-c002"], "conv-c003 was closed longest ago"
    assert waiting == [f"conv-w00{n}" for n in range(1, 6)], "no waiting buyer is dropped"
    assert len(queue.closed) == 3, "the log of closed cases is capped too"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "4 open cases, more than its cap of 3" in warnings[0]
