"""Rasa slower than a buyer's wait: the buyer is told (RasaSlow) and the turn goes on, holding
the message's claim (renewed past its lease), so a repeat meanwhile waits and never reaches
Rasa; the late answer is logged once, pushed to the buyer's widget and given to the repeat.
On Redis and in memory; tests/e2e/test_faults_live.py runs it against the real processes,
with a turn held longer than its lease."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat.conversation import AlreadyAnswering, ConversationService
from bot.infra.pubsub import buyer_channel
from bot.infra.rasa import RasaSlow
from tests.gateway.test_message_ids import (
    ANSWERS,
    CONV,
    MID,
    GatedRasa,
    buyer_texts,
    make_store,
    soon,
)

__all__ = ["make_store"]  # the store fixture (Redis and memory), shared with test_message_ids


class Hub:
    """Records what the gateway pushes to the widgets."""

    def __init__(self) -> None:
        self.pushed: list[tuple[str, dict]] = []
        self.published = asyncio.Event()

    async def publish(self, channel: str, message: dict) -> None:
        self.pushed.append((channel, message))
        self.published.set()


def test_a_buyer_told_rasa_is_slow_gets_the_late_answer_pushed_and_rasa_is_asked_once(make_store):
    async def scenario():
        store, rasa, hub = make_store(), GatedRasa(ANSWERS), Hub()
        service = ConversationService(store, rasa, answer_wait=0.05, hub=hub)
        with pytest.raises(RasaSlow):
            await soon(service.buyer_says(CONV, "在吗", MID))
        with pytest.raises(AlreadyAnswering):  # the turn goes on: a repeat waits for it
            await soon(service.buyer_says(CONV, "在吗", MID))
        rasa.gate.set()
        await soon(hub.published.wait())
        again = (await soon(service.buyer_says(CONV, "在吗", MID))).as_json()
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, hub.pushed, again, history

    received, pushed, again, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")]
    assert pushed == [(buyer_channel(CONV), {**again, "push": True})]
    assert again["messages"][0]["text"] == "您好，欢迎光临！" and again["message_id"] == MID
    assert [(m["sender"], m["text"]) for m in history] == [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]


def test_a_message_without_an_id_is_told_slow_and_its_answer_logged_when_it_comes(make_store):
    async def scenario():
        store, rasa, hub = make_store(), GatedRasa(ANSWERS), Hub()
        service = ConversationService(store, rasa, answer_wait=0.05, hub=hub)
        with pytest.raises(RasaSlow):
            await soon(service.buyer_says(CONV, "在吗"))
        rasa.gate.set()
        await soon(hub.published.wait())
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, history

    received, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")] and buyer_texts(history) == ["在吗"]
    assert [m["text"] for m in history if m["sender"] == "bot"] == ["您好，欢迎光临！"]


def test_a_renewed_claim_outlives_its_first_lease(make_store):
    async def scenario():
        store = make_store()
        await store.claim_message(CONV, MID, "fp", lease=-1)  # its first lease is already over...
        await store.renew_message_claim(CONV, MID, lease=30)  # ...but its gateway renewed it
        renewed = await store.claim_message(CONV, MID, "fp", lease=30)
        await store.claim_message(CONV, "another-message-0001", "fp", lease=-1)  # not renewed
        lapsed = await store.claim_message(CONV, "another-message-0001", "fp", lease=30)
        await store.close()
        return renewed, lapsed

    renewed, lapsed = asyncio.run(scenario())
    assert renewed.status == "answering", "a repeat waits for the gateway still answering"
    assert lapsed.status == "new", "a claim nobody renews is taken over"

