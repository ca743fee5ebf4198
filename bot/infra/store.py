"""Where the gateway keeps conversations: Redis in production, memory for a demo.

Both stores have the same async interface. A conversation is a message log, a mode
(``bot``: the bot answers; ``waiting``: handed off, no person yet; ``human``: an agent
has it) and, per script, the variants this conversation has heard, so replies do not repeat
word for word.

A buyer message may carry the client's id for it (``message_id``): the store remembers the
ids it saw per conversation for a day, with the reply each got, so a message the widget
sends again (after a cut socket, a lost answer) is answered once (``claim_message``).
"""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from bot.infra import metrics
from xiaoer import clock as app_clock
from xiaoer.shop.model import DEFAULT_RETENTION_S

MODES = ("bot", "waiting", "human")
MESSAGE_ID_TTL = 24 * 3600  # how long a message id is remembered (a retry comes within minutes)


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; nothing was written."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        metrics.REDIS_ERRORS.inc()  # made only where a call to Redis failed


@dataclass(frozen=True)
class MessageClaim:
    """What the store knew of a message id when a delivery of it arrived.

    ``status`` is ``new`` (this delivery answers it), ``answering`` (an earlier delivery is
    being answered now), ``answered`` (``reply`` is the answer it got) or ``other_text``
    (the id came with a different text). ``logged`` says the buyer's text is already in the
    log: an earlier delivery stopped after logging it (Rasa was down), so it is not logged again.
    """

    status: str
    logged: bool = False
    reply: dict[str, Any] | None = None


class Store(Protocol):
    async def ping(self) -> bool: ...
    async def append_message(self, conversation_id: str, message: dict[str, Any]) -> None: ...
    async def messages(self, conversation_id: str, limit: int = 200) -> list[dict[str, Any]]: ...
    async def exists(self, conversation_id: str) -> bool: ...
    async def get_mode(self, conversation_id: str) -> str: ...
    async def set_mode(self, conversation_id: str, mode: str) -> None: ...
    async def used_variants(self, conversation_id: str, script_id: str) -> list[int]: ...
    async def scripts_heard(self, conversation_id: str) -> list[str]: ...
    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None: ...
    async def agent_read(self, conversation_id: str) -> float: ...
    async def mark_agent_read(self, conversation_id: str, up_to: float) -> float: ...
    async def claim_message(self, conversation_id: str, message_id: str, fingerprint: str, lease: float) -> MessageClaim: ...
    async def renew_message_claim(self, conversation_id: str, message_id: str, lease: float) -> None: ...
    async def message_logged(self, conversation_id: str, message_id: str) -> None: ...
    async def message_answered(self, conversation_id: str, message_id: str, reply: dict[str, Any]) -> None: ...
    async def message_failed(self, conversation_id: str, message_id: str) -> None: ...
    async def forget_message(self, conversation_id: str, message_id: str) -> None: ...
    async def close(self) -> None: ...


def stamp(message: dict[str, Any]) -> dict[str, Any]:
    return {"ts": round(app_clock.now(), 3), **message}


class MemoryStore:
    """A single-process store for `make run` on a machine without Redis.

    It keeps the ``MAX_CONVERSATIONS`` most recently active conversations; the least
    recently active is dropped first, so a long demo cannot grow without bound.
    """

    MAX_CONVERSATIONS = 10_000
    MAX_MESSAGE_IDS = 50_000  # remembered message ids; the oldest are forgotten first

    def __init__(self) -> None:
        self._logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._modes: dict[str, str] = {}
        self._variants: dict[str, dict[str, list[int]]] = {}  # conversation -> script -> used
        self._agent_read: dict[str, float] = {}  # conversation -> the buyer has read the agent up to (ts)
        self._active: dict[str, None] = {}  # conversations, least recently active first
        # (conversation, message id) -> what a delivery of it left (as in Redis), oldest first
        self._message_ids: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._beside: dict[str, dict[str, Any]] = {}  # kept per conversation by other parts (tokens)

    async def ping(self) -> bool:
        return True

    def _touch(self, conversation_id: str) -> None:
        """The conversation is active now; past the cap, the least recently active goes."""
        self._active.pop(conversation_id, None)
        self._active[conversation_id] = None  # to the end: dicts keep insertion order
        while len(self._active) > self.MAX_CONVERSATIONS:
            oldest = next(iter(self._active))
            del self._active[oldest]
            for kept in self._beside.values():
                kept.pop(oldest, None)
            for kept in (self._logs, self._modes, self._variants, self._agent_read):
                kept.pop(oldest, None)

    def kept_beside(self, name: str) -> dict[str, Any]:
        """The dict keyed by conversation id that another part keeps here under ``name`` (the
        same one each time; bot/infra/tokens.py), its entries dropped with their conversations."""
        return self._beside.setdefault(name, {})

    def keep_active(self, conversation_id: str) -> None:
        self._touch(conversation_id)

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

    async def scripts_heard(self, conversation_id: str) -> list[str]:
        return sorted(self._variants.get(conversation_id, {}))

    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None:
        self._touch(conversation_id)
        self._variants.setdefault(conversation_id, {})[script_id] = list(used)

    async def agent_read(self, conversation_id: str) -> float:
        return self._agent_read.get(conversation_id, 0.0)

    async def mark_agent_read(self, conversation_id: str, up_to: float) -> float:
        self._touch(conversation_id)
        self._agent_read[conversation_id] = max(up_to, self._agent_read.get(conversation_id, 0.0))
        return self._agent_read[conversation_id]

    def _message_id(self, conversation_id: str, message_id: str) -> dict[str, Any] | None:
        now = app_clock.now()
        while self._message_ids:  # forget the expired (kept in the order they were first seen)
            oldest = next(iter(self._message_ids.values()))
            if oldest["expires"] > now and len(self._message_ids) <= self.MAX_MESSAGE_IDS:
                break
            self._message_ids.popitem(last=False)
        return self._message_ids.get((conversation_id, message_id))

    async def claim_message(self, conversation_id: str, message_id: str, fingerprint: str, lease: float) -> MessageClaim:
        # nothing is awaited here: on one event loop the check and the claim are one step
        now = app_clock.now()
        record = self._message_id(conversation_id, message_id)
        if record is None:
            self._message_ids[(conversation_id, message_id)] = {
                "state": "answering", "text": fingerprint, "until": now + lease, "logged": False,
                "reply": None, "expires": now + MESSAGE_ID_TTL,
            }
            return MessageClaim("new")
        if record["text"] != fingerprint:
            return MessageClaim("other_text")
        if record["state"] == "answered":
            return MessageClaim("answered", True, json.loads(record["reply"]))
        if record["state"] == "answering" and record["until"] > now:
            return MessageClaim("answering", record["logged"])
        record.update(state="answering", until=now + lease)  # failed, or its gateway stopped: take it over
        return MessageClaim("new", record["logged"])

    async def renew_message_claim(self, conversation_id: str, message_id: str, lease: float) -> None:
        record = self._message_id(conversation_id, message_id)
        if record:
            record["until"] = app_clock.now() + lease

    async def message_logged(self, conversation_id: str, message_id: str) -> None:
        record = self._message_id(conversation_id, message_id)
        if record:
            record["logged"] = True

    async def message_answered(self, conversation_id: str, message_id: str, reply: dict[str, Any]) -> None:
        record = self._message_id(conversation_id, message_id)
        if record:
            record.update(state="answered", reply=json.dumps(reply, ensure_ascii=False),
                          expires=app_clock.now() + MESSAGE_ID_TTL)

    async def message_failed(self, conversation_id: str, message_id: str) -> None:
        record = self._message_id(conversation_id, message_id)
        if record and record["state"] == "answering":
            record["state"] = "failed"

    async def forget_message(self, conversation_id: str, message_id: str) -> None:
        self._message_ids.pop((conversation_id, message_id), None)

    async def close(self) -> None:
        return None


RETRIES = 4


# One message id's record, a hash at {prefix}:conv:{id}:msg:{message id} that expires after
# MESSAGE_ID_TTL: state (answering, failed, answered), text (a fingerprint of the buyer's
# text), until (when an answering delivery's lease runs out: its gateway may have stopped),
# logged (1 once the buyer's text is in the log) and reply (the answer's JSON).
# KEYS[1] the record; ARGV fingerprint, now, lease end, TTL. Returns status, logged, reply.
_CLAIM_MESSAGE = """
local state = redis.call('HGET', KEYS[1], 'state')
local text = redis.call('HGET', KEYS[1], 'text')
if not state or not text then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'state', 'answering', 'text', ARGV[1], 'until', ARGV[3], 'logged', '0')
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return {'new', '0', ''}
end
local logged = redis.call('HGET', KEYS[1], 'logged') or '0'
if text ~= ARGV[1] then return {'other_text', '0', ''} end
if state == 'answered' then return {'answered', '1', redis.call('HGET', KEYS[1], 'reply') or '{}'} end
local lease_end = tonumber(redis.call('HGET', KEYS[1], 'until') or '0') or 0
if state == 'answering' and lease_end > tonumber(ARGV[2]) then return {'answering', logged, ''} end
redis.call('HSET', KEYS[1], 'state', 'answering', 'until', ARGV[3])
return {'new', logged, ''}
"""

# KEYS: the conversation's meta hash. ARGV: read up to (ts), retention (seconds). The higher mark wins.
_MARK_READ = """
local kept = tonumber(redis.call('HGET', KEYS[1], 'agent_read') or '0') or 0
if tonumber(ARGV[1]) > kept then
  redis.call('HSET', KEYS[1], 'agent_read', ARGV[1])
  kept = tonumber(ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return tostring(kept)
"""


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
        self.errors = self._errors  # what "Redis is not reachable" is, for the parts beside it (tokens)
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
        for part in ("log", "meta", "variants", "token"):  # an active conversation's keys live on
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

    async def scripts_heard(self, conversation_id: str) -> list[str]:
        """The scripts this conversation has heard (those it has used variants of)."""
        return sorted(await self._call(self.redis.hkeys(self._key(conversation_id, "variants"))))

    async def set_used_variants(self, conversation_id: str, script_id: str, used: list[int]) -> None:
        value = ",".join(str(int(v)) for v in used)
        key = self._key(conversation_id, "variants")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, script_id, value)
        pipe.expire(key, self.retention_s)
        await self._call(pipe.execute())

    async def agent_read(self, conversation_id: str) -> float:
        """Up to which agent message (its ts) the buyer's widget has shown; 0 for none."""
        value = await self._call(self.redis.hget(self._key(conversation_id, "meta"), "agent_read"))
        return float(value or 0)

    async def mark_agent_read(self, conversation_id: str, up_to: float) -> float:
        """The buyer has read the agent's messages up to ``up_to``; a read mark never goes
        back (two tabs, a late frame). Returns the mark now stored."""
        value = await self._call(self.redis.eval(
            _MARK_READ, 1, self._key(conversation_id, "meta"), f"{up_to:.3f}", self.retention_s))
        return float(value)

    def _message_key(self, conversation_id: str, message_id: str) -> str:
        return self._key(conversation_id, f"msg:{message_id}")

    async def claim_message(self, conversation_id: str, message_id: str, fingerprint: str, lease: float) -> MessageClaim:
        now = app_clock.now()
        status, logged, reply = await self._call(self.redis.eval(
            _CLAIM_MESSAGE, 1, self._message_key(conversation_id, message_id),
            fingerprint, f"{now:.3f}", f"{now + lease:.3f}", MESSAGE_ID_TTL,
        ))
        return MessageClaim(status, logged == "1", json.loads(reply) if status == "answered" else None)

    async def _update_message(self, conversation_id: str, message_id: str, fields: dict[str, str]) -> None:
        key = self._message_key(conversation_id, message_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, MESSAGE_ID_TTL)  # never a record without an end
        await self._call(pipe.execute())

    async def renew_message_claim(self, conversation_id: str, message_id: str, lease: float) -> None:
        # only the lease: it counts while the record says "answering", and is left alone after
        await self._update_message(conversation_id, message_id, {"until": f"{app_clock.now() + lease:.3f}"})

    async def message_logged(self, conversation_id: str, message_id: str) -> None:
        await self._update_message(conversation_id, message_id, {"logged": "1"})

    async def message_answered(self, conversation_id: str, message_id: str, reply: dict[str, Any]) -> None:
        fields = {"state": "answered", "reply": json.dumps(reply, ensure_ascii=False)}
        await self._update_message(conversation_id, message_id, fields)

    async def message_failed(self, conversation_id: str, message_id: str) -> None:
        await self._update_message(conversation_id, message_id, {"state": "failed"})

    async def forget_message(self, conversation_id: str, message_id: str) -> None:
        """As if the id had never come (a delivery refused before anything was done with it)."""
        await self._call(self.redis.delete(self._message_key(conversation_id, message_id)))

    async def close(self) -> None:
        await self.redis.aclose()
