"""The page's item goes with a buyer's message to Rasa: ``"context": {"item": ...}`` in the
API's body or the widget's frame, checked (a bad one is a 400 or an error frame, nothing
logged or sent), and kept in the message's metadata next to its message_id."""

from __future__ import annotations

import asyncio
import json

import pytest
from sanic import Sanic

from bot.app import create_app
from bot.chat.conversation import ConversationService
from bot.config import Settings
from bot.infra.store import MemoryStore
from tests.gateway.fakes import BuyerClient, ScriptedRasa

Sanic.test_mode = True
CONV = "buyer-context-0001"
MID = "6a1d2c3b-4e5f-4a7b-8c9d-0e1f2a3b4c5d"


def post(client, body):
    return client.post(f"/api/conversations/{CONV}/messages", content=json.dumps(body),
                       headers={"content-type": "application/json"})


@pytest.mark.parametrize("item", ["JN-2801", "650012341066", "a", "x" * 64, "code_1-B"])
def test_the_pages_item_reaches_rasa_with_the_message(item):
    rasa = ScriptedRasa()
    store = MemoryStore()
    _, response = post(BuyerClient(create_app(Settings(store="memory"), store=store, rasa=rasa)),
                       {"text": "有黑色吗", "message_id": MID, "context": {"item": item}})
    assert response.status == 200, response.json
    assert rasa.received == [(CONV, "有黑色吗")]
    assert rasa.metadata == [{"item": item, "message_id": MID}]


def test_no_context_and_an_empty_one_send_only_the_message_id():
    rasa = ScriptedRasa()
    client = BuyerClient(create_app(Settings(store="memory"), store=MemoryStore(), rasa=rasa))
    for body in ({"text": "在吗", "message_id": MID}, {"text": "在吗", "message_id": MID[::-1], "context": {}},
                 {"text": "在吗", "context": {"item": None}}):
        assert post(client, body)[1].status == 200
    assert rasa.metadata == [{"message_id": MID}, {"message_id": MID[::-1]}, {}]


@pytest.mark.parametrize("context,reason", [
    ("JN-2801", '"context" must be an object'),
    (["JN-2801"], '"context" must be an object'),
    ({"item": ""}, '"context.item" must be'),
    ({"item": "x" * 65}, '"context.item" must be'),
    ({"item": "JN 2801"}, '"context.item" must be'),
    ({"item": "https://item.taobao.com/item.htm?id=1"}, '"context.item" must be'),
    ({"item": "牛仔裤"}, '"context.item" must be'),
    ({"item": "JN-2801\n"}, '"context.item" must be'),
    ({"item": 650012341066}, '"context.item" must be'),
    ({"item": ["JN-2801"]}, '"context.item" must be'),
    ({"item": "JN-2801", "page": "/detail"}, '"context" takes only "item"'),
    ({"sku": "JN-2801"}, '"context" takes only "item"'),
])
def test_a_bad_context_is_a_400_and_nothing_is_logged_or_sent(context, reason):
    rasa, store = ScriptedRasa(), MemoryStore()
    client = BuyerClient(create_app(Settings(store="memory"), store=store, rasa=rasa))
    _, response = post(client, {"text": "有黑色吗", "message_id": MID, "context": context})
    assert response.status == 400 and reason in response.json["error"], response.json
    assert rasa.received == [] and asyncio.run(store.messages(CONV)) == []
    # the same message with a good context is then taken: the refused one claimed nothing
    _, response = post(client, {"text": "有黑色吗", "message_id": MID, "context": {"item": "JN-2801"}})
    assert response.status == 200 and rasa.metadata == [{"item": "JN-2801", "message_id": MID}]


def test_the_widgets_frame_carries_the_item_and_a_bad_one_is_an_error_frame():
    rasa = ScriptedRasa()
    app = create_app(Settings(store="memory"), store=MemoryStore(), rasa=rasa)
    replies = []

    async def talk(ws):
        for frame in ({"text": "多少钱", "message_id": MID, "context": {"item": "JN 2801"}},
                      {"text": "多少钱", "message_id": MID, "context": {"item": "JN-2801"}}):
            await ws.send(json.dumps(frame))
            replies.append(json.loads(await ws.recv()))

    BuyerClient(app).websocket(f"/ws/{CONV}", mimic=talk)
    assert '"context.item" must be' in replies[0]["error"] and replies[0]["message_id"] == MID
    assert replies[1]["messages"] and rasa.metadata == [{"item": "JN-2801", "message_id": MID}]


def test_each_part_of_a_split_message_and_a_message_without_an_id_carry_the_item():
    class TwoParts:  # two questions in one message go to Rasa as two messages
        async def parts(self, text):
            return text.split("，")

    async def scenario():
        rasa = ScriptedRasa()
        service = ConversationService(MemoryStore(), rasa, splitter=TwoParts())
        await service.buyer_says(CONV, "有黑色吗，多少钱", MID, context={"item": "JN-2801"})
        await service.buyer_says(CONV, "包邮吗", context={"item": "JN-2801"})
        return rasa

    rasa = asyncio.run(scenario())
    assert rasa.received == [(CONV, "有黑色吗"), (CONV, "多少钱"), (CONV, "包邮吗")]
    assert rasa.metadata == [{"item": "JN-2801", "message_id": MID}] * 2 + [{"item": "JN-2801"}]
