"""One buyer message through the gateway: log it, ask Rasa, log the replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from bot.chat.questions import QuestionSplitter
from bot.infra.rasa import RasaClient, RasaUnavailable
from bot.infra.store import Store

if TYPE_CHECKING:
    from bot.handoff.escalation import Escalation

log = logging.getLogger(__name__)


@dataclass
class Reply:
    conversation_id: str
    mode: str
    messages: list[dict[str, Any]]
    # The gateway's own notes after the bot's messages (place in the line, agent hours);
    # the key is present only when there are some.
    notices: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        body = {"conversation_id": self.conversation_id, "mode": self.mode, "messages": self.messages}
        if self.notices:
            body["notices"] = self.notices
        return body


# A reply is a few bubbles on a phone, never a flood: whatever the dialogue predicts (a form
# that keeps asking back has produced ten in one turn), the buyer sees at most this many,
# each text once.
MAX_MESSAGES_PER_REPLY = 3


def split_rasa_output(*outputs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rasa's REST output (one per question the message asked) as (messages for the buyer,
    custom control payloads). Each question keeps its first message within the cap."""
    answers, controls = [], []
    for output in outputs:
        messages = []
        for item in output:
            if isinstance(item.get("custom"), dict):
                controls.append(item["custom"])
            if item.get("text") or item.get("buttons"):
                messages.append({"text": item.get("text") or "", "buttons": item.get("buttons") or []})
        answers.append(messages)
    firsts = {id(m[0]) for m in answers if m}
    ordered = [m for messages in answers for m in messages]
    # the first message of every answer, then the rest in order, shown in the order said
    ranked = sorted(ordered, key=lambda m: 0 if id(m) in firsts else 1)
    kept = {id(m) for m in at_most(ranked, MAX_MESSAGES_PER_REPLY)}
    return [m for m in ordered if id(m) in kept], controls


def at_most(messages: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` messages, each text once."""
    kept, seen = [], set()
    for message in messages:
        if message["text"] and message["text"] in seen:
            continue
        seen.add(message["text"])
        kept.append(message)
    if len(kept) > limit:
        log.warning("a reply of %d messages was cut to %d", len(kept), limit)
    return kept[:limit]


class ConversationService:
    def __init__(
        self,
        store: Store,
        rasa: RasaClient,
        escalation: "Escalation | None" = None,
        cancel_reminders: Callable[[str], Awaitable[Any]] | None = None,
        splitter: QuestionSplitter | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.escalation = escalation
        self.cancel_reminders = cancel_reminders
        self.splitter = splitter

    async def buyer_says(self, conversation_id: str, text: str) -> Reply:
        # Log first: if Rasa is down the message is still in the conversation.
        await self.store.append_message(conversation_id, {"sender": "buyer", "text": text})
        if self.cancel_reminders:
            await self.cancel_reminders(conversation_id)  # the buyer wrote first: no 催付
        # Rasa sees every message, even while a person has the case, so its tracker
        # (and the agent's view of what the bot understood) stays complete.
        with_person = await self.store.get_mode(conversation_id) != "bot"
        try:
            # two questions in one message go to the bot as two messages (a person reads it whole)
            parts = await self.splitter.parts(text) if self.splitter and not with_person else [text]
            outputs = [await self.rasa.send(conversation_id, part) for part in parts]
        except RasaUnavailable:
            if not with_person:
                raise
            outputs = []  # a person answers this conversation; Rasa being down changes nothing
        messages, controls = split_rasa_output(*outputs)
        mode = await self.store.get_mode(conversation_id)
        notices: list[dict[str, Any]] = []
        if self.escalation:
            # Opens a case when the bot hands off or the buyer is angry; keeps the bot
            # silent while a person has the conversation.
            turn = await self.escalation.after_turn(conversation_id, text, mode, messages, controls)
            messages, notices, mode = turn.messages, turn.notices, turn.mode
        elif mode == "bot" and any("handoff" in control for control in controls):
            mode = "waiting"
            await self.store.set_mode(conversation_id, mode)
        for message in messages:
            await self.store.append_message(conversation_id, {"sender": "bot", **message})
        for notice in notices:
            await self.store.append_message(conversation_id, {"sender": "notice", **notice})
        return Reply(conversation_id, mode, messages, notices)

    async def history(self, conversation_id: str) -> Reply:
        messages = await self.store.messages(conversation_id)
        return Reply(conversation_id, await self.store.get_mode(conversation_id), messages)
