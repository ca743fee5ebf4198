"""What an agent does with a case: see the queue, claim, read, reply, release, hand back, close.

Every change goes to the store first and is then pushed live (bot/infra/pubsub.py): to the
buyer's widget on whichever gateway holds it, and to every agent console.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.handoff.line import WaitingLine
from bot.handoff.queue import URGENT, Case, CaseQueue
from bot.handoff.suggestions import CaseSuggestions, question_to_answer
from bot.handoff.understanding import (
    REASON_NAMES_ZH,
    annotate,
    buyer_slots,
    item_and_order,
    recent_events,
    turns,
)
from bot.infra.outbound import Outbound
from bot.infra.pubsub import AGENTS, buyer_channel
from bot.infra.rasa import RasaUnavailable
from bot.staff.people import Agent
from xiaoer import clock as app_clock

log = logging.getLogger(__name__)

HANDED_BACK = "handed_back"
OUTCOMES = {
    HANDED_BACK: "交还机器人",
    "resolved": "已解决",
    "refund_approved": "同意退款",
    "refund_declined": "未同意退款",
    "exchanged": "已换货",
    "order_changed": "已改订单",
    "buyer_left": "买家已离开",
    "other": "其他",
}
LOG_SHOWN = 500  # messages of a conversation shown to the agent
# script-values: utter_agent_joined: agent_name


class DeskError(Exception):
    """A request the desk refuses; ``status`` is the HTTP status, the message is for the agent."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class AgentDesk:
    def __init__(self, queue: CaseQueue, outbound: Outbound, tracker_api: Any, shop: Any,
                 line: WaitingLine | None = None) -> None:
        self.queue = queue
        self.outbound = outbound
        self.store = outbound.store
        self.hub = outbound.hub
        self.corpus = outbound.corpus
        self.tracker_api = tracker_api
        self.shop = shop
        self.suggestions = CaseSuggestions(self.corpus)
        self.line = line or WaitingLine(queue, self.hub, shop, shop.now)  # moves when a case is claimed or released

    # ---- reading

    async def view(self, case: Case, now: float | None = None) -> dict[str, Any]:
        now = now or app_clock.now()
        data = case.as_json()
        data.update(
            reason_zh=REASON_NAMES_ZH.get(case.reason, case.reason),
            urgent=case.priority == URGENT,
            waiting_seconds=round(now - case.opened_at) if case.status == "waiting" else 0,
        )
        return data

    async def overview(self, agent: Agent) -> dict[str, Any]:
        now = app_clock.now()
        waiting = await self.queue.waiting()
        views = []
        for position, case in enumerate(waiting, 1):
            views.append({**await self.view(case, now), "position": position})
        mine = [await self.view(case, now) for case in await self.queue.claimed_by(agent.login)]
        return {"waiting": views, "mine": mine, "now": now, "agent_hours": self.shop.is_agent_hours(self.shop.now())}

    async def _case(self, conversation_id: str) -> Case:
        case = await self.queue.get(conversation_id)
        if case is None:
            raise DeskError(404, "没有这个会话的转人工记录")
        return case

    async def _own(self, conversation_id: str, agent: Agent) -> Case:
        case = await self._case(conversation_id)
        if case.status != "claimed" or case.agent != agent.login:
            raise DeskError(409, "这个会话不在您的接待列表里，请先接入")
        return case

    async def detail(self, conversation_id: str) -> dict[str, Any]:
        """The conversation (its last LOG_SHOWN messages), what the bot understood at each of
        its recent turns (a long tracker is cut: recent_events), item, order, suggestions."""
        case = await self._case(conversation_id)
        try:
            tracker = await self.tracker_api.tracker(conversation_id)
            rasa_ok = True
        except RasaUnavailable as exc:
            log.warning("showing %s without Rasa's tracker: %s", conversation_id, exc)
            tracker, rasa_ok = {}, False
        messages = await self.store.messages(conversation_id, limit=LOG_SHOWN)
        slots = buyer_slots(tracker.get("slots"))
        buyer_texts = [m["text"] for m in messages if m.get("sender") == "buyer"]
        sku, order_id = item_and_order(buyer_texts, slots, self.shop.catalog_for_nlu())
        item = self.shop.item(sku) if sku else None
        item_view = {"sku": item.sku, "name": item.name, "price": item.price} if item else None
        values = {"shop_name": self.shop.name, **slots}
        if item:
            values.update(sku=item.sku, item=item.name, item_name=item.name, price=item.price)
        if order_id:
            values["order_id"] = order_id
        return {
            "case": await self.view(case),
            "mode": await self.store.get_mode(conversation_id),
            "messages": annotate(messages, turns(recent_events(tracker.get("events") or []))),
            "slots": slots,
            "item": item_view,
            "order_id": order_id,
            "suggestions": await self.suggestions.for_case(conversation_id, question_to_answer(buyer_texts), values),
            "rasa_ok": rasa_ok,
            "read_up_to": await self.store.agent_read(conversation_id),  # the buyer saw agent messages up to this ts
        }

    # ---- changing

    async def claim(self, conversation_id: str, agent: Agent) -> dict[str, Any]:
        """Exactly one agent gets a case, however many click at once (bot/handoff/queue.py)."""
        if not await self.queue.claim(conversation_id, agent.login):
            case = await self._case(conversation_id)
            if case.status == "claimed" and case.agent == agent.login:  # a second click
                return {**await self.view(case), "claimed_now": False}
            raise DeskError(409, "这个会话已经有同事接入了" if case.status == "claimed" else "这个会话已经结束了")
        await self.outbound.stats.waited(app_clock.now() - (await self._case(conversation_id)).opened_at)
        await self.store.set_mode(conversation_id, "human")
        joined = await self.outbound.send(
            conversation_id, "utter_agent_joined", {"agent_name": agent.name}, sender="agent", mode="human", agent=agent.login)
        if joined is None:  # the buyer's widget still learns that a person has it
            await self.outbound.deliver(conversation_id, [], "human")
        await self.hub.publish(AGENTS, {"type": "queue"})
        await self.line.moved()
        return {**await self.view(await self._case(conversation_id)), "claimed_now": True}

    async def reply(self, conversation_id: str, agent: Agent, text: str) -> dict[str, Any]:
        await self._own(conversation_id, agent)
        [message] = await self.outbound.deliver(conversation_id, [{"sender": "agent", "agent": agent.login, "text": text}], "human")
        await self.hub.publish(AGENTS, {"type": "message", "conversation_id": conversation_id})
        return message

    async def typing(self, conversation_id: str, agent: Agent, typing: bool) -> None:
        """The agent who has the conversation is typing (or stopped): shown on the buyer's widget,
        through whichever gateway holds it. Live only: never logged."""
        await self._own(conversation_id, agent)
        await self.hub.publish(buyer_channel(conversation_id), {"type": "typing", "who": "agent", "typing": typing})

    async def buyer_read(self, conversation_id: str, up_to: float) -> float:
        """The buyer's widget has shown the agent's messages up to the one stamped ``up_to``
        (which must be an agent message of this conversation): kept, and told to the consoles."""
        messages = await self.store.messages(conversation_id, limit=LOG_SHOWN)
        if not any(m.get("sender") == "agent" and m.get("ts") == up_to for m in messages):
            raise DeskError(400, "up_to is not the ts of an agent message in this conversation")
        read = await self.store.mark_agent_read(conversation_id, up_to)
        await self.hub.publish(AGENTS, {"type": "read", "conversation_id": conversation_id, "up_to": read})
        return read

    async def release(self, conversation_id: str, agent: Agent) -> None:
        """Back to the queue, in its old place, for another agent."""
        await self._own(conversation_id, agent)
        if not await self.queue.release(conversation_id, agent.login):
            raise DeskError(409, "这个会话不在您的接待列表里")
        await self.store.set_mode(conversation_id, "waiting")
        await self.outbound.deliver(conversation_id, [], "waiting")
        await self.hub.publish(AGENTS, {"type": "queue"})
        await self.line.moved()

    async def finish(self, conversation_id: str, agent: Agent, outcome: str) -> dict[str, Any]:
        """Close the case with its outcome and hand the buyer back to the bot, slots intact."""
        if outcome not in OUTCOMES:
            raise DeskError(400, "请选择一个处理结果")
        await self._own(conversation_id, agent)
        try:  # Rasa first: if it cannot resume, the agent keeps the case and can try again
            await self.tracker_api.resume(conversation_id)
        except RasaUnavailable as exc:
            log.error("could not resume the bot for %s: %s", conversation_id, exc)
            raise DeskError(503, "机器人暂时没有响应，会话仍由您接待，请稍后再试") from exc
        case = await self.queue.close(conversation_id, agent.login, outcome)
        if case is None:
            raise DeskError(409, "这个会话不在您的接待列表里")
        await self.store.set_mode(conversation_id, "bot")
        await self._unpause_after_flip(conversation_id)
        farewell = "utter_back_to_bot" if outcome == HANDED_BACK else "utter_case_closed"
        if await self.outbound.send(conversation_id, farewell, mode="bot") is None:
            await self.outbound.deliver(conversation_id, [], "bot")
        await self.hub.publish(AGENTS, {"type": "queue"})
        log.info("case %s closed by %s: %s", conversation_id, agent.login, outcome)
        return await self.view(case)

    async def _unpause_after_flip(self, conversation_id: str) -> None:
        """Resume Rasa again if a buyer message paused it during the hand-back.

        A message that came between the first resume and the mode's flip to "bot" saw a
        person still on the case and paused Rasa again (Escalation.after_turn). So, after
        the flip: if Rasa is paused, resume it. A pause that lands after this look is
        undone by its sender, who reads the mode after pausing (Escalation.keep_rasa_quiet).
        Between them no pause outlives the hand-back, without a lock around Rasa's answer.
        Looking first keeps an unraced hand-back to one resume (a second one would log
        another action_listen in Rasa's history).
        """
        try:
            if (await self.tracker_api.tracker(conversation_id)).get("paused"):
                log.warning("a buyer message paused %s during its hand-back: resuming again", conversation_id)
                await self.tracker_api.resume(conversation_id)
        except RasaUnavailable as exc:  # the case is closed: nothing to hand back to the agent
            log.error("could not make sure the bot is resumed for %s: %s", conversation_id, exc)
