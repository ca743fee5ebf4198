"""The shop's day in numbers, shared by every gateway: what the manager's dashboard shows.

Each event is counted where it happens (one call each) into this process's Prometheus
metrics (bot/infra/metrics.py) and into counters of the shop's day (its own time zone, on the
app's one clock), kept in Redis so every gateway adds to the same day:

- ``{prefix}:stats:{YYYY-MM-DD}``: a hash of counts, named by :data:`FIELDS` and these
  patterns: ``hour:{HH}:messages|conversations|handoffs``, ``handoff:{reason}``,
  ``wait:{bucket}``, ``latency:{bucket}``, ``script:{id}`` (replies sent),
  ``script_conversations:{id}`` (conversations that heard it), ``script_person:{id}``
  (of those, handed to a person that day), ``reminders_sent:{script}``, ``reminders_paid:{script}``;
- ``{prefix}:stats:{day}:conversations`` and ``...:handed_off``: sets of digests of the day's
  conversation ids (a conversation counts once a day; the ids themselves are not kept).

The keys expire after the shop's retention (shop.yml's retention_days). On the memory store
the counts live in this process. Counting never stands in the buyer's way: a failure is
logged and the count is lost.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import logging
import time
from collections import defaultdict
from typing import Any, Callable, Iterable

from bot.infra import metrics
from xiaoer import clock as app_clock
from xiaoer.shop.model import DEFAULT_RETENTION_S

log = logging.getLogger(__name__)

# Replies that say the bot did not understand (the trainers' review list takes the same).
FALLBACK_SCRIPTS = frozenset({"utter_ask_rephrase", "utter_out_of_scope", "utter_handoff_after_failures"})
REPLY_GOAL_S = 30  # seed 001: 30 s, for at least 90% of replies
# Upper ends (seconds) of the dashboard's bars; the last bar is everything longer.
LATENCY_EDGES = (1, 3, 10, 30)
WAIT_EDGES = (60, 180, 600, 1800)
MEMORY_DAYS = 400  # days the memory counts keep (a demo never runs that long)


def bucket(seconds: float, edges: tuple[int, ...]) -> str:
    """The bar a duration falls in: "le{edge}" for the first edge it does not pass, else "over"."""
    index = bisect.bisect_left(edges, seconds)
    return f"le{edges[index]}" if index < len(edges) else "over"


def digest(conversation_id: str) -> str:
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


class MemoryDays:
    """The day counters in this process (the memory store)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.sets: dict[tuple[str, str], set[str]] = defaultdict(set)

    async def add(self, day: str, fields: dict[str, int], member: tuple[str, str] | None = None) -> bool:
        """Count ``fields``; with ``member`` (set, value), also add it and say whether it was new."""
        new = False
        if member is not None:
            before = len(self.sets[(day, member[0])])
            self.sets[(day, member[0])].add(member[1])
            new = len(self.sets[(day, member[0])]) > before
        for field, step in fields.items():
            self.counts[day][field] += step
        for old in sorted(self.counts)[:-MEMORY_DAYS]:
            del self.counts[old]
            for name in [name for name in self.sets if name[0] == old]:
                del self.sets[name]
        return new

    async def day(self, day: str) -> dict[str, int]:
        return dict(self.counts.get(day, {}))


class RedisDays:
    """The day counters in Redis, shared by every gateway on the prefix."""

    def __init__(self, redis: Any, prefix: str, retention_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.retention_s = int(retention_s)

    def key(self, day: str, part: str = "") -> str:
        return f"{self.prefix}:stats:{day}" + (f":{part}" if part else "")

    async def add(self, day: str, fields: dict[str, int], member: tuple[str, str] | None = None) -> bool:
        pipe = self.redis.pipeline(transaction=True)
        if member is not None:
            pipe.sadd(self.key(day, member[0]), member[1])
            pipe.expire(self.key(day, member[0]), self.retention_s)
        for field, step in fields.items():
            pipe.hincrby(self.key(day), field, step)
        pipe.expire(self.key(day), self.retention_s)
        done = await pipe.execute()
        return member is not None and bool(done[0])

    async def day(self, day: str) -> dict[str, int]:
        return {field: int(value) for field, value in (await self.redis.hgetall(self.key(day))).items()}


class ShopStats:
    """The events the dashboard and /metrics count, each called once where it happens."""

    def __init__(self, days: MemoryDays | RedisDays | None = None, tz: dt.tzinfo = dt.timezone.utc,
                 clock: Callable[[], float] | None = None) -> None:
        self.days = days or MemoryDays()
        self.tz = tz
        self.clock = clock or (lambda: app_clock.now())  # looked up at each call: a test may move it

    @classmethod
    def for_store(cls, store: Any, tz: dt.tzinfo, retention_s: int = DEFAULT_RETENTION_S) -> "ShopStats":
        """Counted where the store keeps things: its Redis, else this process."""
        redis = getattr(store, "redis", None)
        days = RedisDays(redis, store.prefix, retention_s) if redis is not None else MemoryDays()
        return cls(days, tz)

    def when(self, at: float | None = None) -> tuple[str, str]:
        """The shop's day (YYYY-MM-DD) and hour (HH) now, or at ``at``."""
        local = dt.datetime.fromtimestamp(self.clock() if at is None else at, self.tz)
        return local.date().isoformat(), f"{local.hour:02d}"

    async def _add(self, fields: dict[str, int], member: tuple[str, str] | None = None,
                   then: Callable[[], dict[str, int]] | None = None) -> None:
        """Count fields on the day; ``then`` gives more when ``member`` was new to its set."""
        day, _ = self.when()
        try:
            if await self.days.add(day, fields, member) and then is not None:
                await self.days.add(day, then())
        except Exception as exc:  # a lost count must never cost a buyer their answer
            log.warning("a count of the shop's day was lost: %s", exc)

    async def day(self, day: str) -> dict[str, int]:
        return await self.days.day(day)

    # ---- the events

    async def buyer_message(self, conversation_id: str) -> None:
        """A buyer's message reached a turn; the first of its conversation today starts one."""
        metrics.BUYER_MESSAGES.inc()
        _, hour = self.when()

        def started() -> dict[str, int]:
            metrics.CONVERSATIONS.inc()
            return {"conversations": 1, f"hour:{hour}:conversations": 1}

        await self._add({"messages": 1, f"hour:{hour}:messages": 1},
                        ("conversations", digest(conversation_id)), started)

    @staticmethod
    def timer() -> float:
        """A start for :meth:`replied_since` (durations need no shop time: a steady clock)."""
        return time.monotonic()

    async def replied_since(self, started: float, answered: bool = True) -> None:
        """The turn begun at ``started`` (:meth:`timer`) is over; it answered the buyer, or
        said nothing (a person has the conversation: theirs is the answer)."""
        if answered:
            await self.replied(time.monotonic() - started)

    async def replied(self, seconds: float) -> None:
        """The gateway answered a buyer's message after ``seconds``."""
        metrics.REPLY_LATENCY.observe(seconds)
        fields = {"replies": 1, f"latency:{bucket(seconds, LATENCY_EDGES)}": 1}
        if seconds <= REPLY_GOAL_S:
            fields["replies_within_goal"] = 1
        await self._add(fields)

    async def script_sent(self, script_id: str, first_in_conversation: bool) -> None:
        """A reply rendered from a script; the first of it a conversation hears counts that one."""
        metrics.REPLIES.labels(script_id).inc()
        fields = {f"script:{script_id}": 1}
        if first_in_conversation:
            fields[f"script_conversations:{script_id}"] = 1
        if script_id in FALLBACK_SCRIPTS:
            metrics.FALLBACKS.labels(script_id).inc()
            fields["fallbacks"] = 1
        await self._add(fields)

    def intent(self, name: object) -> None:
        """The NLU's intent for a buyer's message (Prometheus only: the dashboard has scripts)."""
        metrics.INTENT_MESSAGES.labels(metrics.intent_label(name)).inc()

    async def handed_off(self, conversation_id: str, reason: str, scripts_heard: Iterable[str]) -> None:
        """A case opened for the conversation; the scripts it heard ended with a person."""
        reason = metrics.reason_label(reason)
        metrics.HANDOFFS.labels(reason).inc()
        _, hour = self.when()
        heard = list(scripts_heard)

        def first_today() -> dict[str, int]:
            return {"handed_off": 1, **{f"script_person:{script}": 1 for script in heard}}

        await self._add({f"handoff:{reason}": 1, f"hour:{hour}:handoffs": 1},
                        ("handed_off", digest(conversation_id)), first_today)

    async def waited(self, seconds: float) -> None:
        """A buyer waited ``seconds`` in the line before an agent took the case."""
        seconds = max(0.0, seconds)
        metrics.WAITING.observe(seconds)
        await self._add({"waits": 1, "wait_seconds": round(seconds), f"wait:{bucket(seconds, WAIT_EDGES)}": 1})

    async def reminder_sent(self, script_id: str) -> None:
        metrics.REMINDERS_SENT.labels(script_id).inc()
        await self._add({f"reminders_sent:{script_id}": 1})

    async def reminder_paid(self, script_id: str) -> None:
        """An order paid within 24 h of its reminder (counted on the day of the payment)."""
        metrics.REMINDER_PAYMENTS.labels(script_id).inc()
        await self._add({f"reminders_paid:{script_id}": 1})
