"""A conversation's token, not its id, opens it (bot/chat/keys.py): the first answer carries it,
a later message, the history and the socket need it. On the memory store and real Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis as redis_sync
from sanic import Sanic
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bot.app import create_app
from bot.chat.conversation import fingerprint
from bot.chat.keys import ConversationKeys, NoAccess
from bot.config import Settings
from bot.infra.store import MemoryStore, RedisStore
from bot.infra.tokens import tokens_for
from tests.conftest import REDIS_URL
from tests.gateway.fakes import ScriptedRasa
from tests.gateway.test_handoff_harness import (
    PausingRasa,
    conversation,
    gateways,
    next_frame,
)
from tools import apply_retention, erase_buyer

Sanic.test_mode = True
CONV = "token-conv-0001"
MID = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
RETENTION = 90 * 86400  # the demo shop's


@pytest.fixture(params=["memory", "redis"])
def store(request, redis_prefix):
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(REDIS_URL, prefix=redis_prefix, retention_s=RETENTION)


def api(store):
    """Sanic's test client, with no memory of tokens: each call sends what the test says."""
    return create_app(Settings(store="memory"), store=store, rasa=ScriptedRasa()).test_client


def post(client, text, token=None, message_id=None, conv=CONV):
    body = {"text": text, **({"message_id": message_id} if message_id else {})}
    headers = {"X-Conversation-Token": token} if token is not None else {}
    return client.post(f"/api/conversations/{conv}/messages", json=body, headers=headers)[1]


def history(client, token=None, conv=CONV):
    return client.get(f"/api/conversations/{conv}", headers={"X-Conversation-Token": token} if token else {})[1]


def test_the_first_answer_carries_the_token_and_later_calls_need_it(store):
    client = api(store)
    first = post(client, "在吗")
    token = first.json["conversation_token"]
    assert first.status == 200 and len(token) >= 32 and first.headers["x-conversation-token"] == token

    for answer in (post(client, "有黑色吗"), history(client)):
        assert answer.status == 403 and "conversation_token" in answer.json["error"], answer.json
    for answer in (post(client, "有黑色吗", token[::-1]), history(client, token[::-1]), history(client, "x")):
        assert answer.status == 403 and answer.json == {"error": "this conversation_token is not this conversation's"}

    later = post(client, "有黑色吗", token)
    assert later.status == 200 and later.json["conversation_token"] == token
    shown = history(client, token)
    assert shown.status == 200
    assert [m["text"] for m in shown.json["messages"] if m["sender"] == "buyer"] == ["在吗", "有黑色吗"], \
        "the refused messages were not taken"


def test_a_repeat_of_the_first_message_gets_the_same_token_without_sending_it(store):
    client = api(store)
    first = post(client, "在吗", message_id=MID)
    repeat = post(client, "在吗", message_id=MID)  # its first answer was lost: the widget has no token
    assert first.status == repeat.status == 200
    assert repeat.json == first.json and repeat.json["conversation_token"]
    # only that message, with that text: another id or another text learns nothing
    assert post(client, "在吗", message_id=MID[::-1]).status == 403
    other_text = post(client, "我的地址", message_id=MID)
    assert other_text.status == 403 and "conversation_token" not in other_text.json


def test_an_id_from_post_api_conversations_comes_with_a_token_that_opens_it(store):
    client = api(store)
    _, fresh = client.post("/api/conversations")
    conv, token = fresh.json["conversation_id"], fresh.json["conversation_token"]
    assert history(client, token, conv).status == 404, "nothing said yet"
    assert history(client, None, conv).status == 403 and history(client, "x" * 43, conv).status == 403
    first = post(client, "在吗", token, conv=conv)
    assert first.status == 200 and first.json["conversation_token"] == token, "the first message claims it"
    assert post(client, "在吗", None, conv=conv).status == 403
    assert history(client, token, conv).status == 200


def test_a_conversation_with_a_log_but_no_token_is_not_opened_by_its_id(store):
    """Started before tokens, or written first by the bot: its id alone reads and writes nothing."""
    asyncio.run(store.append_message(CONV, {"sender": "buyer", "text": "我家地址是杭州西湖区文三路88号"}))
    client = api(store)
    refused = post(client, "在吗")
    assert refused.status == 403 and "start a new one" in refused.json["error"]
    assert history(client).status == 403
    assert [m["text"] for m in asyncio.run(store.messages(CONV))] == ["我家地址是杭州西湖区文三路88号"]


def test_a_reminder_written_before_the_buyer_spoke_is_read_with_the_widgets_token(store):
    """An order names the widget's id: the bot's reminder is the conversation's first line, and
    the widget (with the token that came with its id) shows it and then writes to it."""
    client = api(store)
    _, fresh = client.post("/api/conversations")
    conv, token = fresh.json["conversation_id"], fresh.json["conversation_token"]
    asyncio.run(store.append_message(conv, {"sender": "bot", "text": "亲，您拍下的宝贝还没付款哦"}))
    shown = history(client, token, conv)
    assert shown.status == 200 and shown.json["messages"][0]["text"] == "亲，您拍下的宝贝还没付款哦"
    assert history(client, None, conv).status == 403
    assert post(client, "好的马上付", None, conv=conv).status == 403, "its id alone does not claim it"
    assert post(client, "好的马上付", token, conv=conv).status == 200


def test_two_racing_first_messages_get_one_token(store):
    texts = {"first-msg-0001": "在吗", "first-msg-0002": "你好"}

    async def race():
        keys = ConversationKeys(tokens_for(store), "a-gateway-secret")
        outcomes = await asyncio.gather(*(keys.may_write(CONV, None, message_id, fingerprint(text))
                                          for message_id, text in texts.items()), return_exceptions=True)
        kept = await keys.tokens.get(CONV)
        repeats = [await keys.may_write(CONV, None, message_id, fingerprint(text)) for message_id, text in texts.items()
                   if message_id == kept.message_id]
        return outcomes, kept, repeats

    outcomes, kept, repeats = asyncio.run(race())
    tokens = [o for o in outcomes if isinstance(o, str)]
    assert len(tokens) == 1 and sum(isinstance(o, NoAccess) for o in outcomes) == 1, outcomes
    assert kept.token == tokens[0] and repeats == tokens, "the winner's repeat gets its token again"


def test_the_buyers_socket_needs_the_token_in_its_first_frame(redis_prefix):
    async def opened(gateway, conv, frame):
        async with connect(f"ws://127.0.0.1:{gateway.port}/ws/{conv}", open_timeout=5) as ws:
            if frame is not None:
                await ws.send(frame)
            first = await next_frame(ws, timeout=15)
            if first.get("forbidden"):
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
                return first, ws.close_code
            await ws.send(json.dumps({"text": "在吗", "message_id": MID}))
            return first, await next_frame(ws)

    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            conv = conversation()
            async with gateway.client() as http:
                token = (await http.post(f"/api/conversations/{conv}/messages", json={"text": "在吗"})).json()[
                    "conversation_token"]
            return token, [await opened(gateway, conv, frame) for frame in (
                json.dumps({"text": "在吗", "message_id": MID}),  # a message first: no token
                json.dumps({"conversation_token": token[::-1]}),
                "not json",
                json.dumps({"conversation_token": token}),
            )]

    token, (message_first, wrong, not_json, right) = run(scenario())
    for frame, code in (message_first, wrong, not_json):
        assert code == 4403 and frame["forbidden"] is True and frame["error"], frame
    assert "conversation_token" in message_first[0]["error"] and wrong[0]["error"].endswith("not this conversation's")
    ready, answer = right
    assert ready == {"ready": True} and answer["messages"] == [{"text": "echo:在吗", "buttons": []}]


def test_a_socket_on_the_memory_store_opens_with_the_offered_token_and_its_first_message_claims_it():
    app = create_app(Settings(store="memory"), store=MemoryStore(), rasa=ScriptedRasa())
    frames = []

    async def talk(ws):
        token = app.ctx.conversation_keys.offer(CONV)  # what POST /api/conversations gave with the id
        for frame in ({"conversation_token": token}, {"text": "在吗", "message_id": MID}):
            await ws.send(json.dumps(frame))
            frames.append(json.loads(await ws.recv()))
        frames.append(token)

    app.test_client.websocket(f"/ws/{CONV}", mimic=talk)
    ready, answer, token = frames
    assert ready == {"ready": True} and answer["message_id"] == MID
    # (the ASGI client: the test client's port is still held by the socket test server a moment)
    _, shown = asyncio.run(app.asgi_client.get(f"/api/conversations/{CONV}", headers={"X-Conversation-Token": token}))
    _, refused = asyncio.run(app.asgi_client.post(f"/api/conversations/{CONV}/messages", json={"text": "有黑色吗"}))
    assert shown.status == 200 and refused.status == 403


def test_the_token_key_expires_with_the_conversation_and_erase_buyer_removes_it(redis_prefix, capsys):
    client = api(RedisStore(REDIS_URL, prefix=redis_prefix, retention_s=RETENTION))
    assert post(client, "在吗").status == 200
    key = f"{redis_prefix}:conv:{CONV}:token"
    redis = redis_sync.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert RETENTION - 300 < redis.ttl(key) <= RETENTION
        assert apply_retention.kind_of(key, redis_prefix).name == "conversation keys"
        assert erase_buyer.main([CONV, "--redis-url", REDIS_URL, "--prefix", redis_prefix]) == 0
        assert f"removed key {key}" in capsys.readouterr().out
        assert not redis.exists(key)
    finally:
        redis.close()


def test_the_memory_store_drops_a_token_with_its_conversation(monkeypatch):
    monkeypatch.setattr(MemoryStore, "MAX_CONVERSATIONS", 2)
    store = MemoryStore()

    async def scenario():
        keys = ConversationKeys(tokens_for(store), "a-gateway-secret")
        for n in range(3):
            conv = f"conv-0000000{n}"
            await keys.may_write(conv, None, None, fingerprint("在吗"))
            await store.append_message(conv, {"sender": "buyer", "text": "在吗"})
        return [await keys.tokens.get(f"conv-0000000{n}") is not None for n in range(3)]

    assert asyncio.run(scenario()) == [False, True, True]


def run(coroutine):
    return asyncio.run(coroutine)
