"""Order messages to the buyer (confirmation, shipped, payment reminders): rendered and
delivered like every reply (bot/infra/outbound.py), and put into Rasa's tracker with the
order, so the bot answers the buyer's next words knowing which item and order they mean."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Mapping

from bot.infra.outbound import Outbound
from bot.orders.model import Order
from xiaoer.cards import order_card
from xiaoer.order_access import order_view

log = logging.getLogger(__name__)


class OrderMessages:
    def __init__(self, outbound: Outbound, tracker_api: Any = None, images: Mapping[str, str] | None = None) -> None:
        self.outbound = outbound
        self.tracker_api = tracker_api
        self.images = dict(images or {})  # sku -> the item's picture, for order cards

    @property
    def store(self) -> Any:
        return self.outbound.store

    async def send(
        self, conversation_id: str, script_id: str, values: Mapping[str, Any], order: Order | None = None, **meta: Any
    ) -> dict[str, Any] | None:
        if order is not None:  # the confirmation and the shipping note show the order as a card
            meta["card"] = order_card(asdict(order), self.images.get(order.sku, ""))
        message = await self.outbound.send(conversation_id, script_id, values, **meta)
        if message is not None and order is not None:
            await self.tell_rasa(conversation_id, message["text"], order)
        return message

    async def tell_rasa(self, conversation_id: str, text: str | None, order: Order) -> None:
        """The message (if any) and the order into Rasa's tracker ("能便宜点吗", "改个地址",
        "到哪了" are about it). Only this conversation's own orders are ever told to it, so
        the bot cannot show a buyer an order that is not theirs."""
        if self.tracker_api is None:
            return
        events = [{"event": "bot", "text": text}] if text else []
        events += [
            {"event": "slot", "name": "sku", "value": order.sku},
            {"event": "slot", "name": "order_id", "value": order.order_id},
            {"event": "slot", "name": "linked_order", "value": order_view(asdict(order))},
        ]
        try:
            await self.tracker_api.append(conversation_id, events)
        except Exception as exc:  # the buyer already has the message; the context is a bonus
            log.warning("order context not added to Rasa's tracker for %s: %s", conversation_id, exc)
