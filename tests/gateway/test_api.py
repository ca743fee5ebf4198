"""The gateway's HTTP API through Sanic's test client (Rasa faked: these are not about understanding)."""

from __future__ import annotations

import json

import pytest
from sanic import Sanic

from bot.app import create_app
from bot.config import Settings
from bot.infra.store import MemoryStore
from tests.gateway.fakes import BuyerClient, ScriptedRasa

CONV = "buyer-test-0001"
Sanic.test_mode = True


def make_app(rasa=None, store=None):
    settings = Settings(store="memory")
    return create_app(settings, store=store or MemoryStore(), rasa=rasa or ScriptedRasa())


@pytest.fixture
def rasa():
    return ScriptedRasa({
        "在吗": [{"recipient_id": CONV, "text": "您好，欢迎光临！", "buttons": [{"title": "选尺码", "payload": "选尺码"}]}],
        "转人工": [
            {"recipient_id": CONV, "text": "好的，马上为您转人工。"},
            {"recipient_id": CONV, "custom": {"handoff": {"reason": "buyer_asked"}}},
        ],
    })


@pytest.fixture
def client(rasa):
    return BuyerClient(make_app(rasa))


def post(client, text=None, *, conv=CONV, body=None, headers=None):
    data = body if body is not None else json.dumps({"text": text})
    return client.post(
        f"/api/conversations/{conv}/messages",
        content=data,
        headers=headers or {"content-type": "application/json"},
    )


def test_a_message_gets_the_bots_answer(client):
    _, response = post(client, "在吗")
    assert response.status == 200
    token = response.json.get("conversation_token", "")
    assert response.json == {
        "conversation_id": CONV,
        "mode": "bot",
        "messages": [{"text": "您好，欢迎光临！", "buttons": [{"title": "选尺码", "payload": "选尺码"}]}],
        "conversation_token": token,
    }
    assert len(token) >= 32 and response.headers["x-conversation-token"] == token


def test_handoff_payload_switches_mode_to_waiting_and_is_not_shown(client):
    _, response = post(client, "转人工")
    assert response.json["mode"] == "waiting"
    assert response.json["messages"] == [{"text": "好的，马上为您转人工。", "buttons": []}]


def test_history_shows_both_sides_in_order(client):
    post(client, "在吗")
    _, response = client.get(f"/api/conversations/{CONV}")
    assert [(m["sender"], m["text"]) for m in response.json["messages"]] == [
        ("buyer", "在吗"), ("bot", "您好，欢迎光临！"),
    ]


@pytest.mark.parametrize("body,headers,status,reason", [
    (json.dumps({"text": ""}), None, 400, "empty"),
    (json.dumps({"text": "   "}), None, 400, "empty"),
    (json.dumps({"text": "好" * 2001}), None, 400, "limit is 2000"),
    (json.dumps({"message": "在吗"}), None, 400, '"text" is required'),
    (json.dumps({"text": 5}), None, 400, "must be a string"),
    (json.dumps(["在吗"]), None, 400, "JSON object"),
    ('{"text": "在吗"', None, 400, "not valid JSON"),
    ("", None, 400, "not valid JSON"),
    ("text=在吗", {"content-type": "application/x-www-form-urlencoded"}, 415, "application/json"),
    (json.dumps({"text": "x" * 70000}), None, 413, "too large"),
    ('{"text": "\\ud800"}', None, 400, "not valid Unicode"),  # a lone surrogate: valid JSON, not text
    ('{"text": "在吗\\udfff呀"}', None, 400, "not valid Unicode"),
    (json.dumps({"text": "\u0000\u200b "}), None, 400, "empty"),
])
def test_bad_input_gets_a_clear_4xx(client, body, headers, status, reason):
    _, response = post(client, body=body, headers=headers)
    assert response.status == status
    assert reason in response.json["error"]


def test_bad_input_is_not_forwarded_or_logged(rasa):
    client = BuyerClient(make_app(rasa))
    post(client, "")
    assert rasa.received == []
    _, response = client.get(f"/api/conversations/{CONV}")
    assert response.status == 404


@pytest.mark.parametrize("conv", ["short", "has space!!", "x" * 65, "semi;colon-id"])
def test_bad_conversation_id_is_refused(client, conv):
    _, response = post(client, "在吗", conv=conv)
    assert response.status in (400, 404)
    assert "error" in response.json


def test_exactly_2000_characters_is_accepted(client):
    _, response = post(client, "好" * 2000)
    assert response.status == 200


def test_unknown_route_and_wrong_method(client):
    _, response = client.get("/api/nothing-here")
    assert response.status == 404 and "no such route" in response.json["error"]
    _, response = client.get(f"/api/conversations/{CONV}/messages")
    assert response.status == 405 and "not allowed" in response.json["error"]


def test_unknown_conversation_is_404(client):
    _, fresh = client.post("/api/conversations")
    conversation_id, token = fresh.json["conversation_id"], fresh.json["conversation_token"]
    _, response = client.client.get(f"/api/conversations/{conversation_id}", headers={"X-Conversation-Token": token})
    assert response.status == 404
    assert response.json == {"error": "no such conversation"}


def test_rasa_down_answers_503_and_keeps_the_message():
    store = MemoryStore()
    client = BuyerClient(make_app(ScriptedRasa(down=True), store))
    _, response = post(client, "在吗")
    assert response.status == 503
    assert "saved" in response.json["error"]
    assert response.headers["x-conversation-token"], "a client that sent no token learns it from any answer"
    _, response = client.get(f"/api/conversations/{CONV}")
    assert [m["text"] for m in response.json["messages"]] == ["在吗"]


def test_server_keeps_serving_after_bad_requests(client):
    for body in ["{", "", json.dumps({"text": ""})]:
        post(client, body=body)
    _, response = post(client, "在吗")
    assert response.status == 200


def test_new_conversation_ids_are_unguessable_and_distinct(client):
    ids = {client.post("/api/conversations")[1].json["conversation_id"] for _ in range(5)}
    assert len(ids) == 5 and all(len(i) == 32 for i in ids)


def test_widget_page_is_served_with_a_content_security_policy(client):
    _, response = client.get("/chat")
    assert response.status == 200
    assert "text/html" in response.headers["content-type"]
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_health_reports_store_and_rasa(client):
    _, response = client.get("/health")
    assert response.status == 200
    assert response.json["store_ok"] is True and response.json["rasa_ok"] is True
    _, response = client.get("/ready")
    assert response.status == 200 and response.json["status"] == "ok"


class DownStore(MemoryStore):
    async def ping(self) -> bool:
        return False


@pytest.mark.parametrize("rasa_down, store_down", [(True, False), (False, True)])
def test_a_gateway_that_cannot_answer_is_alive_but_not_ready(rasa_down, store_down):
    client = make_app(ScriptedRasa(down=rasa_down), DownStore() if store_down else None).test_client
    _, alive = client.get("/health")
    _, ready = client.get("/ready")
    assert alive.status == 200 and alive.json["status"] == "degraded"
    assert ready.status == 503 and ready.json["rasa_ok"] is (not rasa_down) and ready.json["store_ok"] is (not store_down)


def test_websocket_answers_and_reports_bad_frames(rasa):
    client = BuyerClient(make_app(rasa))
    replies = []

    async def talk(ws):
        for frame in ["not json", json.dumps({"text": ""}), json.dumps({"text": "在吗"})]:
            await ws.send(frame)
            replies.append(json.loads(await ws.recv()))

    client.websocket(f"/ws/{CONV}", mimic=talk)
    assert "error" in replies[0] and "empty" in replies[1]["error"]
    assert replies[2]["messages"][0]["text"] == "您好，欢迎光临！"


def test_a_reply_is_at_most_three_bubbles_each_said_once():
    """A dialogue that loops (a form asking back again and again) must not flood the phone."""
    flood = [{"text": "您的身高是多少呢？"}] * 6 + [{"text": f"第{n}句"} for n in range(1, 6)]
    client = make_app(ScriptedRasa({"会不会太大": flood})).test_client
    _, reply = post(client, "会不会太大")
    assert [m["text"] for m in reply.json["messages"]] == ["您的身高是多少呢？", "第1句", "第2句"]
