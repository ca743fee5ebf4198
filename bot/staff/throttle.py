"""Sign-in throttling: failed attempts counted per login and per client address, and only a
few password checks at once.

Each password check is argon2 with 64 MiB of memory, so unlimited attempts would let anyone
guess passwords at will and a burst of them could exhaust the gateway's memory and threads.

Failures are counted in fixed windows: the first failure starts a window of ``window_s``
seconds and the count ends with it. Over a limit a sign-in is refused (429, with
``Retry-After``) before any password check. The counts live in Redis under
``{prefix}:login_failures:login:{login}`` and ``{prefix}:login_failures:addr:{address}``, so
every gateway replica sees them; with the memory store they live in this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from bot.infra.store import RedisStore, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

LOGIN_KEY_CHARS = 64  # logins have at most 32; a longer one cannot sign in, its key need not grow


@dataclass(frozen=True)
class Refusal:
    reason: str  # for the person at the sign-in form
    retry_after: int  # seconds until the window that refuses them ends


class RedisFailures:
    """Failure counts in Redis, shared by every gateway on the same prefix."""

    def __init__(self, store: RedisStore) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self.store = store

    def key(self, kind: str, name: str) -> str:
        return f"{self.store.prefix}:login_failures:{kind}:{name}"

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except self._errors as exc:  # refuse rather than sign in unthrottled
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def counts(self, keys: list[str], window_s: int) -> list[tuple[int, int]]:
        """Each key's failures and the seconds left in its window."""
        pipe = self.store.redis.pipeline(transaction=False)
        for key in keys:
            pipe.get(key)
            pipe.pttl(key)
        found = await self._call(pipe.execute())
        result = []
        for count, ttl in zip(found[::2], found[1::2], strict=True):
            result.append((int(count or 0), math.ceil(ttl / 1000) if ttl > 0 else window_s))
        return result

    async def add(self, keys: list[str], window_s: int) -> list[int]:
        """One more failure on each key; the first one starts the window (INCR keeps it)."""
        pipe = self.store.redis.pipeline(transaction=True)
        for key in keys:
            pipe.set(key, 0, ex=window_s, nx=True)
            pipe.incr(key)
        return [int(n) for n in (await self._call(pipe.execute()))[1::2]]

    async def clear(self, key: str) -> None:
        await self._call(self.store.redis.delete(key))


class MemoryFailures:
    """The same counts in this process, for a gateway on the memory store."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._counts: dict[str, tuple[int, float]] = {}  # key: (failures, window's end)

    def key(self, kind: str, name: str) -> str:
        return f"login_failures:{kind}:{name}"

    def _live(self, key: str) -> tuple[int, float] | None:
        entry = self._counts.get(key)
        if entry and entry[1] <= self.clock():
            del self._counts[key]
            return None
        return entry

    async def counts(self, keys: list[str], window_s: int) -> list[tuple[int, int]]:
        now, result = self.clock(), []
        for key in keys:
            entry = self._live(key)
            result.append((entry[0], max(1, math.ceil(entry[1] - now))) if entry else (0, window_s))
        return result

    async def add(self, keys: list[str], window_s: int) -> list[int]:
        now = self.clock()
        if len(self._counts) > 10_000:  # an attacker's many logins must not grow this without end
            for key in [k for k, (_, end) in self._counts.items() if end <= now]:
                del self._counts[key]
        result = []
        for key in keys:
            count, end = self._live(key) or (0, now + window_s)
            self._counts[key] = (count + 1, end)
            result.append(count + 1)
        return result

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)


def wait_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


class LoginThrottle:
    """Failure limits per login and per address, and the bound on password checks at once."""

    def __init__(self, max_per_login: int = 5, max_per_address: int = 20, window_s: int = 900,
                 hash_concurrency: int = 2, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_per_login = max_per_login
        self.max_per_address = max_per_address
        self.window_s = window_s
        self.hash_concurrency = hash_concurrency
        self.clock = clock
        self.failures: RedisFailures | MemoryFailures = MemoryFailures(clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hashing: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> "LoginThrottle":
        return cls(settings.login_max_per_login, settings.login_max_per_address, settings.login_window_s,
                   settings.login_hash_concurrency, **kwargs)

    def use(self, store: Any) -> None:
        """Count where the app's store keeps things (the store is made anew at each server start)."""
        if isinstance(store, RedisStore):
            if not (isinstance(self.failures, RedisFailures) and self.failures.store is store):
                self.failures = RedisFailures(store)
        elif not isinstance(self.failures, MemoryFailures):
            self.failures = MemoryFailures(self.clock)

    def _keys(self, login: str, address: str) -> list[str]:
        return [self.failures.key("login", login[:LOGIN_KEY_CHARS]), self.failures.key("addr", address)]

    async def refusal(self, login: str, address: str) -> Refusal | None:
        """Why this attempt may not even be checked, or None when it may."""
        (by_login, login_left), (by_address, address_left) = await self.failures.counts(
            self._keys(login, address), self.window_s)
        waits = []
        if by_login >= self.max_per_login:
            waits.append(login_left)
        if by_address >= self.max_per_address:
            waits.append(address_left)
        if not waits:
            return None
        wait = max(waits)
        if by_login >= self.max_per_login:
            reason = f"这个账号登录失败次数太多，为保护账号已暂停登录，请 {wait_words(wait)}后再试"
        else:
            reason = f"您所在的网络登录失败次数太多，已暂停登录，请 {wait_words(wait)}后再试"
        return Refusal(reason, wait)

    async def failed(self, login: str, address: str) -> None:
        by_login, by_address = await self.failures.add(self._keys(login, address), self.window_s)
        if by_login == self.max_per_login:
            log.warning("%d failed sign-ins for %r: its sign-ins are refused for up to %d s",
                        by_login, login[:32], self.window_s)
        if by_address == self.max_per_address:
            log.warning("%d failed sign-ins from %s: its sign-ins are refused for up to %d s",
                        by_address, address, self.window_s)

    async def succeeded(self, login: str) -> None:
        """The right password: the login's failures are forgotten (the address's are not)."""
        await self.failures.clear(self._keys(login, "")[0])

    def _turns(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a semaphore belongs to one event loop (tests run several)
            self._loop, self._hashing = loop, asyncio.Semaphore(self.hash_concurrency)
        return self._hashing

    async def check(self, login: str, address: str,
                    verify: Callable[[], T | None]) -> tuple[Refusal | None, T | None]:
        """The refusal, or what ``verify()`` (the password check: None when wrong) gives, with
        the failure or success counted. The check runs in a worker thread, off the event loop,
        at most ``hash_concurrency`` at once in this process; the others wait their turn."""
        refused = await self.refusal(login, address)
        if refused is not None:
            return refused, None
        turns = self._turns()
        await turns.acquire()
        # the turn ends with the check and its count, not with the request: a client that hangs
        # up frees no turn while its 64 MiB hash still runs, and its failure still counts
        return await asyncio.shield(asyncio.ensure_future(self._turn(turns, login, address, verify)))

    async def _turn(self, turns: asyncio.Semaphore, login: str, address: str,
                    verify: Callable[[], T | None]) -> tuple[Refusal | None, T | None]:
        try:
            # asked again: the attempts before this one in the line may have filled the window
            refused = await self.refusal(login, address)
            if refused is not None:
                return refused, None
            result = await asyncio.to_thread(verify)
            if result is None:
                await self.failed(login, address)
            else:
                await self.succeeded(login)
            return None, result
        finally:
            turns.release()


def login_throttle(app: Any) -> LoginThrottle:
    """The app's throttle, made at the first sign-in and counting where the app's store keeps things."""
    throttle = getattr(app.ctx, "login_throttle", None)
    if throttle is None:
        throttle = app.ctx.login_throttle = LoginThrottle.from_settings(app.ctx.settings)
    throttle.use(app.ctx.store)
    return throttle
