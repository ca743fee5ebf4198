"""An order through the real bot: signed webhooks in, the confirmation out, and the bot
answering the buyer's next words with the order's item in mind."""

from __future__ import annotations

import json
import uuid

import httpx

from bot.orders.webhooks import SIGNATURE_HEADER, sign
from tools.stack import WEBHOOK_SECRET


def post_event(bot, event: str, body: dict, secret: str = WEBHOOK_SECRET) -> httpx.Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(
        f"{bot.url}/webhooks/orders/{event}", content=data, timeout=30,
        headers={"content-type": "application/json", SIGNATURE_HEADER: sign(secret, data)},
    )


def test_paid_order_is_confirmed_and_the_bot_knows_the_item(live_bot):
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    order_id = f"E2E{uuid.uuid4().hex[:10].upper()}"
    created = post_event(live_bot, "order_created", {
        "order_id": order_id, "conversation_id": conversation, "sku": "JN-2801", "size": "L",
        "colour": "深蓝", "quantity": 1, "contact": "王女士", "phone": "13800000000",
        "address": "浙江省杭州市西湖区文三路1号",
    })
    assert created.status_code == 201, created.text
    assert post_event(live_bot, "order_paid", {"order_id": order_id}).status_code == 200

    log = httpx.get(f"{live_bot.url}/api/conversations/{conversation}", timeout=30).json()["messages"]
    confirmation = log[-1]["text"]
    for detail in (order_id, "JN-2801", "深蓝", "L", "王女士", "文三路1号"):
        assert detail in confirmation, detail

    # Rasa was told the order: a bare haggle is about this item, not "which item?"
    reply = live_bot.say(conversation, "能便宜点吗")
    assert "高腰直筒牛仔裤" in "\n".join(m["text"] for m in reply["messages"])


def test_a_webhook_with_a_bad_signature_changes_nothing(live_bot):
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    response = post_event(live_bot, "order_created", {
        "order_id": "E2EBADSECRET", "conversation_id": conversation, "sku": "JN-2801", "size": "L",
        "colour": "深蓝", "quantity": 1, "contact": "王女士", "phone": "13800000000", "address": "杭州",
    }, secret="wrong")
    assert response.status_code == 401 and "error" in response.json()
    assert httpx.get(f"{live_bot.url}/api/conversations/{conversation}", timeout=30).status_code == 404
