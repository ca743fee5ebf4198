"""The waiting line as a buyer waiting for a person sees it: their place in the line and the
agent hours, pushed to each waiting buyer's widget whenever the line moves.

The line moves when a case joins it, when an angry buyer's case goes ahead, when an agent
claims a case (everyone behind moves up) and when a case goes back to it. A ``line`` frame
carries numbers and the shop's settings only; the widget words them (its own strings: the
line is a status, not a message, and is never logged). The words the buyer gets as messages
(the notices after each message) stay the reply scripts' (bot/handoff/escalation.py).

    {"type": "line", "position": 3, "ahead": 2, "agent_hours": "09:00-23:00",
     "open_now": false, "opening": "明天上午9:00"}

``opening`` (when agents start, as a buyer would say it) is there only outside agent hours.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable

from bot.handoff.queue import CaseQueue
from bot.infra.pubsub import buyer_channel
from bot.infra.store import StoreUnavailable

log = logging.getLogger(__name__)


def opening_text(now: dt.datetime, opening: dt.datetime) -> str:
    """When agents open, as a buyer would say it: 今天上午9:00, 明天上午9:00, 6月2日下午2:30."""
    days = (opening.date() - now.date()).days
    day = {0: "今天", 1: "明天"}.get(days, f"{opening.month}月{opening.day}日")
    hour = opening.hour
    part = "凌晨" if hour < 6 else "上午" if hour < 12 else "中午" if hour < 13 else "下午" if hour < 18 else "晚上"
    clock = hour if hour <= 12 else hour - 12
    return f"{day}{part}{clock}:{opening.minute:02d}"


class WaitingLine:
    """Places in the line, read from the queue; the time from the shop's clock (``now``)."""

    def __init__(self, queue: CaseQueue, hub: Any, shop: Any, now: Callable[[], dt.datetime]) -> None:
        self.queue = queue
        self.hub = hub
        self.shop = shop
        self.now = now

    def opening(self) -> str | None:
        """Outside agent hours, when someone answers ("明天上午9:00"); None while they are on."""
        now = self.now()
        if self.shop.is_agent_hours(now):
            return None
        return opening_text(self.shop.local(now), self.shop.next_agent_opening(now))

    def frame(self, position: int, opening: str | None) -> dict[str, Any]:
        return {"type": "line", "position": position, "ahead": position - 1,
                "agent_hours": str(self.shop.agent_hours), "open_now": opening is None, "opening": opening}

    async def for_buyer(self, conversation_id: str) -> dict[str, Any] | None:
        """The buyer's line frame, or None when they are not in the line."""
        position = await self.queue.position(conversation_id)
        return self.frame(position, self.opening()) if position else None

    async def moved(self) -> None:
        """Push every waiting buyer their place now (each to their own channel only). A live
        view: if the queue cannot be read, what moved it stands and the next move tells."""
        opening = self.opening()
        try:
            waiting = await self.queue.waiting()
        except StoreUnavailable as exc:
            log.warning("the line could not be pushed: %s", exc)
            return
        for position, case in enumerate(waiting, 1):
            await self.hub.publish(buyer_channel(case.conversation_id), self.frame(position, opening))
