"""Counts in fixed windows, shared by every gateway through Redis or kept in this process: the
sign-in throttle counts failed sign-ins in them, the buyer API's limits count messages.

A key's window opens with its first count and lasts ``window_s`` seconds; the count ends with
it. Time is the app's clock (xiaoer/clock.py), passed in, so a test moves it instead of
waiting. One call counts on several keys at once, all or none: with limits, nothing is counted
when any key has reached its limit (a refused message uses up no allowance).

In Redis a key is a hash ``{n: count, ends: the window's end}`` whose expiry is set to the
window's end, so a key outlives its window by nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from bot.infra.store import RedisStore, StoreUnavailable
from xiaoer import clock as app_clock

MEMORY_KEYS = 10_000  # past this, the memory counts drop their ended windows


@dataclass(frozen=True)
class Counter:
    """One key of a call: refused at ``limit`` counts (0: no limit), counted by ``step``."""

    key: str
    limit: int = 0
    step: int = 1


@dataclass(frozen=True)
class Tally:
    count: int  # in the key's window, this call's step included when it counted
    left: int  # seconds until the window ends; the whole window when none is open

    def full(self, limit: int) -> bool:
        return 0 < limit <= self.count


@dataclass(frozen=True)
class Outcome:
    counted: bool  # False: a key was at its limit and nothing was counted
    tallies: list[Tally]

    def wait(self, counters: list[Counter]) -> int:
        """Seconds until every full key's window has ended."""
        return max((t.left for c, t in zip(counters, self.tallies, strict=True) if t.full(c.limit)), default=0)


def app_time() -> float:
    """The app's clock, looked up at each call (a test may move xiaoer.clock.now)."""
    return app_clock.now()


def _seconds(left: float) -> int:
    return max(1, math.ceil(left))


# KEYS: the counters. ARGV: now, window seconds, then each key's limit (0: none) and step.
# Returns 1 when it counted (else 0), then each key's count and the milliseconds left.
_TALLY = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local counts, ends, counted = {}, {}, 1
for i, key in ipairs(KEYS) do
  local found = redis.pcall('HMGET', key, 'n', 'ends')
  if found.err then  -- a count from before they were hashes (a plain number): start afresh
    redis.call('DEL', key)
    found = {false, false}
  end
  local n, e = tonumber(found[1]) or 0, tonumber(found[2]) or 0
  if e <= now then n, e = 0, now + window end
  counts[i], ends[i] = n, e
  local limit = tonumber(ARGV[1 + 2 * i])
  if limit > 0 and n >= limit then counted = 0 end
end
local out = {counted}
for i, key in ipairs(KEYS) do
  local step = tonumber(ARGV[2 + 2 * i])
  local ms = math.max(1, math.ceil((ends[i] - now) * 1000))
  if counted == 1 and step > 0 then
    counts[i] = counts[i] + step
    redis.call('HSET', key, 'n', counts[i], 'ends', string.format('%.3f', ends[i]))
    redis.call('PEXPIRE', key, ms)
  end
  out[#out + 1] = counts[i]
  out[#out + 1] = ms
end
return out
"""


class RedisWindows:
    """Counts in Redis, shared by every gateway on it."""

    def __init__(self, store: RedisStore, clock: Callable[[], float]) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self.store = store
        self.clock = clock
        self._tally = store.redis.register_script(_TALLY)  # sent by its hash (EVALSHA), not in full

    def key(self, *parts: str) -> str:
        return ":".join((self.store.prefix, *parts))

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except self._errors as exc:  # refuse rather than let everything through uncounted
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def tally(self, counters: list[Counter], window_s: int) -> Outcome:
        args: list[Any] = [f"{self.clock():.3f}", window_s]
        for counter in counters:
            args += [counter.limit, counter.step]
        found = await self._call(self._tally(keys=[c.key for c in counters], args=args))
        tallies = [Tally(int(n), _seconds(int(ms) / 1000)) for n, ms in zip(found[1::2], found[2::2], strict=True)]
        return Outcome(found[0] == 1, tallies)

    async def clear(self, key: str) -> None:
        await self._call(self.store.redis.delete(key))


class MemoryWindows:
    """The same counts in this process, for a gateway on the memory store."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._counts: dict[str, tuple[int, float]] = {}  # key: (count, window's end)

    def key(self, *parts: str) -> str:
        return ":".join(parts)

    async def tally(self, counters: list[Counter], window_s: int) -> Outcome:
        # nothing is awaited here: on one event loop the check and the count are one step
        now = self.clock()
        if len(self._counts) > MEMORY_KEYS:  # many addresses or ids must not grow this without end
            for key in [k for k, (_, end) in self._counts.items() if end <= now]:
                del self._counts[key]
        open_ = []
        for counter in counters:
            count, end = self._counts.get(counter.key, (0, now))
            open_.append((count, end) if end > now else (0, now + window_s))
        counted = not any(0 < c.limit <= n for c, (n, _) in zip(counters, open_, strict=True))
        tallies = []
        for counter, (count, end) in zip(counters, open_, strict=True):
            if counted and counter.step:
                count += counter.step
                self._counts[counter.key] = (count, end)
            tallies.append(Tally(count, _seconds(end - now)))
        return Outcome(counted, tallies)

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)


Windows = RedisWindows | MemoryWindows


def windows_for(store: Any, current: Windows | None, clock: Callable[[], float]) -> Windows:
    """Counts where the app's store keeps things: ``current`` while it still counts there (the
    store is made anew at each server start), else new ones."""
    if isinstance(store, RedisStore):
        if isinstance(current, RedisWindows) and current.store is store:
            return current
        return RedisWindows(store, clock)
    return current if isinstance(current, MemoryWindows) else MemoryWindows(clock)
