"""Where a conversation's token is kept: beside the conversation, in its store.

A conversation's token (bot/chat/keys.py says who gets it and when) is one record per
conversation: the token, and the message that claimed it (its message_id and a fingerprint
of its text, empty when the claim came without one), so a repeat of that message can be
given the token again. It is claimed once: the first claim wins, atomically, and every later
claim gets the record that won. In Redis it is the hash ``{prefix}:conv:{id}:token``, expired
with the conversation's other keys (each message renews them), erased with them by
tools/erase_buyer.py and given an expiry by tools/apply_retention.py (``conv:*``); in memory
it is dropped with the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.infra.store import MemoryStore, RedisStore, StoreUnavailable


@dataclass(frozen=True)
class TokenRecord:
    token: str
    message_id: str = ""  # the message that claimed it, "" when none (a widget's first read)
    text: str = ""  # that message's text fingerprint


@dataclass(frozen=True)
class TokenClaim:
    """``claimed``: this claim's record is the conversation's now; ``held``: another claim had
    won before (``record`` is that one); ``started``: the conversation has a log but no token
    (it was started before tokens, or the bot wrote to it first) and this claim may not take it."""

    status: str
    record: TokenRecord | None = None


class ConversationTokens(Protocol):
    async def get(self, conversation_id: str) -> TokenRecord | None: ...
    async def claim(self, conversation_id: str, record: TokenRecord, started_too: bool) -> TokenClaim: ...


class MemoryTokens:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.records: dict[str, TokenRecord] = store.kept_beside("tokens")

    async def get(self, conversation_id: str) -> TokenRecord | None:
        return self.records.get(conversation_id)

    async def claim(self, conversation_id: str, record: TokenRecord, started_too: bool) -> TokenClaim:
        # nothing is awaited between the check and the claim: one step on one event loop
        held = self.records.get(conversation_id)
        if held is not None:
            return TokenClaim("held", held)
        if not started_too and await self.store.exists(conversation_id):
            return TokenClaim("started")
        self.store.keep_active(conversation_id)
        self.records[conversation_id] = record
        return TokenClaim("claimed", record)


# KEYS: the token hash, the conversation's log. ARGV: token, message id, text fingerprint,
# retention (s), "1" when a started conversation (a log, no token) may be claimed.
_CLAIM_TOKEN = """
local held = redis.call('HMGET', KEYS[1], 'token', 'message_id', 'text')
if held[1] then return {'held', held[1], held[2] or '', held[3] or ''} end
if ARGV[5] ~= '1' and redis.call('EXISTS', KEYS[2]) == 1 then return {'started', '', '', ''} end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'message_id', ARGV[2], 'text', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'claimed', ARGV[1], ARGV[2], ARGV[3]}
"""


class RedisTokens:
    def __init__(self, store: RedisStore) -> None:
        self.store = store

    def _key(self, conversation_id: str, part: str) -> str:
        return f"{self.store.prefix}:conv:{conversation_id}:{part}"

    async def _call(self, coroutine: Any) -> Any:
        try:
            return await coroutine
        except self.store.errors as exc:
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def get(self, conversation_id: str) -> TokenRecord | None:
        token, message_id, text = await self._call(
            self.store.redis.hmget(self._key(conversation_id, "token"), "token", "message_id", "text"))
        return TokenRecord(token, message_id or "", text or "") if token else None

    async def claim(self, conversation_id: str, record: TokenRecord, started_too: bool) -> TokenClaim:
        status, token, message_id, text = await self._call(self.store.redis.eval(
            _CLAIM_TOKEN, 2, self._key(conversation_id, "token"), self._key(conversation_id, "log"),
            record.token, record.message_id, record.text, self.store.retention_s, "1" if started_too else "0"))
        return TokenClaim(status, TokenRecord(token, message_id, text) if token else None)


def tokens_for(store: Any) -> ConversationTokens:
    """The token records of the app's store (a store made for a test is a MemoryStore's kind)."""
    return RedisTokens(store) if isinstance(store, RedisStore) else MemoryTokens(store)
