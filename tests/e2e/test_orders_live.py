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


def new_order(bot, conversation: str, **changes) -> str:
    order_id = str(uuid.uuid4().int)[:18]  # platforms number orders in digits
    body = {"order_id": order_id, "conversation_id": conversation, "sku": "DR-1066", "size": "M", "colour": "雾蓝",
            "quantity": 1, "contact": "李女士", "phone": "13900000000", "address": "四川省成都市武侯区一环路1号", **changes}
    assert post_event(bot, "order_created", body).status_code == 201
    return order_id


def said_texts(bot, conversation: str, text: str) -> tuple[str, str]:
    reply = bot.say(conversation, text)
    return reply["mode"], "\n".join(m["text"] for m in reply["messages"])


def test_the_buyers_own_order_is_answered_from_its_status(live_bot):
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    order_id = new_order(live_bot, conversation)
    mode, text = said_texts(live_bot, conversation, "我的订单怎么样了")
    assert mode == "bot" and order_id in text and ("待付款" in text or "还没有付款" in text), text

    assert post_event(live_bot, "order_paid", {"order_id": order_id}).status_code == 200
    mode, text = said_texts(live_bot, conversation, "什么时候能到啊 我的快递")
    assert mode == "bot" and "48小时" in text and "2-4天" in text, text  # 四川: other provinces

    shipped = post_event(live_bot, "order_shipped", {"order_id": order_id, "tracking_number": "ZT778899"})
    assert shipped.status_code == 200
    mode, text = said_texts(live_bot, conversation, "快递到哪了")
    assert mode == "bot" and "中通" in text and "2-4天" in text, text


def test_what_the_buyer_ordered_is_told_from_the_order(live_bot):
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    new_order(live_bot, conversation)
    mode, text = said_texts(live_bot, conversation, "我买的是什么码来着")
    assert mode == "bot" and "碎花连衣裙" in text and "雾蓝" in text and ("M码" in text or "尺码M" in text), text


def test_a_cancelled_order_says_so(live_bot):
    conversation = f"ord-{uuid.uuid4().hex[:12]}"
    order_id = new_order(live_bot, conversation)
    assert post_event(live_bot, "order_cancelled", {"order_id": order_id}).status_code == 200
    mode, text = said_texts(live_bot, conversation, "我的订单到哪了")
    assert mode == "bot" and "已经取消" in text or "已取消" in text, text


def test_another_buyers_order_or_a_wrong_number_is_never_shown(live_bot):
    owner = f"ord-{uuid.uuid4().hex[:12]}"
    order_id = new_order(live_bot, owner)
    stranger = f"ord-{uuid.uuid4().hex[:12]}"
    for asked in (order_id, "123456789012345"):
        mode, text = said_texts(live_bot, stranger, f"帮我查下订单{asked}到哪了")
        assert "雾蓝" not in text and "碎花连衣裙" not in text and "李女士" not in text and "成都" not in text, text
        assert mode == "waiting", "a person checks an order this conversation does not own"
