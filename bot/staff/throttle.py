"""Sign-in throttling: failed attempts counted per login and per client address, and only a
few password checks at once.

Each password check is argon2 with 64 MiB of memory, so unlimited attempts would let anyone
guess passwords at will and a burst of them could exhaust the gateway's memory and threads.

Failures are counted in fixed windows (bot/infra/windows.py): the first failure starts a
window of ``window_s`` seconds on the app's clock and the count ends with it. Over a limit a
sign-in is refused (429, with ``Retry-After``) before any password check. The counts live in
Redis under ``{prefix}:login_failures:login:{login}`` and ``{prefix}:login_failures:addr:{address}``,
so every gateway replica sees them; with the memory store they live in this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from bot.infra.windows import Counter, MemoryWindows, Windows, app_time, windows_for

log = logging.getLogger(__name__)
T = TypeVar("T")

LOGIN_KEY_CHARS = 64  # logins have at most 32; a longer one cannot sign in, its key need not grow


@dataclass(frozen=True)
class Refusal:
    reason: str  # for the person at the sign-in form
    retry_after: int  # seconds until the window that refuses them ends


def wait_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


class LoginThrottle:
    """Failure limits per login and per address, and the bound on password checks at once."""

    def __init__(self, max_per_login: int = 5, max_per_address: int = 20, window_s: int = 900,
                 hash_concurrency: int = 2, clock: Callable[[], float] = app_time) -> None:
        self.max_per_login = max_per_login
        self.max_per_address = max_per_address
        self.window_s = window_s
        self.hash_concurrency = hash_concurrency
        self.clock = clock
        self.failures: Windows = MemoryWindows(clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hashing: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> "LoginThrottle":
        return cls(settings.login_max_per_login, settings.login_max_per_address, settings.login_window_s,
                   settings.login_hash_concurrency, **kwargs)

    def use(self, store: Any) -> None:
        """Count where the app's store keeps things (the store is made anew at each server start)."""
        self.failures = windows_for(store, self.failures, self.clock)

    def _keys(self, login: str, address: str) -> list[str]:
        return [self.failures.key("login_failures", "login", login[:LOGIN_KEY_CHARS]),
                self.failures.key("login_failures", "addr", address)]

    async def refusal(self, login: str, address: str) -> Refusal | None:
        """Why this attempt may not even be checked, or None when it may."""
        by_login, by_address = (await self.failures.tally(
            [Counter(key, step=0) for key in self._keys(login, address)], self.window_s)).tallies
        login_full, address_full = by_login.full(self.max_per_login), by_address.full(self.max_per_address)
        if not (login_full or address_full):
            return None
        wait = max(t.left for t, full in ((by_login, login_full), (by_address, address_full)) if full)
        if login_full:
            reason = f"这个账号登录失败次数太多，为保护账号已暂停登录，请 {wait_words(wait)}后再试"
        else:
            reason = f"您所在的网络登录失败次数太多，已暂停登录，请 {wait_words(wait)}后再试"
        return Refusal(reason, wait)

    async def failed(self, login: str, address: str) -> None:
        counted = await self.failures.tally([Counter(key) for key in self._keys(login, address)], self.window_s)
        by_login, by_address = (t.count for t in counted.tallies)
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
