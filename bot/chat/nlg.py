"""The NLG endpoint: Rasa asks for a response by name, we render it from scripts_zh/."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from bot.infra.outbound import Outbound

log = logging.getLogger(__name__)

# Said only when the corpus itself is broken (a missing script, or no variant that can
# be filled); the error is logged so a trainer can fix the script.
LAST_RESORT = "不好意思，我没有完全理解您的意思，能换个说法再和我说一次吗？"


def fill_values(arguments: dict[str, Any], slots: dict[str, Any], shop: dict[str, Any]) -> dict[str, Any]:
    """Placeholder values: the action's arguments win over slots, slots over shop facts."""
    values = dict(shop)
    values.update({k: v for k, v in (slots or {}).items() if v is not None})
    values.update({k: v for k, v in (arguments or {}).items() if v is not None})
    return values


COUNTED_KEPT = 10_000  # buyer messages whose intent this process remembers having counted


def unanswered_message(events: list[dict[str, Any]]) -> str | None:
    """The buyer's latest message (its timestamp) when the bot has said nothing since, else None:
    the replies to it are being made now."""
    for event in reversed(events):
        if event.get("event") == "bot":
            return None
        if event.get("event") == "user":
            return str(event.get("timestamp"))
    return None


class NlgRenderer:
    def __init__(self, outbound: Outbound, review: Any = None) -> None:
        self.outbound = outbound
        self.review = review  # what the bot did not understand goes to the trainers (bot/trainer/review.py)
        # One action's replies are all asked for before Rasa logs any of them: the intent of the
        # message they answer is counted at the first (in this process) and not again.
        self._counted: OrderedDict[tuple[str, str], None] = OrderedDict()

    def count_intent(self, tracker: dict[str, Any]) -> None:
        message = unanswered_message(tracker.get("events") or [])
        key = (str(tracker.get("sender_id") or ""), message or "")
        if message is None or key in self._counted:
            return
        self._counted[key] = None
        if len(self._counted) > COUNTED_KEPT:
            self._counted.popitem(last=False)
        self.outbound.stats.intent(((tracker.get("latest_message") or {}).get("intent") or {}).get("name"))

    async def render(self, request: dict[str, Any]) -> dict[str, Any]:
        script_id = request.get("response") or request.get("template") or ""
        tracker = request.get("tracker") or {}
        conversation_id = str(tracker.get("sender_id") or "")
        if self.review is not None:
            try:  # never in the buyer's way
                await self.review.record(script_id, tracker)
            except Exception as exc:
                log.warning("could not record %s for review: %s", script_id, exc)
        self.count_intent(tracker)
        values = fill_values(request.get("arguments") or {}, tracker.get("slots") or {}, self.outbound.shop_values)
        rendered = await self.outbound.render(conversation_id or None, script_id, values)
        if rendered is None:
            return {"text": LAST_RESORT, "buttons": []}
        return {"text": rendered.text, "buttons": rendered.buttons}
