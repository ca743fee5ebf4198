"""Helpers (no tests) shared by the order and reminder tests: the real shop, a clock the test moves, orders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.infra.outbound import Outbound
from bot.infra.store import RedisStore
from bot.orders.service import open_orders
from tests.conftest import REDIS_URL
from xiaoer.scripts import ScriptCorpus
from xiaoer.shop import ReminderPolicy, load_shop

ROOT = Path(__file__).resolve().parents[2]
SHOP = load_shop(ROOT / "shop")
TZ = ZoneInfo(SHOP.timezone)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds for a shop-local time in November 2026."""
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=TZ).timestamp()


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, minutes: float = 0, hours: float = 0) -> None:
        self.t += minutes * 60 + hours * 3600


def shop_with(cap: int | None = None, promotion: bool | None = None):
    shop = SHOP
    if cap is not None:
        shop = dataclasses.replace(shop, reminders=ReminderPolicy(
            shop.reminders.delay_minutes, shop.reminders.quiet_hours, cap))
    if promotion is not None:
        shop = dataclasses.replace(shop, promotion=dataclasses.replace(shop.promotion, enabled=promotion))
    return shop


def new_conversation() -> str:
    return f"buyer-{uuid.uuid4().hex[:12]}"


def order_body(conversation_id: str, order_id: str | None = None, **changes) -> dict:
    body = {
        "order_id": order_id or f"T{uuid.uuid4().hex[:10]}",
        "conversation_id": conversation_id,
        "sku": "JN-2801",
        "size": "L",
        "colour": "深蓝",
        "quantity": 2,
        "contact": "林晓",
        "phone": "13800001234",
        "address": "浙江省杭州市西湖区文三路 88 号",
        "courier": "顺丰",
        "remarks": "请不要放快递柜",
    }
    body.update(changes)
    return body


def open_service(prefix: str, clock: Clock, shop=SHOP, **options):
    """A gateway's order service: its own Redis connection, as a replica would have."""
    store = RedisStore(REDIS_URL, prefix=prefix)
    outbound = Outbound(ScriptCorpus(ROOT / "scripts_zh"), store, None, {"shop_name": shop.name})
    return store, open_orders(outbound, shop, clock=clock, **options)


def reminders_in(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("reminder_for")]
