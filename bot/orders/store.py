"""The demo shop's order store: one JSON value per order in Redis, changed atomically.

A real platform (Taobao, Youzan, ...) implements :class:`bot.orders.model.ShopAdapter`
instead; ``tools/demo_orders.py`` creates and pays demo orders. An order expires after the
shop's retention (shop.yml's retention_days) counted from its last change.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.orders.model import TRANSITIONS, Order, OrderConflict, UnknownOrder
from xiaoer.order_access import order_key
from xiaoer.shop.model import DEFAULT_RETENTION_S

# Move an order to a new status only from the allowed ones, in one step, so two replicas
# handling a retried webhook cannot both act on it. Returns the old status (or nil).
# ARGV: new status, changes (JSON), retention (seconds), then the allowed old statuses.
_TRANSITION = """
local data = redis.call('GET', KEYS[1])
if not data then return nil end
local order = cjson.decode(data)
local old = order['status']
if old == ARGV[1] then return old end
for i = 4, #ARGV do
  if ARGV[i] == old then
    order['status'] = ARGV[1]
    local extra = cjson.decode(ARGV[2])
    for k, v in pairs(extra) do order[k] = v end
    redis.call('SET', KEYS[1], cjson.encode(order), 'EX', ARGV[3])
    return old
  end
end
return '!' .. old
"""


class RedisOrderStore:
    """The demo shop's embedded order store: one JSON value per order in Redis."""

    def __init__(self, redis: Any, prefix: str, retention_s: int = DEFAULT_RETENTION_S) -> None:
        self.redis = redis
        self.prefix = prefix
        self.retention_s = int(retention_s)
        self._transition = redis.register_script(_TRANSITION)

    def _key(self, order_id: str) -> str:
        return order_key(self.prefix, order_id)

    async def get_order(self, order_id: str) -> Order | None:
        raw = await self.redis.get(self._key(order_id))
        return Order(**json.loads(raw)) if raw else None

    async def add(self, order: Order) -> bool:
        """Store a new order; False (and nothing changed) when the id exists already."""
        data = json.dumps(asdict(order), ensure_ascii=False)
        return bool(await self.redis.set(self._key(order.order_id), data, nx=True, ex=self.retention_s))

    async def transition(self, order_id: str, event: str, **changes: Any) -> tuple[Order, bool]:
        """Apply an event; (order, changed). Repeating an event changes nothing (webhook retries)."""
        status, allowed = TRANSITIONS[event]
        old = await self._transition(
            keys=[self._key(order_id)], args=[status, json.dumps(changes), self.retention_s, *allowed])
        if old is None:
            raise UnknownOrder(order_id)
        old = old.decode() if isinstance(old, bytes) else old
        if old.startswith("!"):
            raise OrderConflict(f"order {order_id} is {old[1:]}; {event} needs it to be {' or '.join(allowed)}")
        order = await self.get_order(order_id)
        assert order is not None
        return order, old != status

    def _delivery_key(self, delivery: str) -> str:
        return f"{self.prefix}:webhook_delivery:{delivery}"

    async def claim_delivery(self, delivery: str, ttl: int) -> bool:
        """Record a webhook delivery id for ``ttl`` seconds; False when it is recorded already."""
        return bool(await self.redis.set(self._delivery_key(delivery), "1", nx=True, ex=ttl))

    async def release_delivery(self, delivery: str) -> None:
        """Forget a delivery id, so the platform's retry of it is handled."""
        await self.redis.delete(self._delivery_key(delivery))
