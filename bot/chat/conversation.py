"""One buyer message through the gateway: log it, ask Rasa, log the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from bot.chat.questions import QuestionSplitter
from bot.infra.rasa import RasaClient, RasaUnavailable
from bot.infra.replies import split_rasa_output
from bot.infra.store import Store

if TYPE_CHECKING:
    from bot.handoff.escalation import Escalation


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
            turn = await self.escalation.after_turn(conversation_id, text, mode, messages, controls,
                                                    asked_bot=not with_person)
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
