"""Stopping the gateway never waits on its background loops, the payment reminder loop and
the live events' listener, wherever the stop finds them: starting up (connecting to Redis,
where redis-py on Python 3.11 can lose a cancel), between rounds, in a Redis call that gets
no answer, or stuck in a call that ignores cancels (left behind, said in the log). Real
Redis; each stop gets a generous 10 s, so a hang fails and nothing is timed."""

from __future__ import annotations

import asyncio
import logging

import redis as redis_sync

from bot.infra.outbound import Outbound
from bot.infra.pubsub import RedisHub
from bot.infra.store import RedisStore
from bot.orders.service import open_orders
from tests.conftest import REDIS_URL
from tests.gateway.reminders_kit import (
    ROOT,
    SHOP,
    Clock,
    at,
    new_conversation,
    open_service,
    order_body,
)
from tests.gateway.test_handoff_harness import Gateway, PausingRasa
from tests.gateway.test_redis_faults import own_redis  # noqa: F401 (a fixture)
from xiaoer.scripts import ScriptCorpus

AFTERNOON = at(10, 14, 0)
HANG = 10  # seconds: far beyond a prompt stop, well short of a stuck one
HOUR = 3600.0  # the loop's pause between rounds: one it would sit out if the stop were lost
STEPS = 200  # at most this many event loop steps from the start to the loop's first pause


def run(coroutine):
    return asyncio.run(coroutine)


async def finishes(coroutine):
    """Its result, or the test fails after HANG seconds. Not asyncio.wait_for: that cancels
    the late one and waits for it to end, so a stop stuck on a cancel would hang it too."""
    task = asyncio.ensure_future(coroutine)
    done, _ = await asyncio.wait({task}, timeout=HANG)
    assert done, f"still not done after {HANG} s"
    return task.result()


def told_when(scheduler, name: str, after: bool) -> asyncio.Event:
    """An event set just before (or after) the scheduler's ``name`` step runs."""
    step, reached = getattr(scheduler, name), asyncio.Event()

    async def step_and_tell(*args, **kwargs):
        if not after:
            reached.set()
        result = await step(*args, **kwargs)
        reached.set()
        return result

    setattr(scheduler, name, step_and_tell)
    return reached


async def stop_after(steps: int, start, ready: asyncio.Event, stop):
    """Start a loop, let the event loop run ``steps`` steps, stop it; whether it ended, and
    whether it had reached its pause (``ready``) when the stop came."""
    await start()
    for _ in range(steps):
        await asyncio.sleep(0)
    was_ready = ready.is_set()
    return await finishes(stop()), was_ready


def test_the_reminder_loop_stops_wherever_the_stop_finds_it(redis_prefix):
    """From its first Redis connection to its pause between rounds, one event loop step at a time."""
    async def scenario():
        outcomes = []
        for steps in range(STEPS):
            store, service = open_service(redis_prefix, Clock(AFTERNOON), interval=HOUR)  # a new connection
            round_done = told_when(service.scheduler, "run_once", after=True)

            async def start():
                service.scheduler.start()

            ended, paused = await stop_after(steps, start, round_done, service.scheduler.stop)
            outcomes.append((steps, ended, service.scheduler.running))
            await store.close()
            if paused:
                return outcomes
        raise AssertionError(f"the loop did not reach its pause within {STEPS} steps")

    outcomes = run(scenario())
    assert [(steps, ended, running) for steps, ended, running in outcomes if not ended or running] == []


def test_the_live_events_listener_stops_wherever_the_stop_finds_it(redis_prefix):
    """From its first Redis connection to listening, one event loop step at a time."""
    async def scenario():
        for steps in range(STEPS):
            store = RedisStore(REDIS_URL, prefix=redis_prefix)  # a new connection
            hub = RedisHub(store.redis, redis_prefix)
            _, listening = await stop_after(steps, hub.start, hub.subscribed, hub.close)  # a hang fails here
            await store.close()
            if listening:
                return steps
        raise AssertionError(f"the listener did not subscribe within {STEPS} steps")

    assert run(scenario()) > 0


def test_the_reminder_loop_stops_inside_a_redis_call_that_gets_no_answer(own_redis):  # noqa: F811
    async def scenario():
        store = RedisStore(own_redis.url, prefix="stopping")
        outbound = Outbound(ScriptCorpus(ROOT / "scripts_zh"), store, None, {"shop_name": SHOP.name})
        service = open_orders(outbound, SHOP, clock=Clock(AFTERNOON), interval=HOUR)
        in_redis = told_when(service.scheduler, "_claim", after=False)
        admin = redis_sync.Redis.from_url(own_redis.url)
        admin.client_pause(60_000, all=False)  # Redis holds every write and script for a minute
        try:
            service.scheduler.start()
            await asyncio.wait_for(in_redis.wait(), HANG)
            stopped = await finishes(service.scheduler.stop())
        finally:
            admin.client_unpause()
            admin.close()
        await store.close()
        return stopped, service.scheduler.running

    assert run(scenario()) == (True, False)


class StuckOrders:
    """A platform's order adapter stuck in a call that swallows every cancel (as a client
    library that retries on any error might), until the test lets it go."""

    def __init__(self) -> None:
        self.entered, self.let_go = asyncio.Event(), asyncio.Event()

    async def get_order(self, order_id: str):
        self.entered.set()
        while not self.let_go.is_set():
            try:
                await self.let_go.wait()
            except asyncio.CancelledError:
                continue
        return None


def test_stopping_does_not_wait_for_a_round_that_ignores_cancels(redis_prefix, caplog):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock, interval=HOUR)
        await service.handle("order_created", order_body(new_conversation()))
        clock.advance(minutes=15)  # its reminder is due: the round asks the platform for the order
        stuck = service.scheduler.orders = StuckOrders()
        service.scheduler.start()
        await asyncio.wait_for(stuck.entered.wait(), HANG)
        try:
            with caplog.at_level(logging.ERROR, logger="bot.infra.background"):
                stopped = await finishes(service.scheduler.stop())
        finally:
            stuck.let_go.set()  # the loop left behind can end with the test's event loop
        await store.close()
        return stopped

    assert run(scenario()) is False, "stop() came back, saying the loop did not end"
    assert "the payment reminder loop did not stop within 2 s" in caplog.text


def test_a_gateway_stopped_right_after_its_start_stops(redis_prefix):
    """Its reminder loop is in its first round then, on a new Redis connection."""
    async def scenario():
        gateway = await Gateway(redis_prefix, PausingRasa()).start()
        scheduler = gateway.app.ctx.orders.scheduler
        running = scheduler.running
        await finishes(gateway.stop())
        return running, scheduler.running

    assert run(scenario()) == (True, False), "the reminder loop ran, and stopped with the gateway"
