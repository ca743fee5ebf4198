"""One buyer message through the gateway: check it, log it, ask Rasa, log the replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.rasa_client import RasaClient
from bot.store import Store

# Ids are chosen by the widget (a random token) and are the buyer's only key to the
# conversation, so they must be long enough not to be guessed and safe in Redis keys.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}\Z")


class BadRequest(ValueError):
    """Input the buyer (or a client) must fix; the message is the reason."""


def check_conversation_id(conversation_id: str) -> str:
    if not CONVERSATION_ID.match(conversation_id or ""):
        raise BadRequest("conversation_id must be 8-64 letters, digits, '-' or '_'")
    return conversation_id


def check_text(payload: Any, max_chars: int) -> str:
    if not isinstance(payload, dict):
        raise BadRequest('the body must be a JSON object like {"text": "在吗"}')
    text = payload.get("text")
    if not isinstance(text, str):
        raise BadRequest('"text" is required and must be a string')
    text = text.strip()
    if not text:
        raise BadRequest('"text" is empty')
    if len(text) > max_chars:
        raise BadRequest(f'"text" is {len(text)} characters; the limit is {max_chars}')
    return text


@dataclass
class Reply:
    conversation_id: str
    mode: str
    messages: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "mode": self.mode, "messages": self.messages}


def split_rasa_output(output: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rasa's REST output as (messages for the buyer, custom control payloads)."""
    messages, controls = [], []
    for item in output:
        if isinstance(item.get("custom"), dict):
            controls.append(item["custom"])
        if item.get("text") or item.get("buttons"):
            messages.append({"text": item.get("text") or "", "buttons": item.get("buttons") or []})
    return messages, controls


class ConversationService:
    def __init__(self, store: Store, rasa: RasaClient) -> None:
        self.store = store
        self.rasa = rasa

    async def buyer_says(self, conversation_id: str, text: str) -> Reply:
        # Log first: if Rasa is down the message is still in the conversation.
        await self.store.append_message(conversation_id, {"sender": "buyer", "text": text})
        # Rasa sees every message, even while a person has the case, so its tracker
        # (and the agent's view of what the bot understood) stays complete.
        output = await self.rasa.send(conversation_id, text)
        messages, controls = split_rasa_output(output)
        for control in controls:
            if "handoff" in control and await self.store.get_mode(conversation_id) == "bot":
                await self.store.set_mode(conversation_id, "waiting")
        for message in messages:
            await self.store.append_message(conversation_id, {"sender": "bot", **message})
        mode = await self.store.get_mode(conversation_id)
        return Reply(conversation_id, mode, messages)

    async def history(self, conversation_id: str) -> Reply:
        messages = await self.store.messages(conversation_id)
        return Reply(conversation_id, await self.store.get_mode(conversation_id), messages)
