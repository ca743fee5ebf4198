"""Order events in, reminders and confirmations out.

:class:`OrderService` turns the platform's events (bot/orders/webhooks.py) into what the
buyer sees: a payment reminder scheduled on ``order_created`` (bot/orders/reminders.py),
cancelled on payment or cancellation, the order confirmation on ``order_paid`` and a note
on ``order_shipped``. Nothing connects at import time.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Callable

from bot.infra.outbound import Outbound
from bot.infra.store import RedisStore
from bot.orders.messages import OrderMessages
from bot.orders.model import EVENTS, Order, OrderError, parse_new_order, text_field
from bot.orders.reminders import ReminderScheduler
from bot.orders.store import RedisOrderStore
from xiaoer import clock as app_clock

if TYPE_CHECKING:
    from xiaoer.shop import Shop

log = logging.getLogger(__name__)

# Order confirmation after payment; the button leads to the modify_order hand-off (its
# payload is one of that intent's training examples).
CONFIRMATION_SCRIPT = "utter_order_confirmation"
SHIPPED_SCRIPT = "utter_order_shipped"
# script-values: utter_order_confirmation: order_id, sku, item, size, colour, quantity, contact, phone, courier, address, remarks
# script-values: utter_order_shipped: order_id, item, courier, tracking_number


class OrderService:
    """Order events in, reminders and confirmations out."""

    def __init__(
        self,
        orders: RedisOrderStore,
        scheduler: "ReminderScheduler",
        messages: OrderMessages,
        shop: "Shop",
        clock: Callable[[], float] = app_clock.now,
    ) -> None:
        self.orders = orders
        self.scheduler = scheduler
        self.messages = messages
        self.shop = shop
        self.clock = clock

    async def handle(self, event: str, body: Any) -> dict[str, Any]:
        """Apply one event; raises OrderError, UnknownOrder or OrderConflict before changing anything."""
        if event not in EVENTS:
            raise OrderError(f"unknown event {event!r}; events are: {', '.join(EVENTS)}")
        if event == "order_created":
            return await self.created(parse_new_order(body, self.shop, self.clock()))
        if not isinstance(body, dict):
            raise OrderError('the body must be a JSON object like {"order_id": "..."}')
        order_id = text_field(body, "order_id", limit=64)
        if event == "order_shipped":
            tracking = text_field(body, "tracking_number", required=False, limit=40)
            order, changed = await self.orders.transition(order_id, event, tracking_number=tracking)
            if changed:
                # Without a tracking number, only the variants that do not show one fit.
                values = {**asdict(order), "tracking_number": order.tracking_number or None}
                await self.messages.send(order.conversation_id, SHIPPED_SCRIPT, values, order, order_event=event)
            return {"order_id": order_id, "status": order.status, "changed": changed}
        now = self.clock()
        changes = {"paid_at": now} if event == "order_paid" else {}
        order, changed = await self.orders.transition(order_id, event, **changes)
        if changed:
            await self.scheduler.cancel(order_id, order.conversation_id)
        if changed and event != "order_paid":  # paid: the confirmation tells Rasa with its text
            await self.messages.tell_rasa(order.conversation_id, None, order)
        if changed and event == "order_paid":
            await self.scheduler.record_payment(order_id, now)
            await self.messages.send(order.conversation_id, CONFIRMATION_SCRIPT, order.confirmation_values(), order, order_event=event)
        return {"order_id": order_id, "status": order.status, "changed": changed}

    async def created(self, order: Order) -> dict[str, Any]:
        if not await self.orders.add(order):
            return {"order_id": order.order_id, "status": (await self.orders.get_order(order.order_id)).status, "changed": False}
        # The kind of reminder depends on whether the buyer talked to us before ordering.
        chatted = any(m.get("sender") == "buyer" for m in await self.messages.store.messages(order.conversation_id))
        due = await self.scheduler.schedule(order, chatted=chatted)
        await self.messages.tell_rasa(order.conversation_id, None, order)
        return {"order_id": order.order_id, "status": order.status, "changed": True, "reminder_due": due}


def open_orders(
    outbound: Outbound,
    shop: "Shop",
    clock: Callable[[], float] = app_clock.now,
    tracker_api: Any = None,
    **scheduler_options: Any,
) -> OrderService | None:
    """The order service on the store's Redis; None for the in-memory demo store (the
    schedule must outlive the process, so there is no memory version)."""
    store = outbound.store
    if not isinstance(store, RedisStore):
        return None
    # an order and its reminder are kept as long as the shop keeps buyers' data
    orders = RedisOrderStore(store.redis, store.prefix, retention_s=shop.retention_seconds)
    messages = OrderMessages(outbound, tracker_api, {item.sku: item.image for item in shop.items if item.image})
    scheduler = ReminderScheduler(store.redis, store.prefix, orders, messages, shop, clock=clock,
                                  retention_s=shop.retention_seconds, **scheduler_options)
    return OrderService(orders, scheduler, messages, shop, clock=clock)
