"""Payment reminders (催付) kept in Redis, so a restart or a second gateway neither loses
nor repeats one, and none goes out in quiet hours.

Keys, under the store's prefix:

- ``reminders:due``      sorted set, order id -> when it may be sent (epoch seconds)
- ``reminders:claimed``  sorted set, order id -> when the claim lapses (a crashed sender's
  reminders go back to ``due`` then, so none is lost)
- ``reminder:{order}``   hash: conversation, kind, script, sent_at (sent once, ever),
  cancelled_at (paid, cancelled or the buyer wrote), sending (the lease of the sender past
  the last check)
- ``reminders:conv:{conversation}``  set of order ids waiting (a buyer message cancels them)
- ``reminders:sent_to:{conversation}``  sorted set, order id -> sent_at (the 24 h cap)
- ``metrics:reminders``  hash: ``sent:{script}``, ``paid_24h:{script}``, ``capped:{script}``

A reminder's record and the buyer's waiting set expire after the shop's retention
(shop.yml's retention_days) from their last change, the sent-to set after the 24 h cap's
two days (or the retention, if shorter); a paid or cancelled order leaves the waiting set.

The rules are plain functions (:func:`release_time`, :func:`cap_allows`,
:func:`reminder_script`); :class:`ReminderScheduler` applies them with an injected clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Callable, Iterable

from bot.infra.background import stop_task
from bot.orders.store import RedisOrderStore
from xiaoer import clock as app_clock
from xiaoer.order_access import order_key
from xiaoer.shop import TimeWindow
from xiaoer.shop.model import DEFAULT_RETENTION_S

if TYPE_CHECKING:
    from bot.orders.messages import OrderMessages
    from bot.orders.model import Order, ShopAdapter
    from xiaoer.shop import Shop

log = logging.getLogger(__name__)

DAY = 24 * 3600
SENT_TO_KEPT = 2 * DAY  # the 24 h cap looks one day back
# The gateway renders these (no Rasa round trip); one per kind, the variant counted in metrics.
SCRIPT_SILENT = "utter_payment_reminder_silent"  # ordered without chatting
SCRIPT_CHATTED = "utter_payment_reminder_chatted"  # ordered after chatting
SCRIPT_PROMOTION = "utter_payment_reminder_promotion"  # promotion mode: urgency
SCRIPTS = (SCRIPT_SILENT, SCRIPT_CHATTED, SCRIPT_PROMOTION)
# script-values: utter_payment_reminder_silent: item, size, colour, quantity, address, ship_hours
# script-values: utter_payment_reminder_chatted: item, size, colour, quantity, address, ship_hours
# script-values: utter_payment_reminder_promotion: item, size, colour, quantity, address, ship_hours


# --------------------------------------------------------------------------- rules


def release_time(due: float, quiet: TimeWindow, tz: dt.tzinfo) -> float:
    """``due`` itself, or the end of the quiet hours it falls in (held until morning)."""
    local = dt.datetime.fromtimestamp(due, tz)
    if not quiet.contains(local.time()):
        return due
    end = dt.datetime.combine(local.date(), quiet.end, tzinfo=tz)
    if end <= local:  # 23:30 in a 23:00-09:00 window ends tomorrow morning
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), quiet.end, tzinfo=tz)
    return end.timestamp()


def cap_allows(sent_at: Iterable[float], now: float, cap: int) -> bool:
    """May one more reminder go to this buyer, given when the earlier ones went?"""
    return sum(1 for t in sent_at if now - DAY < t <= now) < cap


def reminder_script(chatted: bool, promotion: bool) -> str:
    """Which reminder: urgency in promotion mode, else by whether the buyer chatted first."""
    if promotion:
        return SCRIPT_PROMOTION
    return SCRIPT_CHATTED if chatted else SCRIPT_SILENT


# --------------------------------------------------------------------------- Redis scripts

# Hand out due reminders, each to exactly one caller: move them from due to claimed with
# a lease. Lapsed claims (their sender died) are due again first.
_CLAIM = """
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(lapsed) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], ARGV[1], id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], ARGV[2], id)
end
return ids
"""

# Take a place under the buyer's 24 h cap. 2: this order has its place already (a sender
# died after taking it), 1: taken now, 0: the cap is full. ARGV: order, now, cap, expiry.
_RESERVE = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 2 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - 86400)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# The last check before delivering, in one step so a payment, cancellation or buyer message
# cannot land between it and the send: never sent, not cancelled, the order still unpaid
# in the order store (when it is there), and still claimed with this sender's lease; then
# mark it as being sent. A cancelled or paid one is dropped and its cap place given back,
# unless another sender got past this check (it may be delivering it).
_GATE = """
if redis.call('HEXISTS', KEYS[2], 'sent_at') == 1 then return 'sent' end
local stop = nil
if redis.call('HEXISTS', KEYS[2], 'cancelled_at') == 1 then
  stop = 'cancelled'
elseif ARGV[3] == '1' then
  local data = redis.call('GET', KEYS[3])
  if not data then
    stop = 'gone'
  elseif cjson.decode(data)['status'] ~= 'unpaid' then
    stop = 'not unpaid'
  end
end
if stop then
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[5], ARGV[1])
  local sending = redis.call('HGET', KEYS[2], 'sending')
  if not sending or tonumber(sending) == tonumber(ARGV[2]) then
    redis.call('ZREM', KEYS[6], ARGV[1])
  end
  return stop
end
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not lease or tonumber(lease) ~= tonumber(ARGV[2]) then return 'lost' end
redis.call('HSET', KEYS[2], 'sending', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 'ok'
"""

# Record the sending once and count it once, and drop the reminder from the schedule.
# ARGV: order, now, script, the record's expiry. Returns 1 when this call recorded it.
_FINISH = """
local recorded = 0
if redis.call('HSETNX', KEYS[1], 'sent_at', ARGV[2]) == 1 then
  redis.call('HSET', KEYS[1], 'script', ARGV[3])
  redis.call('HINCRBY', KEYS[2], 'sent:' .. ARGV[3], 1)
  recorded = 1
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
return recorded
"""


class ReminderScheduler:
    """Schedules, claims and sends payment reminders; any number may run on one Redis."""

    def __init__(
        self,
        redis: Any,
        prefix: str,
        orders: "ShopAdapter",
        messages: "OrderMessages",
        shop: "Shop",
        clock: Callable[[], float] = app_clock.now,
        lease_seconds: float = 120.0,
        interval: float = 5.0,
        batch: int = 50,
        retention_s: int = DEFAULT_RETENTION_S,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.orders = orders
        self.messages = messages
        self.shop = shop
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.interval = interval
        self.batch = batch
        self.retention_s = int(retention_s)
        self._claim = redis.register_script(_CLAIM)
        self._reserve = redis.register_script(_RESERVE)
        self._finish = redis.register_script(_FINISH)
        self._gate = redis.register_script(_GATE)
        # The demo store keeps orders in this Redis, so the last check re-reads the status;
        # a platform's orders are not there (its payments still reach cancel()).
        self._order_prefix = orders.prefix if isinstance(orders, RedisOrderStore) else None
        self._task: asyncio.Task | None = None

    # ---- keys
    @property
    def due_key(self) -> str:
        return f"{self.prefix}:reminders:due"

    @property
    def claimed_key(self) -> str:
        return f"{self.prefix}:reminders:claimed"

    @property
    def metrics_key(self) -> str:
        return f"{self.prefix}:metrics:reminders"

    def record_key(self, order_id: str) -> str:
        return f"{self.prefix}:reminder:{order_id}"

    def waiting_key(self, conversation_id: str) -> str:
        return f"{self.prefix}:reminders:conv:{conversation_id}"

    def sent_to_key(self, conversation_id: str) -> str:
        return f"{self.prefix}:reminders:sent_to:{conversation_id}"

    # ---- schedule and cancel
    async def schedule(self, order: "Order", chatted: bool) -> float:
        """Schedule the reminder for a new unpaid order; returns when it is due."""
        policy = self.shop.reminders
        due = release_time(order.created_at + policy.delay_minutes * 60, policy.quiet_hours, self.shop.tz)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.record_key(order.order_id), mapping={
            "conversation_id": order.conversation_id, "kind": "chatted" if chatted else "silent",
        })
        pipe.expire(self.record_key(order.order_id), self.retention_s)
        pipe.sadd(self.waiting_key(order.conversation_id), order.order_id)
        pipe.expire(self.waiting_key(order.conversation_id), self.retention_s)
        pipe.zadd(self.due_key, {order.order_id: due})
        await pipe.execute()
        return due

    def _mark_cancelled(self, pipe: Any, order_id: str) -> None:
        # The marker a sender's last check (_GATE) sees, even one already inside _send.
        pipe.hset(self.record_key(order_id), "cancelled_at", self.clock())
        pipe.expire(self.record_key(order_id), self.retention_s)

    async def cancel(self, order_id: str, conversation_id: str | None = None) -> None:
        """Paid or cancelled: no reminder, and the order leaves its buyer's waiting set
        (the buyer's conversation: given, else the one its reminder was scheduled for)."""
        if conversation_id is None:
            conversation_id = await self.redis.hget(self.record_key(order_id), "conversation_id")
            if isinstance(conversation_id, bytes):
                conversation_id = conversation_id.decode()
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(self.due_key, order_id)
        pipe.zrem(self.claimed_key, order_id)
        if conversation_id:
            pipe.srem(self.waiting_key(conversation_id), order_id)
        self._mark_cancelled(pipe, order_id)
        await pipe.execute()

    async def cancel_for_buyer_message(self, conversation_id: str) -> int:
        """The buyer wrote: their waiting reminders are not needed. Returns how many went."""
        key = self.waiting_key(conversation_id)
        order_ids = await self.redis.smembers(key)
        if not order_ids:
            return 0
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(self.due_key, *order_ids)
        pipe.zrem(self.claimed_key, *order_ids)
        # only these: an order scheduled meanwhile came after the message and keeps its reminder
        pipe.srem(key, *order_ids)
        for order_id in order_ids:
            self._mark_cancelled(pipe, order_id)
        due, claimed = (await pipe.execute())[:2]
        return int(due) + int(claimed)

    async def record_payment(self, order_id: str, paid_at: float) -> None:
        """Count a payment within 24 h of this order's reminder, for its script variant."""
        sent_at, script = await self.redis.hmget(self.record_key(order_id), "sent_at", "script")
        if sent_at and script and 0 <= paid_at - float(sent_at) <= DAY:
            await self.redis.hincrby(self.metrics_key, f"paid_24h:{script}", 1)
            await self.messages.outbound.stats.reminder_paid(script)

    async def metrics(self) -> dict[str, dict[str, int]]:
        raw = await self.redis.hgetall(self.metrics_key)
        out = {script: {"sent": 0, "paid_within_24h": 0, "capped": 0} for script in SCRIPTS}
        names = {"sent": "sent", "paid_24h": "paid_within_24h", "capped": "capped"}
        for field, value in raw.items():
            kind, _, script = field.partition(":")
            if kind in names:
                out.setdefault(script, {"sent": 0, "paid_within_24h": 0, "capped": 0})[names[kind]] = int(value)
        return out

    # ---- sending
    async def run_once(self) -> list[str]:
        """Send what is due now; returns the order ids whose reminder went out."""
        now = self.clock()
        lease = now + self.lease_seconds
        claimed = await self._claim(keys=[self.due_key, self.claimed_key], args=[now, lease, self.batch])
        sent = []
        for order_id in claimed:
            try:
                if await self._send(order_id, now, lease):
                    sent.append(order_id)
            except Exception:  # one broken order must not stop the others; its claim lapses and it is retried
                log.exception("payment reminder for order %s failed; it will be retried", order_id)
        return sent

    async def _drop(self, order_id: str, conversation_id: str | None) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(self.claimed_key, order_id)
        if conversation_id:
            pipe.srem(self.waiting_key(conversation_id), order_id)
        await pipe.execute()

    async def _send(self, order_id: str, now: float, lease: float) -> bool:
        order = await self.orders.get_order(order_id)
        record = await self.redis.hgetall(self.record_key(order_id))
        if order is None or order.status != "unpaid" or record.get("sent_at") or record.get("cancelled_at"):
            await self._drop(order_id, order.conversation_id if order else None)
            return False
        policy = self.shop.reminders
        later = release_time(now, policy.quiet_hours, self.shop.tz)
        if later > now:  # the schedulers were down until the night: hold until morning
            pipe = self.redis.pipeline(transaction=True)
            pipe.zrem(self.claimed_key, order_id)
            pipe.zadd(self.due_key, {order_id: later})
            await pipe.execute()
            return False
        conversation_id = order.conversation_id
        script = reminder_script(record.get("kind") == "chatted", self.shop.promotion.enabled)
        place = await self._reserve(keys=[self.sent_to_key(conversation_id)], args=[
            order_id, now, policy.max_per_buyer_per_24h, min(SENT_TO_KEPT, self.retention_s)])
        if place == 0:  # cap reached: a reminder a day late helps nobody, so it is dropped
            await self.redis.hincrby(self.metrics_key, f"capped:{script}", 1)
            await self._drop(order_id, conversation_id)
            return False
        # place 2: a sender died after taking the place; it may have written the message.
        if place == 1 or not await self._already_in_log(conversation_id, order_id):
            # Paid, cancelled or answered since the read above: no reminder.
            if not await self._still_to_send(order_id, conversation_id, lease):
                return False
            values = {
                "item": order.item, "size": order.size, "colour": order.colour,
                "quantity": order.quantity, "address": order.address,
                "ship_hours": self.shop.ship_hours(),
            }
            message = await self.messages.send(conversation_id, script, values, order, reminder_for=order_id)
            if message is None:  # the script is missing or broken: give the buyer's place back
                log.error("payment reminder %s could not be rendered; order %s gets none", script, order_id)
                await self.redis.zrem(self.sent_to_key(conversation_id), order_id)
                await self._drop(order_id, conversation_id)
                return False
        recorded = await self._finish(
            keys=[self.record_key(order_id), self.metrics_key, self.due_key, self.claimed_key, self.waiting_key(conversation_id)],
            args=[order_id, now, script, self.retention_s],
        )
        if recorded:  # counted once, whichever sender finished it
            await self.messages.outbound.stats.reminder_sent(script)
        return True

    async def _still_to_send(self, order_id: str, conversation_id: str, lease: float) -> bool:
        order_store_key = order_key(self._order_prefix or self.prefix, order_id)
        verdict = await self._gate(
            keys=[self.claimed_key, self.record_key(order_id), order_store_key, self.due_key,
                  self.waiting_key(conversation_id), self.sent_to_key(conversation_id)],
            args=[order_id, lease, "1" if self._order_prefix is not None else "0", self.retention_s],
        )
        verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
        if verdict != "ok":
            log.info("payment reminder for order %s not sent: %s", order_id, verdict)
        return verdict == "ok"

    async def _already_in_log(self, conversation_id: str, order_id: str) -> bool:
        recent = await self.messages.store.messages(conversation_id, limit=100)
        return any(m.get("reminder_for") == order_id for m in recent)

    # ---- background loop
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="payment-reminders")

    async def stop(self) -> bool:
        """Stop the loop wherever it is (between rounds, in Redis, mid-send), so a shutdown
        never hangs on it; True when it ended. A reminder cut off mid-send keeps its claim,
        which lapses: the next round anywhere sends it, once."""
        task, self._task = self._task, None
        return await stop_task(task, "the payment reminder loop")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # Redis down for a moment: try again next round
                log.exception("payment reminder round failed")
            await asyncio.sleep(self.interval)
