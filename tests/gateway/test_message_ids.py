"""A message sent twice with the same message_id (the widget re-sends after a cut socket or a
lost answer) reaches Rasa once, is logged once, and both deliveries get the same answer;
through the HTTP route, the widget's socket and the service, on Redis and in memory."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from sanic import Sanic

from bot.app import create_app
from bot.chat.conversation import AlreadyAnswering, ConversationService
from bot.chat.keys import ConversationKeys
from bot.chat.routes import socket_reply
from bot.config import Settings
from bot.infra.rasa import RasaUnavailable
from bot.infra.requests import BadRequest
from bot.infra.store import MemoryStore, RedisStore
from bot.infra.tokens import tokens_for
from tests.conftest import REDIS_URL
from tests.gateway.fakes import BuyerClient, ScriptedRasa

Sanic.test_mode = True
CONV, OTHER = "buyer-msgid-0001", "buyer-msgid-0002"
MID = "3f2b8c1e-6a4d-4f0e-9b7a-2c5d8e1f0a9b"
ANSWERS = {"在吗": [{"recipient_id": CONV, "text": "您好，欢迎光临！", "buttons": [{"title": "选尺码", "payload": "选尺码"}]}]}


def soon(awaitable, seconds=10):
    """Every wait is bounded: a gateway that asks Rasa again waits at the gate, and fails here."""
    return asyncio.wait_for(awaitable, seconds)


class GatedRasa(ScriptedRasa):
    """Answers only once the test opens the gate: a first delivery still being answered."""

    def __init__(self, answers=None) -> None:
        super().__init__(answers)
        self.asked = asyncio.Event()
        self.gate = asyncio.Event()

    async def send(self, sender: str, text: str, message_id: str | None = None) -> list[dict]:
        self.asked.set()
        await self.gate.wait()
        return await super().send(sender, text, message_id)


@pytest.fixture(params=["redis", "memory"])
def make_store(request, redis_prefix):
    def make():
        return RedisStore(REDIS_URL, prefix=redis_prefix) if request.param == "redis" else MemoryStore()
    return make


def make_app(rasa, store=None):
    return create_app(Settings(store="memory"), store=store or MemoryStore(), rasa=rasa)


def buyer_texts(messages):
    return [m["text"] for m in messages if m["sender"] == "buyer"]


def post(client, text, message_id=None, conv=CONV, headers=None):
    body = {"text": text} if message_id is None else {"text": text, "message_id": message_id}
    return client.post(f"/api/conversations/{conv}/messages", content=json.dumps(body),
                       headers={"content-type": "application/json", **(headers or {})})


# ---- the service, on both stores ----

def test_the_same_message_id_twice_reaches_rasa_once_and_gets_the_same_answer(make_store):
    async def scenario():
        store, rasa = make_store(), ScriptedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        first = (await service.buyer_says(CONV, "在吗", MID)).as_json()
        second = (await service.buyer_says(CONV, "在吗", MID)).as_json()
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, first, second, history

    received, first, second, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")]
    assert first["messages"][0]["text"] == "您好，欢迎光临！" and first["message_id"] == MID
    assert second == first
    assert [(m["sender"], m["text"]) for m in history] == [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]


def test_a_repeat_while_the_first_is_answered_is_refused_then_gets_the_answer(make_store):
    async def scenario():
        store, rasa = make_store(), GatedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        first = asyncio.create_task(service.buyer_says(CONV, "在吗", MID))
        await soon(rasa.asked.wait())
        try:
            with pytest.raises(AlreadyAnswering, match="already being answered"):
                await soon(service.buyer_says(CONV, "在吗", MID), 3)
        finally:
            rasa.gate.set()
        answer = (await soon(first)).as_json()
        again = (await soon(service.buyer_says(CONV, "在吗", MID))).as_json()
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, answer, again, history

    received, answer, again, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")] and again == answer
    assert buyer_texts(history) == ["在吗"]


def test_the_same_id_in_two_conversations_is_two_messages(make_store):
    async def scenario():
        store, rasa = make_store(), ScriptedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        for conversation in (CONV, OTHER, CONV, OTHER):
            await service.buyer_says(conversation, "在吗", MID)
        logs = await store.messages(CONV), await store.messages(OTHER)
        await store.close()
        return rasa.received, logs

    received, (mine, other) = asyncio.run(scenario())
    assert received == [(CONV, "在吗"), (OTHER, "在吗")]
    assert buyer_texts(mine) == ["在吗"] and buyer_texts(other) == ["在吗"]


class AnswerLostRasa(ScriptedRasa):
    """Rasa answers the first delivery, but the answer never reaches the gateway (a timeout
    on the way back, or the gateway that asked died): it is only in Rasa's tracker."""

    async def send(self, sender: str, text: str, message_id: str | None = None) -> list[dict]:
        output = await super().send(sender, text, message_id)
        if len(self.received) == 1:
            raise RasaUnavailable("Rasa did not answer: read timeout")
        return output


@pytest.mark.parametrize("first_delivery", ["rasa down", "answer lost"])
def test_a_retry_after_a_failed_delivery_reaches_rasa_once_and_logs_the_text_once(make_store, first_delivery):
    """Rasa down: the retry asks Rasa. Rasa's answer lost on the way: the retry takes that
    answer from Rasa's tracker and asks Rasa nothing. Either way the text is logged once."""
    async def scenario():
        store = make_store()
        rasa = ScriptedRasa(ANSWERS, down=True) if first_delivery == "rasa down" else AnswerLostRasa(ANSWERS)
        service = ConversationService(store, rasa)
        with pytest.raises(RasaUnavailable):
            await service.buyer_says(CONV, "在吗", MID)
        rasa.down = False
        reply = (await service.buyer_says(CONV, "在吗", MID)).as_json()
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, reply, history

    received, reply, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")], "Rasa had the message once"
    assert reply["messages"][0]["text"] == "您好，欢迎光临！"
    assert [(m["sender"], m["text"]) for m in history] == [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]


def test_an_id_sent_again_with_another_text_is_refused(make_store):
    async def scenario():
        store, rasa = make_store(), ScriptedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        await service.buyer_says(CONV, "在吗", MID)
        with pytest.raises(BadRequest, match="different text"):
            await service.buyer_says(CONV, "有黑色吗", MID)
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, history

    received, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")] and buyer_texts(history) == ["在吗"]


def test_the_answer_is_finished_when_the_client_goes_away_mid_turn(make_store):
    """A cut socket cancels its handler: the turn still ends, and the retry gets its answer."""

    async def scenario():
        store, rasa = make_store(), GatedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        first = asyncio.create_task(service.buyer_says(CONV, "在吗", MID))
        await soon(rasa.asked.wait())
        first.cancel()
        rasa.gate.set()
        for _ in range(100):
            if len(await store.messages(CONV)) == 2:
                break
            await asyncio.sleep(0.02)
        again = (await soon(service.buyer_says(CONV, "在吗", MID))).as_json()
        history = await store.messages(CONV)
        await store.close()
        return rasa.received, again, history

    received, again, history = asyncio.run(scenario())
    assert received == [(CONV, "在吗")] and again["messages"][0]["text"] == "您好，欢迎光临！"
    assert [(m["sender"], m["text"]) for m in history] == [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]


def test_a_claim_whose_gateway_stopped_is_taken_over_after_its_lease(make_store):
    async def scenario():
        store = make_store()
        first = await store.claim_message(CONV, MID, "fp", lease=30)
        meanwhile = await store.claim_message(CONV, MID, "fp", lease=30)
        await store.message_logged(CONV, MID)
        stale = await store.claim_message(OTHER, MID, "fp", lease=-1)  # its lease is already over
        takeover = await store.claim_message(OTHER, MID, "fp", lease=30)
        await store.close()
        return first, meanwhile, stale, takeover

    first, meanwhile, stale, takeover = asyncio.run(scenario())
    assert (first.status, meanwhile.status, meanwhile.logged) == ("new", "answering", False)
    assert (stale.status, takeover.status, takeover.logged) == ("new", "new", False)


def test_redis_remembers_a_message_id_for_a_day_only(redis_prefix):
    import redis

    async def scenario():
        store = RedisStore(REDIS_URL, prefix=redis_prefix)
        await ConversationService(store, ScriptedRasa(ANSWERS)).buyer_says(CONV, "在吗", MID)
        await store.close()

    asyncio.run(scenario())
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{redis_prefix}:conv:{CONV}:msg:*"))
    ttls = [client.ttl(key) for key in keys]
    client.close()
    assert len(keys) == 1 and all(23 * 3600 < ttl <= 24 * 3600 for ttl in ttls)


# ---- the HTTP route ----

def test_http_same_message_id_twice_is_answered_once():
    rasa = ScriptedRasa(ANSWERS)
    client = BuyerClient(make_app(rasa))
    _, first = post(client, "在吗", MID)
    _, second = post(client, "在吗", MID)
    assert first.status == second.status == 200
    assert second.json == first.json and first.json["message_id"] == MID
    assert rasa.received == [(CONV, "在吗")]
    _, history = client.get(f"/api/conversations/{CONV}")
    assert buyer_texts(history.json["messages"]) == ["在吗"]


def test_http_idempotency_key_header_is_the_same_as_message_id():
    rasa = ScriptedRasa(ANSWERS)
    client = BuyerClient(make_app(rasa))
    _, first = post(client, "在吗", headers={"Idempotency-Key": MID})
    _, second = post(client, "在吗", MID)
    assert second.json == first.json and rasa.received == [(CONV, "在吗")]
    _, differ = post(client, "在吗", MID, headers={"Idempotency-Key": "another-id-1234"})
    assert differ.status == 400 and "differ" in differ.json["error"]


@pytest.mark.parametrize("message_id", ["short", "x" * 65, "has space 1234", "semi;colon-id", "", 12345678, ["abcdefgh"], "好好好好好好好好"])
def test_http_a_bad_message_id_is_a_400_and_nothing_is_logged(message_id):
    rasa = ScriptedRasa(ANSWERS)
    client = BuyerClient(make_app(rasa))
    _, response = post(client, "在吗", message_id)
    assert response.status == 400
    assert response.json["error"] == "\"message_id\" must be 8-64 letters, digits, '-' or '_'"
    assert rasa.received == []
    _, history = client.get(f"/api/conversations/{CONV}")
    assert history.status == 404


def test_http_a_bad_idempotency_key_header_is_a_400():
    client = BuyerClient(make_app(ScriptedRasa(ANSWERS)))
    _, response = post(client, "在吗", headers={"Idempotency-Key": "bad key!"})
    assert response.status == 400 and "message_id" in response.json["error"]


def test_http_a_repeat_while_the_first_is_answered_is_a_409():
    # one event loop for both requests (the ASGI client); the Redis store's side of this is
    # the service test above: each ASGI request starts and stops the app, and with Redis
    # that includes the payment-reminder scheduler, which two overlapping requests upset
    async def scenario():
        rasa = GatedRasa(ANSWERS)
        buyer = BuyerClient(make_app(rasa, MemoryStore())).asgi
        url = f"/api/conversations/{CONV}/messages"
        first = asyncio.create_task(buyer.post(url, json={"text": "在吗", "message_id": MID}))
        await soon(rasa.asked.wait())
        try:
            _, busy = await soon(buyer.post(url, json={"text": "在吗", "message_id": MID}), 3)
        finally:
            rasa.gate.set()
        _, answer = await soon(first)
        _, again = await soon(buyer.post(url, json={"text": "在吗", "message_id": MID}))
        _, history = await buyer.get(f"/api/conversations/{CONV}")
        return rasa.received, busy, answer, again, history

    received, busy, answer, again, history = asyncio.run(scenario())
    assert busy.status == 409 and busy.json == {"error": "this message is already being answered"}
    assert answer.status == again.status == 200 and again.json == answer.json
    assert received == [(CONV, "在吗")]
    assert buyer_texts(history.json["messages"]) == ["在吗"]


def test_http_the_same_id_in_two_conversations_is_two_messages():
    rasa = ScriptedRasa(ANSWERS)
    client = BuyerClient(make_app(rasa))
    for conversation in (CONV, OTHER, CONV):
        _, response = post(client, "在吗", MID, conv=conversation)
        assert response.status == 200 and response.json["conversation_id"] == conversation
    assert rasa.received == [(CONV, "在吗"), (OTHER, "在吗")]
    for conversation in (CONV, OTHER):
        _, history = client.get(f"/api/conversations/{conversation}")
        assert buyer_texts(history.json["messages"]) == ["在吗"]


# ---- the widget's socket (and the socket, then HTTP: the widget's retry path) ----

def test_socket_then_http_with_the_same_id_is_answered_once():
    rasa = ScriptedRasa(ANSWERS)
    buyer = BuyerClient(make_app(rasa))
    frames = []

    async def talk(ws):
        for frame in [{"text": "在吗", "message_id": MID}, {"text": "在吗", "message_id": MID},
                      {"text": "在吗", "message_id": "bad id"}]:
            await ws.send(json.dumps(frame))
            frames.append(json.loads(await ws.recv()))

    buyer.websocket(f"/ws/{CONV}", mimic=talk)
    # the widget's retry of an answer the cut socket lost (the ASGI client: the test client's
    # port is still held by the socket test server a moment after it)
    _, by_http = asyncio.run(buyer.asgi.post(f"/api/conversations/{CONV}/messages",
                                             json={"text": "在吗", "message_id": MID}))
    assert frames[0]["messages"][0]["text"] == "您好，欢迎光临！" and frames[0]["message_id"] == MID
    assert frames[1] == frames[0] and by_http.json == {**frames[0], "conversation_token": buyer.token(CONV)}
    assert "message_id" in frames[2]["error"] and "messages" not in frames[2]
    assert rasa.received == [(CONV, "在吗")]
    _, history = asyncio.run(buyer.asgi.get(f"/api/conversations/{CONV}"))
    assert buyer_texts(history.json["messages"]) == ["在吗"]


def test_socket_a_repeat_while_the_first_is_answered_is_a_quiet_error_frame():
    async def scenario():
        rasa = GatedRasa(ANSWERS)
        store = MemoryStore()
        keys = ConversationKeys(tokens_for(store), "a-gateway-secret")
        app = SimpleNamespace(ctx=SimpleNamespace(settings=Settings(store="memory"), conversation_keys=keys,
                                                  conversations=ConversationService(store, rasa)))
        frame = json.dumps({"text": "在吗", "message_id": MID})
        token = keys.offer(CONV)  # the socket's first frame gave it

        def reply():
            return socket_reply(app, CONV, frame, None, token)
        first = asyncio.create_task(reply())
        await soon(rasa.asked.wait())
        try:
            busy = await soon(reply(), 3)
        finally:
            rasa.gate.set()
        return busy, await soon(first), await soon(reply()), rasa.received

    busy, answer, again, received = asyncio.run(scenario())
    assert busy == {"error": "this message is already being answered", "answering": True, "message_id": MID}
    assert again == answer and answer["message_id"] == MID and received == [(CONV, "在吗")]


def test_a_stopping_gateway_lets_the_turn_under_way_finish_before_it_closes(make_store):
    async def scenario():
        store, rasa = make_store(), GatedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        turn = asyncio.create_task(service.buyer_says(CONV, "在吗", MID))
        await soon(rasa.asked.wait())
        cut_short = await service.drain(wait_s=0.05)  # Rasa still answering: left behind, said so
        draining = asyncio.create_task(service.drain())
        rasa.gate.set()
        drained = await soon(draining)
        history = await store.messages(CONV)  # the store is still open: the answer got in
        await store.close()
        return cut_short, drained, (await turn).as_json(), history

    cut_short, drained, reply, history = asyncio.run(scenario())
    assert cut_short is False and drained is True
    assert [(m["sender"], m["text"]) for m in history] == [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]
    assert reply["messages"][0]["text"] == "您好，欢迎光临！"


class SlowClaimStore(MemoryStore):
    """A store whose claim of a message id takes a moment (a busy Redis)."""

    def __init__(self) -> None:
        super().__init__()
        self.claiming = asyncio.Event()
        self.gate = asyncio.Event()

    async def claim_message(self, *args, **kwargs):
        self.claiming.set()
        await self.gate.wait()
        return await super().claim_message(*args, **kwargs)


def test_a_message_whose_socket_is_cut_as_it_arrives_is_still_answered_once():
    async def scenario():
        store, rasa = SlowClaimStore(), ScriptedRasa(ANSWERS)
        service = ConversationService(store, rasa)
        handler = asyncio.create_task(service.buyer_says(CONV, "在吗", MID))  # the socket's frame
        await soon(store.claiming.wait())
        handler.cancel()  # the socket is cut: its handler goes, the message it brought does not
        store.gate.set()
        assert await soon(service.drain())
        answered = await store.messages(CONV)  # before any retry
        retry = (await soon(service.buyer_says(CONV, "在吗", MID))).as_json()  # the widget, over HTTP
        return handler.cancelled(), rasa.received, retry, answered, await store.messages(CONV)

    cancelled, received, retry, answered, history = asyncio.run(scenario())
    assert cancelled
    both = [("buyer", "在吗"), ("bot", "您好，欢迎光临！")]
    assert [(m["sender"], m["text"]) for m in answered] == both, "the message it brought is answered"
    assert received == [(CONV, "在吗")], "once"
    assert retry["messages"][0]["text"] == "您好，欢迎光临！", "the retry gets that answer"
    assert [(m["sender"], m["text"]) for m in history] == both
