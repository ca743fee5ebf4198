"""The order store, as the action server reads it: one order by its number, and the count of
wrong phone digits given for it (xiaoer/order_access.py). The demo store is the gateway's
Redis (bot/orders/store.py); a shop platform would answer here instead.

``XIAOER_ORDERS_URL`` (default ``REDIS_URL``) and ``XIAOER_KEY_PREFIX`` say where it is. A
client is opened per lookup, never at import: order lookups are rare next to messages.
"""

from __future__ import annotations

import json
import os
from typing import Any, Awaitable, Callable

from xiaoer.order_access import CHECK_WINDOW_S, failed_checks_key, order_key

TIMEOUT_S = 2.0


class OrderStoreDown(RuntimeError):
    """The order store did not answer; the buyer is told so and a person checks."""


def _client() -> Any:
    import redis.asyncio as redis  # the Rasa environment's redis; imported when first used

    url = os.environ.get("XIAOER_ORDERS_URL") or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)


def _prefix() -> str:
    return os.environ.get("XIAOER_KEY_PREFIX", "xiaoer")


async def _run(work: Callable[[Any], Awaitable[Any]]) -> Any:
    from redis.exceptions import RedisError

    client = _client()
    try:
        return await work(client)
    except (RedisError, OSError) as exc:
        raise OrderStoreDown(str(exc)) from exc
    finally:
        await client.close()


async def find_order(order_id: str) -> dict[str, Any] | None:
    raw = await _run(lambda client: client.get(order_key(_prefix(), order_id)))
    return json.loads(raw) if raw else None


async def failed_checks(order_id: str) -> int:
    return int(await _run(lambda client: client.get(failed_checks_key(_prefix(), order_id))) or 0)


async def record_failed_check(order_id: str) -> int:
    """One more wrong answer for this order; the count within the window (from the first)."""
    key = failed_checks_key(_prefix(), order_id)

    async def count(client: Any) -> int:
        counted = int(await client.incr(key))
        if counted == 1:
            await client.expire(key, CHECK_WINDOW_S)
        return counted

    return await _run(count)
