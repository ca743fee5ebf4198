"""Payment reminders against the real Redis, with the clock in the test's hand."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from bot.chat.conversation import ConversationService
from bot.orders.reminders import SCRIPT_CHATTED, SCRIPT_PROMOTION, SCRIPT_SILENT
from bot.orders.service import CONFIRMATION_SCRIPT, OrderService
from tests.gateway.fakes import ScriptedRasa
from tests.gateway.reminders_kit import (
    Clock,
    at,
    new_conversation,
    open_service,
    order_body,
    reminders_in,
    shop_with,
)

AFTERNOON = at(10, 14, 0)


def run(coroutine):
    return asyncio.run(coroutine)


def test_reminder_goes_out_after_the_delay_and_not_before(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        result = await service.handle("order_created", order_body(conv, "ORD-late-1"))
        assert result["reminder_due"] == AFTERNOON + 15 * 60
        clock.advance(minutes=14.9)
        assert await service.scheduler.run_once() == []
        assert reminders_in(await store.messages(conv)) == []
        clock.advance(minutes=0.1)
        assert await service.scheduler.run_once() == ["ORD-late-1"]
        assert await service.scheduler.run_once() == []
        [reminder] = reminders_in(await store.messages(conv))
        assert reminder["sender"] == "bot" and reminder["script"] == SCRIPT_SILENT
        assert "高腰直筒牛仔裤" in reminder["text"]
        await store.close()

    run(scenario())


def test_paying_first_cancels_the_reminder(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-paid-1"))
        clock.advance(minutes=5)
        assert (await service.handle("order_paid", {"order_id": "ORD-paid-1"}))["changed"] is True
        clock.advance(minutes=30)
        assert await service.scheduler.run_once() == []
        assert reminders_in(await store.messages(conv)) == []
        await store.close()

    run(scenario())


def test_cancelling_the_order_cancels_the_reminder(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-cxl-1"))
        await service.handle("order_cancelled", {"order_id": "ORD-cxl-1"})
        clock.advance(hours=1)
        assert await service.scheduler.run_once() == []
        assert await store.messages(conv) == []
        await store.close()

    run(scenario())


def test_the_buyer_writing_first_cancels_the_reminder(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-wrote-1"))
        assert await service.scheduler.cancel_for_buyer_message(conv) == 1
        assert await service.scheduler.cancel_for_buyer_message(conv) == 0
        clock.advance(hours=1)
        assert await service.scheduler.run_once() == []
        await store.close()

    run(scenario())


def test_in_quiet_hours_the_reminder_waits_until_morning(redis_prefix):
    async def scenario():
        clock = Clock(at(10, 22, 55))  # due at 23:10, inside 23:00-09:00
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        result = await service.handle("order_created", order_body(conv, "ORD-night-1"))
        assert result["reminder_due"] == at(11, 9, 0)
        for moment in (at(10, 23, 10), at(11, 3, 0), at(11, 8, 59, 59)):
            clock.t = moment
            assert await service.scheduler.run_once() == []
        clock.t = at(11, 9, 0)
        assert await service.scheduler.run_once() == ["ORD-night-1"]
        await store.close()

    run(scenario())


def test_a_reminder_found_late_at_night_is_held_until_morning(redis_prefix):
    async def scenario():
        clock = Clock(at(10, 22, 30))  # due 22:45, but no scheduler ran until 23:30
        store, service = open_service(redis_prefix, clock)
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-night-2"))
        clock.t = at(10, 23, 30)
        assert await service.scheduler.run_once() == []
        assert reminders_in(await store.messages(conv)) == []
        clock.t = at(11, 9, 0)
        assert await service.scheduler.run_once() == ["ORD-night-2"]
        await store.close()

    run(scenario())


def test_the_cap_per_buyer_per_24_hours_holds(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock, shop=shop_with(cap=1))
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-cap-1"))
        await service.handle("order_created", order_body(conv, "ORD-cap-2"))
        clock.advance(minutes=20)
        sent = await service.scheduler.run_once()
        assert len(sent) == 1
        assert len(reminders_in(await store.messages(conv))) == 1
        # a day later the buyer may get one again
        clock.advance(hours=24)
        await service.handle("order_created", order_body(conv, "ORD-cap-3"))
        clock.advance(minutes=15)
        assert await service.scheduler.run_once() == ["ORD-cap-3"]
        metrics = await service.scheduler.metrics()
        assert metrics[SCRIPT_SILENT]["sent"] == 2 and metrics[SCRIPT_SILENT]["capped"] == 1
        await store.close()

    run(scenario())


def test_after_a_scheduler_restart_it_is_sent_exactly_once(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        first_store, first = open_service(redis_prefix, clock)
        conv = new_conversation()
        await first.handle("order_created", order_body(conv, "ORD-restart-1"))
        await first_store.close()  # the gateway stops before the reminder is due
        clock.advance(minutes=16)
        store, restarted = open_service(redis_prefix, clock)
        assert await restarted.scheduler.run_once() == ["ORD-restart-1"]
        _, again = open_service(redis_prefix, clock)  # and once more
        assert await again.scheduler.run_once() == []
        assert len(reminders_in(await store.messages(conv))) == 1
        await store.close()

    run(scenario())


def test_a_sender_that_dies_mid_send_is_replaced_and_the_reminder_goes_once(redis_prefix, caplog):
    async def scenario():
        clock = Clock(AFTERNOON)
        store_a, a = open_service(redis_prefix, clock, lease_seconds=60)
        store_b, b = open_service(redis_prefix, clock, lease_seconds=60)
        conv1, conv2 = new_conversation(), new_conversation()
        await a.handle("order_created", order_body(conv1, "ORD-die-1"))
        await a.handle("order_created", order_body(conv2, "ORD-die-2"))
        clock.advance(minutes=15)

        async def broken(*args, **kwargs):
            raise ConnectionError("gateway A lost its connection")

        # A dies before writing the first reminder, and after writing the second
        send = a.messages.send
        a.messages.send = broken
        with caplog.at_level(logging.CRITICAL):
            assert await a.scheduler.run_once() == []
        a.messages.send, a.scheduler._finish = send, broken
        clock.advance(minutes=2)  # A's claims lapse
        with caplog.at_level(logging.CRITICAL):
            assert await a.scheduler.run_once() == []
        assert len(reminders_in(await store_b.messages(conv1) + await store_b.messages(conv2))) == 2
        assert await b.scheduler.run_once() == []  # still claimed by A
        clock.advance(minutes=2)
        assert sorted(await b.scheduler.run_once()) == ["ORD-die-1", "ORD-die-2"]
        assert await b.scheduler.run_once() == []
        assert len(reminders_in(await store_b.messages(conv1))) == 1
        assert len(reminders_in(await store_b.messages(conv2))) == 1
        assert (await b.scheduler.metrics())[SCRIPT_SILENT]["sent"] == 2
        await store_a.close()
        await store_b.close()

    run(scenario())


def test_two_schedulers_racing_send_each_reminder_once(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        replicas = [open_service(redis_prefix, clock, batch=3) for _ in range(3)]
        conversations = [new_conversation() for _ in range(12)]
        for conv in conversations:
            await replicas[0][1].handle("order_created", order_body(conv))
        clock.advance(minutes=15)
        sent: list[str] = []
        for _ in range(6):  # several rounds, all replicas at once
            rounds = await asyncio.gather(*(service.scheduler.run_once() for _, service in replicas))
            sent += [order for round_ in rounds for order in round_]
        assert len(sent) == len(set(sent)) == 12
        for conv in conversations:
            assert len(reminders_in(await replicas[0][0].messages(conv))) == 1
        for store, _ in replicas:
            await store.close()

    run(scenario())


def test_the_reminder_kind_follows_the_conversation(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        chatty, silent = new_conversation(), new_conversation()
        await store.append_message(chatty, {"sender": "buyer", "text": "牛仔裤有L码吗"})
        await store.append_message(chatty, {"sender": "bot", "text": "有的"})
        await store.append_message(silent, {"sender": "notice", "text": "欢迎光临"})
        for conv in (chatty, silent):
            await service.handle("order_created", order_body(conv))
        clock.advance(minutes=15)
        assert len(await service.scheduler.run_once()) == 2
        assert reminders_in(await store.messages(chatty))[0]["script"] == SCRIPT_CHATTED
        assert reminders_in(await store.messages(silent))[0]["script"] == SCRIPT_SILENT
        await store.close()

    run(scenario())


def test_in_promotion_mode_the_reminder_carries_urgency(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock, shop=shop_with(promotion=True))
        conv = new_conversation()
        await store.append_message(conv, {"sender": "buyer", "text": "在吗"})
        await service.handle("order_created", order_body(conv))
        clock.advance(minutes=15)
        assert len(await service.scheduler.run_once()) == 1
        [reminder] = reminders_in(await store.messages(conv))
        assert reminder["script"] == SCRIPT_PROMOTION
        assert "活动" in reminder["text"] or "大促" in reminder["text"]
        await store.close()

    run(scenario())


def test_payment_within_24_hours_of_a_reminder_is_counted_for_its_variant(redis_prefix):
    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        early, late = new_conversation(), new_conversation()
        await service.handle("order_created", order_body(early, "ORD-m-1"))
        await service.handle("order_created", order_body(late, "ORD-m-2"))
        clock.advance(minutes=15)
        assert len(await service.scheduler.run_once()) == 2
        clock.advance(hours=2)
        await service.handle("order_paid", {"order_id": "ORD-m-1"})
        clock.advance(hours=23)
        await service.handle("order_paid", {"order_id": "ORD-m-2"})  # 25 h after its reminder
        metrics = await service.scheduler.metrics()
        assert metrics[SCRIPT_SILENT] == {"sent": 2, "paid_within_24h": 1, "capped": 0}
        await store.close()

    run(scenario())


# ---- something lands while a sender is already inside _send: the last check stops it


def _land_during_send(service, where, event):
    """Run ``event`` once, inside the sender: right after it read the order, or after it
    took the buyer's cap place (the end of the window before the last check)."""
    scheduler = service.scheduler
    name, owner = ("get_order", scheduler.orders) if where == "after reading" else ("_reserve", scheduler)
    step = getattr(owner, name)
    fired = []

    async def step_then_event(*args, **kwargs):
        result = await step(*args, **kwargs)
        if not fired:  # once: the event itself reads the order too
            fired.append(True)
            await event()
        return result

    setattr(owner, name, step_then_event)
    return fired


async def _nothing_was_sent(store, service, conv, order_id):
    assert reminders_in(await store.messages(conv)) == []
    assert all(counts["sent"] == 0 for counts in (await service.scheduler.metrics()).values())
    # the buyer's place under the 24 h cap is given back, and the reminder never comes back
    assert await store.redis.zscore(service.scheduler.sent_to_key(conv), order_id) is None
    service.clock.advance(hours=1)
    assert await service.scheduler.run_once() == []
    assert reminders_in(await store.messages(conv)) == []


# What lands while a sender is inside _send: the event, then the order's status and what the
# buyer's conversation holds (sender, and script for the bot's). None may let the reminder go.
LANDINGS = {
    "a payment": (
        lambda s: s.service.handle("order_paid", {"order_id": s.order_id}),
        "paid", [("bot", CONFIRMATION_SCRIPT)]),
    "a cancellation": (
        lambda s: s.service.handle("order_cancelled", {"order_id": s.order_id}),
        "cancelled", []),
    "the buyer writing": (
        lambda s: s.chat.buyer_says(s.conv, "这条裤子洗了会缩水吗"),
        "unpaid", [("buyer", None), ("bot", None)]),
    # the order store says paid, but that gateway has not cancelled the reminder yet
    "a payment another gateway is still handling": (
        lambda s: s.other.orders.transition(s.order_id, "order_paid", paid_at=s.service.clock()),
        "paid", []),
}


@dataclasses.dataclass
class MidSend:
    """An order due for its reminder, and the ways an event about it can arrive."""

    service: OrderService
    other: OrderService  # another gateway's order service on the same Redis
    chat: ConversationService
    conv: str
    order_id: str


@pytest.mark.parametrize("where", ["after reading", "after taking the cap place"])
@pytest.mark.parametrize("landing", LANDINGS)
def test_what_lands_mid_send_stops_the_reminder(redis_prefix, landing, where):
    event, status, conversation = LANDINGS[landing]

    async def scenario():
        clock = Clock(AFTERNOON)
        store, service = open_service(redis_prefix, clock)
        other_store, other = open_service(redis_prefix, clock)
        conv = new_conversation()
        chat = ConversationService(store, ScriptedRasa(), cancel_reminders=service.scheduler.cancel_for_buyer_message)
        scene = MidSend(service, other, chat, conv, "ORD-mid-1")
        await service.handle("order_created", order_body(conv, scene.order_id))
        clock.advance(minutes=15)
        fired = _land_during_send(service, where, lambda: event(scene))
        assert await service.scheduler.run_once() == []
        assert fired
        assert (await service.orders.get_order(scene.order_id)).status == status
        assert [(m["sender"], m.get("script")) for m in await store.messages(conv)] == conversation
        await _nothing_was_sent(store, service, conv, scene.order_id)
        await other_store.close()
        await store.close()

    run(scenario())
