"""Where the gateway keeps conversations: Redis in production, memory for a demo.

Both stores have the same async interface. A conversation is a message log, a mode
(``bot``: the bot answers; ``waiting``: handed off, no person yet; ``human``: an agent
has it) and, per script, the variants this conversation has heard, so replies do not repeat
word for word.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Protocol

from xiaoer import clock as app_clock
from xiaoer.shop.model import DEFAULT_RETENTION_S

MODES = ("bot", "waiting", "human")


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; nothing was written."""


class Store(Protocol):
    async def ping(self) -> bool: ...
    async def append_message(self, conversation_id: str, message: dict[str, Any]) -> None: ...
    async def messages(self, conversation_id: str, limit: int = 200) -> list[dict[str, Any]]: ...
    async def exists(self, conversation_id: str) -> bool: ...
    async def get_mode(self, conversation_id: str) -> str: ...
    async def set_mode(self, conversation_id: str, mode: str) -> None: ...
    async def used_variants(self, conversation_id: str, script_id: str) -> list[int]: ...
    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None: ...
    async def close(self) -> None: ...


def stamp(message: dict[str, Any]) -> dict[str, Any]:
    return {"ts": round(app_clock.now(), 3), **message}


class MemoryStore:
    """A single-process store for `make run` on a machine without Redis.

    It keeps the ``MAX_CONVERSATIONS`` most recently active conversations; the least
    recently active is dropped first, so a long demo cannot grow without bound.
    """

    MAX_CONVERSATIONS = 10_000

    def __init__(self) -> None:
        self._logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._modes: dict[str, str] = {}
        self._variants: dict[str, dict[str, list[int]]] = {}  # conversation -> script -> used
        self._active: dict[str, None] = {}  # conversations, least recently active first

    async def ping(self) -> bool:
        return True

    def _touch(self, conversation_id: str) -> None:
        """The conversation is active now; past the cap, the least recently active goes."""
        self._active.pop(conversation_id, None)
        self._active[conversation_id] = None  # to the end: dicts keep insertion order
        while len(self._active) > self.MAX_CONVERSATIONS:
            oldest = next(iter(self._active))
            del self._active[oldest]
            for kept in (self._logs, self._modes, self._variants):
                kept.pop(oldest, None)

    async def append_message(self, conversation_id: str, message: dict[str, Any]) -> None:
        self._touch(conversation_id)
        self._logs[conversation_id].append(stamp(message))

    async def messages(self, conversation_id: str, limit: int = 200) -> list[dict[str, Any]]:
        return list(self._logs.get(conversation_id, [])[-limit:])

    async def exists(self, conversation_id: str) -> bool:
        return conversation_id in self._logs

    async def get_mode(self, conversation_id: str) -> str:
        return self._modes.get(conversation_id, "bot")

    async def set_mode(self, conversation_id: str, mode: str) -> None:
        assert mode in MODES, mode
        self._touch(conversation_id)
        self._modes[conversation_id] = mode

    async def used_variants(self, conversation_id: str, script_id: str) -> list[int]:
        return list(self._variants.get(conversation_id, {}).get(script_id, []))

    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None:
        self._touch(conversation_id)
        self._variants.setdefault(conversation_id, {})[script_id] = list(used)

    async def close(self) -> None:
        return None


RETRIES = 4


class RedisStore:
    """Conversations in Redis under ``{prefix}:conv:{id}:*``; connects lazily.

    Every key of a conversation expires ``retention_s`` after the conversation's last
    activity (shop.yml's retention_days): each write sets its key's expiry in the same
    transaction, and a new message renews them all.
    """

    def __init__(self, url: str, prefix: str = "xiaoer", max_log: int = 5000,
                 retention_s: int = DEFAULT_RETENTION_S) -> None:
        import redis.asyncio as redis  # only the Redis store needs the client
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        self._errors = (redis.ConnectionError, redis.TimeoutError, OSError)
        # A dropped connection or a Redis restarting (a failover, a blip) is retried a few
        # times with backoff (about 1 s in all) before the buyer is told to send again.
        self.redis = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError, ConnectionResetError],
        )
        self.prefix = prefix
        self.max_log = max_log
        self.retention_s = int(retention_s)

    def _key(self, conversation_id: str, part: str) -> str:
        return f"{self.prefix}:conv:{conversation_id}:{part}"

    async def _call(self, coroutine):
        try:
            return await coroutine
        except self._errors as exc:
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except self._errors:
            return False

    async def append_message(self, conversation_id: str, message: dict[str, Any]) -> None:
        key = self._key(conversation_id, "log")
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key, json.dumps(stamp(message), ensure_ascii=False))
        pipe.ltrim(key, -self.max_log, -1)
        for part in ("log", "meta", "variants"):  # an active conversation's keys live on
            pipe.expire(self._key(conversation_id, part), self.retention_s)
        await self._call(pipe.execute())

    async def messages(self, conversation_id: str, limit: int = 200) -> list[dict[str, Any]]:
        raw = await self._call(self.redis.lrange(self._key(conversation_id, "log"), -limit, -1))
        return [json.loads(item) for item in raw]

    async def exists(self, conversation_id: str) -> bool:
        return bool(await self._call(self.redis.exists(self._key(conversation_id, "log"))))

    async def get_mode(self, conversation_id: str) -> str:
        mode = await self._call(self.redis.hget(self._key(conversation_id, "meta"), "mode"))
        return mode or "bot"

    async def set_mode(self, conversation_id: str, mode: str) -> None:
        assert mode in MODES, mode
        key = self._key(conversation_id, "meta")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, "mode", mode)
        pipe.expire(key, self.retention_s)
        await self._call(pipe.execute())

    async def used_variants(self, conversation_id: str, script_id: str) -> list[int]:
        value = await self._call(self.redis.hget(self._key(conversation_id, "variants"), script_id))
        return [int(v) for v in value.split(",") if v.strip().isdigit()] if value else []

    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None:
        value = ",".join(str(int(v)) for v in used)
        key = self._key(conversation_id, "variants")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, script_id, value)
        pipe.expire(key, self.retention_s)
        await self._call(pipe.execute())

    async def close(self) -> None:
        await self.redis.aclose()
