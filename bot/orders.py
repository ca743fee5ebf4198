"""Orders from the shop platform: the adapter interface, the demo order store, order events.

A real platform (Taobao, Youzan, ...) implements :class:`ShopAdapter` (order lookup) and
sends its order events to the gateway's webhooks (bot/order_webhooks.py). The demo shop
keeps its orders in Redis (:class:`RedisOrderStore`), created and paid with
``tools/demo_orders.py``.

:class:`OrderService` turns events into what the buyer sees: a payment reminder scheduled
on ``order_created`` (bot/reminders.py), cancelled on payment or cancellation, and the
order confirmation on ``order_paid``. Nothing connects at import time.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

from bot.conversation import CONVERSATION_ID
from xiaoer import clock as app_clock

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.reminders import ReminderScheduler
    from bot.scripts import ScriptCorpus
    from bot.store import Store
    from xiaoer.shop import Shop

ORDER_ID = re.compile(r"[A-Za-z0-9_-]{4,64}\Z")
STATUSES = ("unpaid", "paid", "cancelled", "shipped")
# Which status each event moves an order to, and from which statuses it may come.
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "order_paid": ("paid", ("unpaid",)),
    "order_cancelled": ("cancelled", ("unpaid", "paid")),
    "order_shipped": ("shipped", ("paid",)),
}
EVENTS = ("order_created", *TRANSITIONS)

# Order confirmation after payment; the button leads to the modify_order hand-off (its
# payload is one of that intent's training examples).
CONFIRMATION_SCRIPT = "utter_order_confirmation"
SHIPPED_SCRIPT = "utter_order_shipped"
# script-values: utter_order_confirmation: order_id, sku, item, size, colour, quantity, contact, phone, courier, address, remarks
# script-values: utter_order_shipped: order_id, item, courier, tracking_number


class OrderError(ValueError):
    """An event body the platform must fix; the message says what is wrong."""


class UnknownOrder(LookupError):
    """No order with this id."""


class OrderConflict(ValueError):
    """The event does not fit the order's status (paying a cancelled order)."""


@dataclass(frozen=True)
class Order:
    order_id: str
    conversation_id: str  # the buyer's conversation in the widget
    sku: str
    item: str
    size: str
    colour: str
    quantity: int
    contact: str
    phone: str
    address: str
    courier: str
    remarks: str = ""
    status: str = "unpaid"
    created_at: float = 0.0
    paid_at: float | None = None
    tracking_number: str = ""

    def confirmation_values(self) -> dict[str, Any]:
        values = asdict(self)
        values["remarks"] = self.remarks or "无"
        return values


class ShopAdapter(Protocol):
    """What a shop platform implements so the bot can look orders up."""

    async def get_order(self, order_id: str) -> Order | None: ...


def _text(body: Mapping[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise OrderError(f'"{name}" is required and must be a non-empty string')
    value = str(value).strip()
    if len(value) > limit:
        raise OrderError(f'"{name}" is {len(value)} characters; the limit is {limit}')
    return value


def parse_new_order(body: Any, shop: "Shop", created_at: float) -> Order:
    """An ``order_created`` body as an unpaid :class:`Order`; raises OrderError."""
    if not isinstance(body, dict):
        raise OrderError("the body must be a JSON object describing the order")
    order_id = _text(body, "order_id", limit=64)
    if not ORDER_ID.match(order_id):
        raise OrderError('"order_id" must be 4-64 letters, digits, "-" or "_"')
    conversation_id = _text(body, "conversation_id", limit=64)
    if not CONVERSATION_ID.match(conversation_id):
        raise OrderError('"conversation_id" must be 8-64 letters, digits, "-" or "_"')
    sku = _text(body, "sku", limit=40)
    item = shop.item(sku)
    # The platform is the source of truth for what was sold; our catalog only names it.
    name = item.name if item else _text(body, "item", required=False) or sku
    quantity = body.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 999:
        raise OrderError('"quantity" must be a whole number from 1 to 999')
    return Order(
        order_id=order_id,
        conversation_id=conversation_id,
        sku=item.sku if item else sku,
        item=name,
        size=_text(body, "size", limit=20),
        colour=_text(body, "colour", limit=20),
        quantity=quantity,
        contact=_text(body, "contact", limit=40),
        phone=_text(body, "phone", limit=30),
        address=_text(body, "address", limit=300),
        courier=_text(body, "courier", required=False, limit=20) or shop.shipping.default_courier,
        remarks=_text(body, "remarks", required=False, limit=300),
        status="unpaid",
        created_at=created_at,
    )


# Move an order to a new status only from the allowed ones, in one step, so two replicas
# handling a retried webhook cannot both act on it. Returns the old status (or nil).
_TRANSITION = """
local data = redis.call('GET', KEYS[1])
if not data then return nil end
local order = cjson.decode(data)
local old = order['status']
if old == ARGV[1] then return old end
for i = 3, #ARGV do
  if ARGV[i] == old then
    order['status'] = ARGV[1]
    local extra = cjson.decode(ARGV[2])
    for k, v in pairs(extra) do order[k] = v end
    redis.call('SET', KEYS[1], cjson.encode(order))
    return old
  end
end
return '!' .. old
"""


class RedisOrderStore:
    """The demo shop's embedded order store: one JSON value per order in Redis."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._transition = redis.register_script(_TRANSITION)

    def _key(self, order_id: str) -> str:
        return f"{self.prefix}:order:{order_id}"

    async def get_order(self, order_id: str) -> Order | None:
        raw = await self.redis.get(self._key(order_id))
        return Order(**json.loads(raw)) if raw else None

    async def add(self, order: Order) -> bool:
        """Store a new order; False (and nothing changed) when the id exists already."""
        return bool(await self.redis.set(self._key(order.order_id), json.dumps(asdict(order), ensure_ascii=False), nx=True))

    async def transition(self, order_id: str, event: str, **changes: Any) -> tuple[Order, bool]:
        """Apply an event; (order, changed). Repeating an event changes nothing (webhook retries)."""
        status, allowed = TRANSITIONS[event]
        old = await self._transition(keys=[self._key(order_id)], args=[status, json.dumps(changes), *allowed])
        if old is None:
            raise UnknownOrder(order_id)
        old = old.decode() if isinstance(old, bytes) else old
        if old.startswith("!"):
            raise OrderConflict(f"order {order_id} is {old[1:]}; {event} needs it to be {' or '.join(allowed)}")
        order = await self.get_order(order_id)
        assert order is not None
        return order, old != status


class BuyerMessages:
    """Puts a gateway-rendered script into the buyer's conversation and onto the widget."""

    def __init__(
        self,
        store: "Store",
        corpus: "ScriptCorpus",
        shop_values: Mapping[str, Any],
        hub: Any = None,
        tracker_api: Any = None,
    ) -> None:
        self.store = store
        self.corpus = corpus
        self.shop_values = dict(shop_values)
        self.hub = hub
        self.tracker_api = tracker_api

    async def tell_rasa(self, conversation_id: str, text: str, order: "Order") -> None:
        """Put the message and the order into Rasa's tracker, so the bot answers the buyer's
        next words knowing which item and order they are about ("能便宜点吗", "改个地址")."""
        if self.tracker_api is None:
            return
        events = [
            {"event": "bot", "text": text},
            {"event": "slot", "name": "sku", "value": order.sku},
            {"event": "slot", "name": "order_id", "value": order.order_id},
        ]
        try:
            await self.tracker_api.append(conversation_id, events)
        except Exception as exc:  # the buyer already has the message; the context is a bonus
            log.warning("order context not added to Rasa's tracker for %s: %s", conversation_id, exc)

    async def send(
        self, conversation_id: str, script_id: str, values: Mapping[str, Any], order: "Order | None" = None, **meta: Any
    ) -> dict[str, Any] | None:
        avoid = await self.store.last_variant(conversation_id, script_id)
        rendered = self.corpus.render(script_id, {**self.shop_values, **values}, avoid_variant=avoid)
        if rendered is None:
            return None
        message = {"sender": "bot", "text": rendered.text, "buttons": rendered.buttons, "script": script_id, **meta}
        await self.store.append_message(conversation_id, message)
        await self.store.set_last_variant(conversation_id, script_id, rendered.variant)
        if order is not None:
            await self.tell_rasa(conversation_id, rendered.text, order)
        if self.hub is not None:
            from bot.pubsub import buyer_channel

            mode = await self.store.get_mode(conversation_id)
            await self.hub.publish(buyer_channel(conversation_id), {"push": True, "mode": mode, "messages": [message]})
        return message


class OrderService:
    """Order events in, reminders and confirmations out."""

    def __init__(
        self,
        orders: RedisOrderStore,
        scheduler: "ReminderScheduler",
        messages: BuyerMessages,
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
        order_id = _text(body, "order_id", limit=64)
        if event == "order_shipped":
            tracking = _text(body, "tracking_number", required=False, limit=40)
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
            await self.scheduler.cancel(order_id)
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
        return {"order_id": order.order_id, "status": order.status, "changed": True, "reminder_due": due}


def open_orders(
    store: "Store",
    corpus: "ScriptCorpus",
    shop: "Shop",
    hub: Any = None,
    clock: Callable[[], float] = app_clock.now,
    tracker_api: Any = None,
    **scheduler_options: Any,
) -> OrderService | None:
    """The order service on the store's Redis; None for the in-memory demo store (the
    schedule must outlive the process, so there is no memory version)."""
    from bot.reminders import ReminderScheduler
    from bot.store import RedisStore

    if not isinstance(store, RedisStore):
        return None
    orders = RedisOrderStore(store.redis, store.prefix)
    messages = BuyerMessages(store, corpus, {"shop_name": shop.name}, hub, tracker_api)
    scheduler = ReminderScheduler(store.redis, store.prefix, orders, messages, shop, clock=clock, **scheduler_options)
    return OrderService(orders, scheduler, messages, shop, clock=clock)
