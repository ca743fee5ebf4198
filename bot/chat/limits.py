"""How fast the buyer API may be used: each buyer message costs a turn of Rasa and a line in
the log, so no client may send them as fast as it likes.

Three limits, each per minute (0 turns one off), counted in fixed windows (bot/infra/windows.py)
in Redis, so every gateway sees the same counts, or in this process on the memory store:

- messages per conversation (XIAOER_RATE_PER_CONVERSATION, 20). A buyer types in bursts of
  short lines ("在吗" "这件有黑色吗" "L码"), several within seconds, rarely ten in a minute; 20
  lets the quickest typist and the widget's re-sends through, and stops a script after 20 (it
  then gets 20 turns a minute, not thousands).
- calls per client address (XIAOER_RATE_PER_ADDRESS, 300): messages, history reads and new
  conversation ids. A mobile carrier puts many buyers behind one address (NAT), so this one is
  higher: about a hundred buyers chatting at once at a few messages a minute each. A script
  that invents a new conversation id for each message still gets no more than this.
- conversations started per client address (XIAOER_NEW_CONVERSATIONS_PER_ADDRESS, 30). A
  conversation is counted at its first message, however its id was chosen (the widget asks
  POST /api/conversations once per browser and keeps the id), because that is when it is
  stored for the shop's retention; asking for a new id is refused while the address is at it.
  Thirty new buyers a minute behind one address is a busy NAT; a script making conversations
  to fill Redis is stopped there.

What counts when: every call counts toward its address as it arrives, a repeat of a message
too. A message counts toward its conversation, and a conversation's first message toward its
address's new conversations, only when it would reach Rasa: a repeat of a message already
answered or still being answered (same message_id, bot/chat/conversation.py) costs no turn,
so those two never refuse it, and a widget asking again after a cut socket cannot use up its
buyer's allowance. A refused message is not taken: not logged, not sent to Rasa, its id not
remembered. The client gets 429 with Retry-After (on the socket, an error frame with
``retry_after``) and sends it again after the wait.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any, Callable

from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.infra.windows import Counter, MemoryWindows, Windows, app_time, windows_for

log = logging.getLogger(__name__)

WINDOW_S = 60  # the settings are per minute


class TooFast(Exception):
    """A refused call: why (for the client; the widget shows its own line) and when to retry."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after

    def as_json(self) -> dict[str, Any]:
        return {"error": self.reason, "retry_after": self.retry_after}

    def response(self) -> HTTPResponse:
        return json_response(self.as_json(), status=429, headers={"Retry-After": str(self.retry_after)})


@dataclass(frozen=True)
class Limit:
    counter: Counter
    reason: str  # "; please try again in N s" follows
    what: str  # for the gateway's log


def address_key(address: str) -> str:
    """The address counted: an IPv6 client by its /64 (one subscriber gets a whole /64 and
    could walk through it), anything else as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class BuyerLimits:
    """The buyer API's three limits, made once per app; they count where its store keeps things."""

    def __init__(self, per_conversation: int = 20, per_address: int = 300, new_per_address: int = 30,
                 clock: Callable[[], float] = app_time) -> None:
        self.per_conversation = per_conversation
        self.per_address = per_address
        self.new_per_address = new_per_address
        self.clock = clock
        self.windows: Windows = MemoryWindows(clock)
        self.store: Any = None

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> "BuyerLimits":
        return cls(settings.rate_per_conversation, settings.rate_per_address,
                   settings.new_conversations_per_address, **kwargs)

    def use(self, store: Any) -> None:
        """Count where the app's store keeps things (the store is made anew at each server start)."""
        self.store = store
        self.windows = windows_for(store, self.windows, self.clock)

    def _calls(self, address: str) -> list[Limit]:
        if not self.per_address:
            return []
        counter = Counter(self.windows.key("rate", "addr", address_key(address)), self.per_address)
        return [Limit(counter, "too many requests from your network", f"address {address}")]

    def _starts(self, address: str, step: int) -> list[Limit]:
        if not self.new_per_address:
            return []
        counter = Counter(self.windows.key("rate", "new", address_key(address)), self.new_per_address, step)
        return [Limit(counter, "too many new conversations from your network", f"new conversations from {address}")]

    async def call(self, address: str) -> None:
        """A call to the buyer API from ``address``, counted; TooFast when refused."""
        await self._count(self._calls(address))

    async def message(self, conversation_id: str, address: str) -> None:
        """A message that would reach Rasa, counted toward its conversation (and a first one
        toward its address's new conversations); TooFast when refused."""
        limits = []
        if self.per_conversation:
            # beside the conversation's other keys: erased and expired with them
            counter = Counter(self.windows.key("conv", conversation_id, "rate"), self.per_conversation)
            limits.append(Limit(counter, "too many messages in this conversation", f"conversation {conversation_id}"))
        if self.new_per_address and not await self.store.exists(conversation_id):
            limits += self._starts(address, 1)  # its first message starts it
        await self._count(limits)

    async def new_conversation_id(self, address: str) -> None:
        """A call for a new id, counted; refused while the address has started its limit of
        conversations (counted at their first messages)."""
        await self._count(self._calls(address) + self._starts(address, 0))

    async def _count(self, limits: list[Limit]) -> None:
        if not limits:  # every limit off: no store call at all
            return
        counters = [limit.counter for limit in limits]
        outcome = await self.windows.tally(counters, WINDOW_S)
        if outcome.counted:
            for limit, tally in zip(limits, outcome.tallies, strict=True):
                if limit.counter.step and tally.count == limit.counter.limit:  # said once per window
                    log.warning("%s reached %d a minute: more are refused for %d s",
                                limit.what, limit.counter.limit, tally.left)
            return
        wait = outcome.wait(counters)
        full = next(limit for limit, tally in zip(limits, outcome.tallies, strict=True)
                    if tally.full(limit.counter.limit))
        raise TooFast(f"{full.reason}; please try again in {wait} s", wait)
