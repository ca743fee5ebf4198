"""Live events between gateways: a buyer's socket may be on one gateway and the agent on another.

Every gateway publishes to Redis and listens to all channels on one connection, then hands
each event to the sockets it holds locally. Events are only a live view: everything is
also in the store, and a socket that missed some (a restart, a network cut) catches up
by reading the conversation again when it reconnects.

Channels: ``buyer:{conversation_id}`` (frames for the buyer's widget) and ``agents``
(queue changes and messages, for every agent console).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, AsyncIterator

from bot.infra.background import stop_task

log = logging.getLogger(__name__)

LISTENER_BACKLOG = 500  # events kept for a slow socket before the oldest are dropped


def buyer_channel(conversation_id: str) -> str:
    return f"buyer:{conversation_id}"


AGENTS = "agents"


class LocalHub:
    """Hands events to the listeners in this process; the whole hub for a one-process demo."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue]] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self._deliver(channel, event)

    def _deliver(self, channel: str, event: dict[str, Any]) -> None:
        for queue in list(self._listeners.get(channel, ())):
            if queue.full():  # a stuck socket loses its oldest events, never blocks the others
                queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=LISTENER_BACKLOG)
        self._listeners.setdefault(channel, set()).add(queue)
        try:
            yield queue
        finally:
            listeners = self._listeners.get(channel, set())
            listeners.discard(queue)
            if not listeners:
                self._listeners.pop(channel, None)


class RedisHub(LocalHub):
    """Publishes through Redis; one pattern subscription per gateway delivers to local sockets."""

    def __init__(self, redis: Any, prefix: str, retry_delay: float = 1.0) -> None:
        super().__init__()
        self.redis = redis
        self.prefix = prefix
        self.retry_delay = retry_delay
        self._task: asyncio.Task | None = None
        self.subscribed = asyncio.Event()

    def _channel(self, channel: str) -> str:
        return f"{self.prefix}:hub:{channel}"

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(), name="xiaoer-pubsub")

    async def close(self) -> None:
        task, self._task = self._task, None
        await stop_task(task, "the live events listener")  # a lost cancel must not hang the stop

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        try:
            await self.redis.publish(self._channel(channel), json.dumps(event, ensure_ascii=False))
        except Exception as exc:  # a lost live event is caught up from the store
            log.warning("could not publish to %s: %s", channel, exc)

    async def _listen_forever(self) -> None:
        skip = len(self._channel(""))
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self._channel("*"))
                self.subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    try:
                        event = json.loads(message["data"])
                    except (TypeError, ValueError):
                        continue
                    self._deliver(message["channel"][skip:], event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.clear()
                log.warning("live events interrupted (%s); listening again in %.0f s", exc, self.retry_delay)
                await asyncio.sleep(self.retry_delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
