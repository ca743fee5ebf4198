"""After each buyer message: does a person take over, and what is the buyer told?

The bot hands off itself (a ``{"handoff": ...}`` payload from actions/handoff.py, Rasa
already paused). The gateway adds the one trigger Rasa cannot see: an angry buyer the
bot did not hand off (xiaoer/anger.py), for whom it pauses Rasa itself. Either way a case
is opened in the queue and the buyer learns their place in the line and, outside agent
hours, when someone will answer. While a case is open the bot does not take part in the
conversation: anything Rasa still says (a new session unpauses it) is dropped and Rasa is
paused again. One exception while the buyer is still in the line (no agent yet): a shop
question the bot can answer from the shop's policies ("几天到成都", "退款多久到账") is
answered, beside the place in the line, instead of leaving the buyer to wait for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

from bot.handoff.line import WaitingLine
from bot.handoff.queue import Case, CaseQueue, case_priority
from bot.handoff.understanding import case_summary
from bot.infra.outbound import Outbound
from bot.infra.pubsub import AGENTS
from bot.infra.rasa import RasaUnavailable
from bot.infra.replies import split_rasa_output
from xiaoer import clock as app_clock
from xiaoer.anger import assess_anger
from xiaoer.order_changes import clean_changes

log = logging.getLogger(__name__)

ANGRY_SCRIPT = "utter_handoff_complaint"
BOT_ERROR_SCRIPT = "utter_handoff_bot_error"
# Shop questions the bot still answers while the buyer waits in the line, and the action
# that answers each (information only: a case already open needs no second hand-off).
WAITING_ANSWERS = {
    "ask_shipping": "action_shipping",
    "ask_stock": "action_check_stock",
    "ask_product_info": "action_product_info",
    "color_difference": "action_colour_difference",
    "ask_payment": "action_payment",
    "ask_promotion": "action_promotion",
    "return_exchange": "action_return_exchange",
}
WAITING_MIN_CONFIDENCE = 0.6  # unsure while waiting: the person will read it
# script-values: utter_queue_position: position
# script-values: utter_queue_still_waiting: position
# script-values: utter_agents_closed: opening, agent_hours
# script-values: utter_queue_received_closed: opening


@dataclass
class Turn:
    messages: list[dict[str, Any]]  # the bot's, for the buyer
    notices: list[dict[str, Any]]  # the gateway's: place in the line, agent hours
    mode: str


class Escalation:
    def __init__(
        self,
        queue: CaseQueue,
        outbound: Outbound,
        tracker_api: Any,
        shop: Any,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.queue = queue
        self.outbound = outbound
        self.store = outbound.store
        self.hub = outbound.hub
        self.tracker_api = tracker_api
        self.shop = shop
        self.now = now or shop.now
        self.line = WaitingLine(queue, self.hub, shop, self.now)  # pushed to waiting buyers as it moves

    def opening(self) -> str | None:
        """Outside agent hours, when someone answers ("明天上午9:00"); None while they are on."""
        return self.line.opening()

    async def say(self, conversation_id: str, script_id: str, **values: Any) -> dict[str, Any] | None:
        rendered = await self.outbound.render(conversation_id, script_id, values)
        return {"text": rendered.text, "buttons": rendered.buttons} if rendered else None

    async def queue_notices(self, conversation_id: str) -> list[dict[str, Any]]:
        """Your place in the line, and outside agent hours when someone will answer."""
        notices = []
        position = await self.queue.position(conversation_id)
        if position:
            notices.append(await self.say(conversation_id, "utter_queue_position", position=position))
        opening = self.opening()
        if opening:
            notices.append(await self.say(
                conversation_id, "utter_agents_closed", opening=opening, agent_hours=str(self.shop.agent_hours)))
        await self.queue.mark_notified(conversation_id, app_clock.now())
        return [n for n in notices if n]

    async def after_turn(
        self,
        conversation_id: str,
        text: str,
        mode: str,
        messages: list[dict[str, Any]],
        controls: list[dict[str, Any]],
        asked_bot: bool = True,
    ) -> Turn:
        """The bot's messages, the gateway's notices and the mode after this buyer message.
        ``asked_bot``: the message went to a bot that was answering (not paused for a person)."""
        handoff = next((c["handoff"] for c in controls if isinstance(c.get("handoff"), dict)), None)
        angry = assess_anger(text).angry
        if mode == "bot":
            if handoff:
                reason = str(handoff.get("reason") or "buyer_asked")
                await self.open_case(conversation_id, reason, angry, handoff.get("intent"),
                                     clean_changes(handoff.get("changes")))
                return Turn(messages, await self.queue_notices(conversation_id), "waiting")
            if angry:
                await self.pause_rasa(conversation_id)
                await self.open_case(conversation_id, "angry_buyer", True, None)
                told = [m for m in [await self.say(conversation_id, ANGRY_SCRIPT)] if m]
                return Turn(messages + told, await self.queue_notices(conversation_id), "waiting")
            if not messages and asked_bot:
                # Every turn gets an answer; none at all means a part failed (the action server
                # down, an action that raised): say so and bring a person, never leave silence.
                log.error("the bot gave %s no answer: handing off", conversation_id)
                await self.pause_rasa(conversation_id)
                await self.open_case(conversation_id, "bot_error", angry, None)
                told = [m for m in [await self.say(conversation_id, BOT_ERROR_SCRIPT)] if m]
                return Turn(told, await self.queue_notices(conversation_id), "waiting")
            return Turn(messages, [], mode)
        # A person has (or will have) the conversation: the bot says nothing.
        handed_back = bool(messages or handoff) and not await self.keep_rasa_quiet(conversation_id)
        await self.hub.publish(AGENTS, {"type": "message", "conversation_id": conversation_id})
        if handed_back:  # the case was handed back meanwhile: Rasa is listening again
            return Turn([], [], "bot")
        if mode != "waiting":
            return Turn([], [], mode)
        if angry and await self.queue.escalate(conversation_id):
            await self.hub.publish(AGENTS, {"type": "queue"})
            await self.line.moved()
        case = await self.queue.get(conversation_id)
        if case and case.status == "waiting":
            answer = await self.answer_while_waiting(conversation_id)
            return Turn(answer, await self.waiting_notices(conversation_id), mode)
        return Turn([], [], mode)

    async def answer_while_waiting(self, conversation_id: str) -> list[dict[str, Any]]:
        """The bot's answer to a shop question asked in the line, or nothing."""
        try:
            latest = (await self.tracker_api.tracker(conversation_id, events=False)).get("latest_message") or {}
            intent = latest.get("intent") or {}
            action = WAITING_ANSWERS.get(intent.get("name") or "")
            if action is None or float(intent.get("confidence") or 0) < WAITING_MIN_CONFIDENCE:
                return []
            output = await self.tracker_api.execute(conversation_id, action)
        except RasaUnavailable as exc:
            log.warning("no answer while %s waits: %s", conversation_id, exc)
            return []
        messages, controls = split_rasa_output(output)
        if any("handoff" in control for control in controls):
            return []  # it would hand off again: the case is open, the person will answer
        return [m for m in messages if m["text"]]

    async def waiting_notices(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every message while the buyer waits is acknowledged, truthfully about the hour:
        the place in the line in agent hours, when someone starts outside them."""
        opening = self.opening()
        if opening:
            notice = await self.say(conversation_id, "utter_queue_received_closed", opening=opening)
        else:
            position = await self.queue.position(conversation_id)
            notice = await self.say(conversation_id, "utter_queue_still_waiting", position=position or 1)
        await self.queue.mark_notified(conversation_id, app_clock.now())
        return [notice] if notice else []

    async def pause_rasa(self, conversation_id: str) -> None:
        try:
            await self.tracker_api.pause(conversation_id)
        except RasaUnavailable as exc:  # the gateway's mode keeps the bot quiet meanwhile
            log.warning("could not pause Rasa for %s: %s", conversation_id, exc)

    async def keep_rasa_quiet(self, conversation_id: str) -> bool:
        """Pause Rasa while a person has the conversation; False if, by the time the pause
        reached Rasa, the case was handed back (the mode is "bot"): then Rasa is resumed.

        The mode is read after the pause, not only before it: a hand-back that flipped the
        mode after that read resumes Rasa after it too (AgentDesk.finish), so whichever
        order the two take, Rasa is not left paused with the bot in charge.
        """
        await self.pause_rasa(conversation_id)
        if await self.store.get_mode(conversation_id) != "bot":
            return True
        log.info("%s was handed back while the gateway paused Rasa: resuming", conversation_id)
        try:
            await self.tracker_api.resume(conversation_id)
        except RasaUnavailable as exc:
            log.error("could not resume Rasa for %s after a hand-back: %s", conversation_id, exc)
        return False

    async def open_case(
        self, conversation_id: str, reason: str, angry: bool, intent: str | None,
        changes: list[dict[str, Any]] | None = None,
    ) -> Case:
        try:
            tracker = await self.tracker_api.tracker(conversation_id)
        except RasaUnavailable as exc:
            log.warning("case %s opened without Rasa's tracker: %s", conversation_id, exc)
            tracker = None
        log_messages = await self.store.messages(conversation_id, limit=30)
        buyer_texts = [m["text"] for m in log_messages if m.get("sender") == "buyer"]
        case = Case(
            conversation_id=conversation_id,
            reason=reason,
            priority=case_priority(reason, angry),
            angry=angry,
            summary=case_summary(tracker, buyer_texts, self.shop, intent, changes),
        )
        case, opened = await self.queue.open(case)
        await self.store.set_mode(conversation_id, "waiting" if case.status == "waiting" else "human")
        if opened:
            log.info("hand-off %s: %s (priority %s)", conversation_id, reason, case.priority)
            await self.outbound.stats.handed_off(conversation_id, reason, await self.store.scripts_heard(conversation_id))
            await self.hub.publish(AGENTS, {"type": "queue"})
            await self.line.moved()
        return case
