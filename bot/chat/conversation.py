"""One buyer message through the gateway: log it, ask Rasa, log the replies.

A message with the client's id for it (``message_id``, the widget sends one with every
message and the same one on every retry) is answered once: a repeat gets the first answer
again, or ``AlreadyAnswering`` while the first is still being answered. The HTTP route and
the widget's socket both come through here.

A buyer waits for the answer at most ``answer_wait`` (XIAOER_RASA_TIMEOUT), then is told the
bot is slow (``RasaSlow``). The turn itself goes on: Rasa has the message, and a turn given
up would leave a repeat to reach Rasa a second time. Its answer is logged when it comes,
pushed to the buyer's widget and kept for a repeat of the message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from bot.chat.limits import BuyerLimits, TooFast
from bot.chat.questions import QuestionSplitter
from bot.infra.pubsub import buyer_channel
from bot.infra.rasa import RasaClient, RasaSlow, RasaUnavailable
from bot.infra.replies import split_rasa_output
from bot.infra.requests import BadRequest
from bot.infra.shop_stats import ShopStats
from bot.infra.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.handoff.escalation import Escalation

# How long a buyer's message waits for its answer (the gateway uses XIAOER_RASA_TIMEOUT).
ANSWER_WAIT = 30.0
# A delivery that is being answered holds its message id for a lease, renewed while its turn
# goes on (however long Rasa takes): a repeat meanwhile waits (409). A gateway that died
# mid-turn renews it no more, and after one lease a repeat answers the message itself.
ANSWER_LEASE = 30.0
RENEWALS_PER_LEASE = 3
# How long a stopping gateway lets the turns under way finish (within Sanic's graceful 15 s).
DRAIN_WAIT_S = 10.0


class AlreadyAnswering(Exception):
    """A repeat of a message whose first delivery is still being answered."""

    def __init__(self, message_id: str) -> None:
        super().__init__("this message is already being answered")
        self.message_id = message_id


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Reply:
    conversation_id: str
    mode: str
    messages: list[dict[str, Any]]
    # The gateway's own notes after the bot's messages (place in the line, agent hours);
    # the key is present only when there are some.
    notices: list[dict[str, Any]] = field(default_factory=list)
    # the client's id of the message answered, when it sent one
    message_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        body = {"conversation_id": self.conversation_id, "mode": self.mode, "messages": self.messages}
        if self.notices:
            body["notices"] = self.notices
        if self.message_id:
            body["message_id"] = self.message_id
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Reply:
        return cls(body["conversation_id"], body["mode"], body.get("messages", []),
                   body.get("notices", []), body.get("message_id"))


class ConversationService:
    stats = ShopStats()  # the shop's day in numbers: the app gives its shared one (bot/infra/shop_stats.py)

    def __init__(
        self,
        store: Store,
        rasa: RasaClient,
        escalation: "Escalation | None" = None,
        cancel_reminders: Callable[[str], Awaitable[Any]] | None = None,
        splitter: QuestionSplitter | None = None,
        answer_lease: float = ANSWER_LEASE,
        answer_wait: float = ANSWER_WAIT,
        hub: Any = None,
        limits: BuyerLimits | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.escalation = escalation
        self.cancel_reminders = cancel_reminders
        self.splitter = splitter
        self.answer_lease = answer_lease
        self.answer_wait = answer_wait
        self.hub = hub  # pushes an answer that came after its buyer stopped waiting
        self.limits = limits
        self._answering: set[asyncio.Task] = set()

    async def buyer_says(self, conversation_id: str, text: str, message_id: str | None = None,
                         address: str | None = None, context: dict[str, str] | None = None) -> Reply:
        """The answer to a buyer's message from the client at ``address``, counted against the
        buyer API's limits (TooFast when refused: nothing done; None: not limited).
        ``context`` (bot.infra.requests.check_context: the item of the page the chat was opened
        on) goes to Rasa with the message; a repeat of a message is answered as its first
        delivery was, whatever context it carries."""
        limited = self.limits is not None and address is not None
        if limited:
            await self.limits.call(address)
        # From here the message is taken whatever the client does: a socket cut just after its
        # frame arrived cancels the handler, not the delivery (a retry finds it answered).
        return await self._wait_for(conversation_id, self._deliver(
            conversation_id, text, message_id, address if limited else None, context))

    async def _deliver(self, conversation_id: str, text: str, message_id: str | None, address: str | None,
                       context: dict[str, str] | None) -> Reply:
        if message_id is None:  # a client without ids (an integration): every post is a message
            if address is not None:
                await self.limits.message(conversation_id, address)
            return await self._turn(conversation_id, text, context=context)
        claim = await self.store.claim_message(conversation_id, message_id, fingerprint(text), self.answer_lease)
        if claim.status == "answered":
            return Reply.from_json(claim.reply or {})
        if claim.status == "answering":
            raise AlreadyAnswering(message_id)
        if claim.status == "other_text":
            raise BadRequest('this "message_id" was already sent with a different text; use a new id per message')
        if address is not None:  # only a message that would reach Rasa counts toward its conversation
            await self._count(conversation_id, message_id, address, claim.logged)
        return await self._answer_once(conversation_id, text, message_id, claim.logged, context)

    async def _count(self, conversation_id: str, message_id: str, address: str, logged: bool) -> None:
        """Counts a claimed message against its conversation's limits. Refused, it is not taken:
        its id is forgotten, or released when its text is already in the log (from a delivery
        that failed after logging it), so that a retry does not log it twice."""
        try:
            await self.limits.message(conversation_id, address)
        except TooFast:
            if logged:
                await self._release(conversation_id, message_id)
            else:
                await self.store.forget_message(conversation_id, message_id)
            raise
        except BaseException:  # the store failed: a retry may try again at once
            await asyncio.shield(self._release(conversation_id, message_id))
            raise

    async def _wait_for(self, conversation_id: str, turn: Awaitable[Reply]) -> Reply:
        """The turn's reply, or RasaSlow once the buyer has waited answer_wait. The turn runs
        to its end either way, and also if the client goes away meanwhile (a cut socket or
        request cancels its handler): a retry then finds the answer, not half a turn."""
        task = self._keep(asyncio.create_task(turn))
        await asyncio.wait({task}, timeout=self.answer_wait)  # (a cancelled wait leaves the task be)
        if task.done():
            return task.result()
        self._keep(asyncio.create_task(self._push_late(conversation_id, task)))
        raise RasaSlow(f"no answer for {conversation_id} within {self.answer_wait:g} s; it follows")

    async def drain(self, wait_s: float = DRAIN_WAIT_S) -> bool:
        """At shutdown, before Rasa's client and the store close under them: let the turns
        under way (the buyers' answers, late ones too) finish, at most ``wait_s`` seconds.
        True when none was left; one left behind keeps its message retryable (its claim
        lapses and a repeat takes Rasa's answer from its tracker)."""
        pending = set(self._answering)
        if pending:
            await asyncio.wait(pending, timeout=wait_s)
        left = [task for task in pending if not task.done()]
        if left:
            log.warning("%d turn(s) still under way at shutdown; their messages can be sent again", len(left))
        return not left

    def _keep(self, task: asyncio.Task) -> asyncio.Task:
        self._answering.add(task)
        task.add_done_callback(self._answered)
        return task

    def _answered(self, task: asyncio.Task) -> None:
        self._answering.discard(task)
        if not task.cancelled():
            task.exception()  # seen here, so a turn whose caller left logs no "never retrieved"

    async def _push_late(self, conversation_id: str, turn: asyncio.Task) -> None:
        """The answer the buyer stopped waiting for, to the widget when it comes (it is logged)."""
        try:
            reply = await turn
        except Exception as exc:  # the buyer was told; a repeat of the message tries again
            log.error("the late turn of %s failed: %s", conversation_id, exc)
            return
        if self.hub is not None:
            try:
                await self.hub.publish(buyer_channel(conversation_id), {**reply.as_json(), "push": True})
            except Exception as exc:  # the widget finds it in the log when it catches up
                log.warning("the late answer to %s could not be pushed: %s", conversation_id, exc)

    async def _answer_once(self, conversation_id: str, text: str, message_id: str, logged: bool,
                           context: dict[str, str] | None = None) -> Reply:
        holding = asyncio.create_task(self._hold_claim(conversation_id, message_id))
        try:
            reply = await self._turn(conversation_id, text, message_id, logged, context)
        except BaseException:
            # a repeat may try again at once; the text is not logged twice (the claim knows)
            await asyncio.shield(self._release(conversation_id, message_id))
            raise
        finally:
            holding.cancel()
        reply.message_id = message_id
        try:
            await self.store.message_answered(conversation_id, message_id, reply.as_json())
        except StoreUnavailable as exc:  # the buyer still gets the answer; a repeat waits out the lease
            log.error("the answer to message %s could not be remembered: %s", message_id, exc)
        return reply

    async def _hold_claim(self, conversation_id: str, message_id: str) -> None:
        """Renew this delivery's claim on the message while its turn goes on."""
        while True:
            await asyncio.sleep(self.answer_lease / RENEWALS_PER_LEASE)
            try:
                await self.store.renew_message_claim(conversation_id, message_id, self.answer_lease)
            except StoreUnavailable as exc:  # the next renewal tries again
                log.warning("the claim on message %s could not be renewed: %s", message_id, exc)

    async def _release(self, conversation_id: str, message_id: str) -> None:
        try:
            await self.store.message_failed(conversation_id, message_id)
        except StoreUnavailable as exc:  # the claim's lease runs out instead
            log.warning("message %s could not be released for a retry: %s", message_id, exc)

    async def _turn(self, conversation_id: str, text: str, message_id: str | None = None, logged: bool = False,
                    context: dict[str, str] | None = None) -> Reply:
        started = self.stats.timer()
        if not logged:
            # Log first: if Rasa is down the message is still in the conversation.
            await self.store.append_message(conversation_id, {"sender": "buyer", "text": text})
            await self.stats.buyer_message(conversation_id)
            if message_id is not None:
                await self.store.message_logged(conversation_id, message_id)
            if self.cancel_reminders:
                await self.cancel_reminders(conversation_id)  # the buyer wrote first: no 催付
        # Rasa sees every message, even while a person has the case, so its tracker
        # (and the agent's view of what the bot understood) stays complete.
        with_person = await self.store.get_mode(conversation_id) != "bot"
        try:
            # two questions in one message go to the bot as two messages (a person reads it whole)
            parts = await self.splitter.parts(text) if self.splitter and not with_person else [text]
            outputs = await self._ask_rasa(conversation_id, parts, message_id, retried=logged, context=context)
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
        await self.stats.replied_since(started, answered=bool(messages or notices))
        return Reply(conversation_id, mode, messages, notices)

    async def _ask_rasa(self, conversation_id: str, parts: list[str], message_id: str | None,
                        retried: bool, context: dict[str, str] | None = None) -> list[list[dict[str, Any]]]:
        """Rasa's answer to each part of the message (each part with the message's context).
        A retry of a message whose first delivery got as far as Rasa (its gateway died, or
        Rasa's answer was lost on the way) takes the answers Rasa already gave from its
        tracker, and sends only the parts it has not had."""
        # the context goes only when there is one: a Rasa client that takes none still fits
        extra = {"context": context} if context else {}
        if message_id is None:
            return [await self.rasa.send(conversation_id, part, **extra) for part in parts]
        given = (await self.rasa.answers_to(conversation_id, message_id))[:len(parts)] if retried else []
        return given + [await self.rasa.send(conversation_id, part, message_id, **extra) for part in parts[len(given):]]

    async def history(self, conversation_id: str) -> Reply:
        messages = await self.store.messages(conversation_id)
        return Reply(conversation_id, await self.store.get_mode(conversation_id), messages)
