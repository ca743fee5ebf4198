"""Hand-back racing a buyer message: whenever the message lands, the bot answers afterwards.

The gateway's real objects (ConversationService, Escalation, AgentDesk, on the memory store
and on the real Redis) and a stand-in for Rasa whose tracker API runs a buyer message at
an exact point of the hand-back: inside the resume (before or after Rasa applies it), inside
the pause the message's own turn sends, or while the message is at Rasa. No sleeps: each
interleaving is forced by a hook that runs once.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.chat.conversation import ConversationService
from bot.config import ROOT, Settings
from bot.handoff.desk import AgentDesk, DeskError
from bot.handoff.escalation import Escalation
from bot.handoff.queue import MemoryCaseQueue, RedisCaseQueue
from bot.infra.outbound import Outbound
from bot.infra.pubsub import LocalHub
from bot.infra.store import MemoryStore, RedisStore
from tests.conftest import REDIS_URL
from tests.gateway.test_handoff_harness import (
    AGENTS,
    DAYTIME,
    PausingRasa,
    conversation,
    handoff,
)
from xiaoer.scripts import ScriptCorpus
from xiaoer.shop import load_shop

CORPUS = ScriptCorpus(ROOT / "scripts_zh")
SHOP = load_shop(Settings().shop_dir)
AGENT = AGENTS.get("demo")
ANSWER = "实物拍摄，色差很小。"


class HookedRasa(PausingRasa):
    """PausingRasa that records the pause/resume calls in the order Rasa applied them and
    runs a hook, once, at a named point: before_/after_ pause, resume or send."""

    def __init__(self) -> None:
        super().__init__(answers={"转人工": handoff("buyer_asked"), "有色差吗": [{"text": ANSWER}]},
                         intents={"转人工": "request_human", "有色差吗": "color_difference"})
        self.calls: list[str] = []
        self.hooks: dict[str, object] = {}

    async def _at(self, point: str) -> None:
        hook = self.hooks.pop(point, None)
        if hook is not None:
            await hook()

    async def pause(self, conversation_id: str) -> None:
        await self._at("before_pause")
        await super().pause(conversation_id)
        self.calls.append("pause")
        await self._at("after_pause")

    async def resume(self, conversation_id: str) -> None:
        await self._at("before_resume")
        await super().resume(conversation_id)
        self.calls.append("resume")
        await self._at("after_resume")

    async def send(self, sender: str, text: str, message_id: str | None = None) -> list[dict]:
        await self._at("before_send")
        output = await super().send(sender, text, message_id)
        await self._at("after_send")
        return output


@contextlib.asynccontextmanager
async def bench(kind: str, prefix: str):
    """The gateway's hand-off objects wired as bot/app.py wires them, without the server."""
    if kind == "redis":
        store = RedisStore(REDIS_URL, prefix=prefix)
        queue = RedisCaseQueue(store.redis, store.prefix)
    else:
        store, queue = MemoryStore(), MemoryCaseQueue()
    rasa = HookedRasa()
    outbound = Outbound(CORPUS, store, LocalHub(), {"shop_name": SHOP.name})
    escalation = Escalation(queue, outbound, rasa, SHOP, now=lambda: DAYTIME)
    try:
        yield store, queue, rasa, ConversationService(store, rasa, escalation), AgentDesk(queue, outbound, rasa, SHOP)
    finally:
        await store.close()


# Where the buyer's message lands, and what drives what:
#   "finish" drives: the agent hands back and the buyer's message runs inside the hand-back;
#   "buyer" drives: the buyer's message is under way and the whole hand-back runs inside it.
INTERLEAVINGS = {
    # Rasa already resumed, the mode not yet "bot": the message's turn sees a person still
    # has it, drops Rasa's answer and pauses Rasa again (the reported bug).
    "message_after_resume": ("finish", "after_resume", False),
    # The message before Rasa resumed: Rasa is still paused and says nothing.
    "message_before_resume": ("finish", "before_resume", False),
    # The message's turn decided to pause (Rasa answered, a new session had unpaused it,
    # the mode was "human") and its pause reaches Rasa after the whole hand-back.
    "pause_lands_after_handback": ("buyer", "before_pause", True),
    # The message read the mode ("human") and is at Rasa when the hand-back runs.
    "handback_while_message_at_rasa": ("buyer", "before_send", False),
    "handback_after_rasa_answered": ("buyer", "after_send", False),
}


@pytest.mark.parametrize("kind", ["memory", "redis"])
@pytest.mark.parametrize("name", list(INTERLEAVINGS))
def test_the_bot_answers_after_a_hand_back_raced_by_a_buyer_message(redis_prefix, kind, name):
    driver, point, new_session = INTERLEAVINGS[name]

    async def scenario():
        async with bench(kind, redis_prefix) as (store, queue, rasa, conversations, desk):
            conv = conversation()
            assert (await conversations.buyer_says(conv, "转人工")).mode == "waiting"
            await desk.claim(conv, AGENT)
            assert await store.get_mode(conv) == "human" and conv in rasa.paused
            if new_session:
                rasa.paused.discard(conv)  # Rasa's session expired: a new one is not paused
            ran = []

            async def finish():
                ran.append("finish")
                return await desk.finish(conv, AGENT, "handed_back")

            async def message():
                ran.append("message")
                return await conversations.buyer_says(conv, "在吗")

            if driver == "finish":
                rasa.hooks[point] = message
                await finish()
            else:
                rasa.hooks[point] = finish
                await message()
            closed = await queue.get(conv)
            assert ran == (["finish", "message"] if driver == "finish" else ["message", "finish"]), "the hook ran"
            after = await conversations.buyer_says(conv, "有色差吗")
            return conv, rasa, closed, after, await store.get_mode(conv)

    conv, rasa, closed, after, mode = asyncio.run(scenario())
    assert closed.status == "closed" and closed.outcome == "handed_back"
    assert mode == "bot" and after.mode == "bot"
    assert [m["text"] for m in after.messages] == [ANSWER], "the bot answers the next message"
    assert conv not in rasa.paused, "Rasa is not left paused"
    assert rasa.calls[-1] != "pause", rasa.calls


def test_a_failed_resume_leaves_the_case_with_the_agent_and_the_bot_quiet():
    """Rasa cannot resume: the agent keeps the case, the mode stays "human", retry works."""

    async def scenario():
        async with bench("memory", "") as (store, queue, rasa, conversations, desk):
            conv = conversation()
            await conversations.buyer_says(conv, "转人工")
            await desk.claim(conv, AGENT)
            rasa.down = True
            with pytest.raises(DeskError) as refused:
                await desk.finish(conv, AGENT, "handed_back")
            state = (refused.value.status, (await queue.get(conv)).status, await store.get_mode(conv))
            rasa.down = False
            await desk.finish(conv, AGENT, "handed_back")
            after = await conversations.buyer_says(conv, "有色差吗")
            return state, after

    state, after = asyncio.run(scenario())
    assert state == (503, "claimed", "human")
    assert [m["text"] for m in after.messages] == [ANSWER]
