"""The NLG endpoint: Rasa asks for a response by name, we render it from scripts_zh/."""

from __future__ import annotations

import logging
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


def first_reply_to_latest(events: list[dict[str, Any]]) -> bool:
    """Whether the bot has said nothing yet since the buyer's latest message (so this reply is
    the first to it): the NLU's reading of that message is counted once."""
    for event in reversed(events):
        if event.get("event") == "bot":
            return False
        if event.get("event") == "user":
            return True
    return False


class NlgRenderer:
    def __init__(self, outbound: Outbound, review: Any = None) -> None:
        self.outbound = outbound
        self.review = review  # what the bot did not understand goes to the trainers (bot/trainer/review.py)

    async def render(self, request: dict[str, Any]) -> dict[str, Any]:
        script_id = request.get("response") or request.get("template") or ""
        tracker = request.get("tracker") or {}
        conversation_id = str(tracker.get("sender_id") or "")
        if self.review is not None:
            try:  # never in the buyer's way
                await self.review.record(script_id, tracker)
            except Exception as exc:
                log.warning("could not record %s for review: %s", script_id, exc)
        if first_reply_to_latest(tracker.get("events") or []):
            self.outbound.stats.intent(((tracker.get("latest_message") or {}).get("intent") or {}).get("name"))
        values = fill_values(request.get("arguments") or {}, tracker.get("slots") or {}, self.outbound.shop_values)
        rendered = await self.outbound.render(conversation_id or None, script_id, values)
        if rendered is None:
            return {"text": LAST_RESORT, "buttons": []}
        return {"text": rendered.text, "buttons": rendered.buttons}
