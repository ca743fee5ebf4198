"""The one path every gateway reply takes to the buyer: render a script, log, push.

Whatever speaks to the buyer (the NLG endpoint for Rasa, the hand-off notices, an agent's
desk, order messages and payment reminders) renders through :meth:`Outbound.render`, so
the shop's values are always there and no script repeats a variant in a conversation while
another one is left; and delivers through :meth:`Outbound.deliver`, which logs the message
before it pushes it to whichever gateway holds the buyer's socket.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from bot.infra.pubsub import buyer_channel
from bot.infra.shop_stats import ShopStats
from bot.infra.store import Store
from xiaoer import clock as app_clock
from xiaoer.scripts import Rendered, ScriptCorpus

log = logging.getLogger(__name__)

MAX_REMEMBERED = 20  # variants remembered per script and conversation


class Outbound:
    def __init__(self, corpus: ScriptCorpus, store: Store, hub: Any, shop_values: Mapping[str, Any],
                 stats: ShopStats | None = None) -> None:
        self.corpus = corpus
        self.store = store
        self.hub = hub
        self.shop_values = dict(shop_values)  # shop-wide placeholder values (shop_name)
        # the shop's day in numbers (bot/infra/shop_stats.py): every reply is counted here
        self.stats = stats or ShopStats()

    async def render(self, conversation_id: str | None, script_id: str, values: Mapping[str, Any]) -> Rendered | None:
        """One variant of the script that this conversation has not heard yet while one is
        left (then any but the last); None (and logged) when the script is missing or no
        variant can be filled."""
        used = await self.store.used_variants(conversation_id, script_id) if conversation_id else []
        first_heard = bool(conversation_id) and not used  # counts the conversations that heard it
        rendered = self.corpus.render(script_id, {**self.shop_values, **values}, used=used)
        if rendered is None:
            log.error("no usable script for %r (missing, or no variant could be filled)", script_id)
            return None
        if conversation_id:
            # a variant heard again starts a new round: the rest become fresh again
            used = [rendered.variant] if rendered.variant in used else [*used, rendered.variant]
            await self.store.set_used_variants(conversation_id, script_id, used[-MAX_REMEMBERED:])
        await self.stats.script_sent(script_id, first_heard)
        return rendered

    async def deliver(self, conversation_id: str, messages: list[dict[str, Any]], mode: str | None = None) -> list[dict[str, Any]]:
        """Log the messages, then push them (and the conversation's mode) to the buyer's widget."""
        stamped = [{"ts": round(app_clock.now(), 3), **message} for message in messages]
        for message in stamped:
            await self.store.append_message(conversation_id, message)
        if self.hub is not None:
            mode = mode or await self.store.get_mode(conversation_id)
            await self.hub.publish(buyer_channel(conversation_id), {"push": True, "mode": mode, "messages": stamped})
        return stamped

    async def send(
        self, conversation_id: str, script_id: str, values: Mapping[str, Any] | None = None,
        sender: str = "bot", mode: str | None = None, **meta: Any,
    ) -> dict[str, Any] | None:
        """Render the script and deliver it; None when it cannot be rendered."""
        rendered = await self.render(conversation_id, script_id, values or {})
        if rendered is None:
            return None
        message = {"sender": sender, "text": rendered.text, "buttons": rendered.buttons, "script": script_id, **meta}
        return (await self.deliver(conversation_id, [message], mode))[0]
