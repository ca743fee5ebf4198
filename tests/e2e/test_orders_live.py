"""An order through the real bot: signed webhooks in, the confirmation out, and the bot
answering the buyer's next words with the order's item in mind."""

from __future__ import annotations

import json
import uuid

import httpx
import redis

from bot.orders.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from tests.e2e.test_handoff_live import case_of
from tools.stack import WEBHOOK_SECRET, free_port
from xiaoer import clock as app_clock
from xiaoer.order_access import order_key


def post_event(bot, event: str, body: dict, secret: str = WEBHOOK_SECRET) -> httpx.Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    # the platform's clock agrees with the gateway's, which runs at the stack's shop time
    timestamp = int(app_clock.now() - app_clock.offset() + bot.clock_offset)
    delivery = f"e2e-{uuid.uuid4().hex}"
    return httpx.post(
        f"{bot.url}/webhooks/orders/{event}", content=data, timeout=30,
        headers={"content-type": "application/json", TIMESTAMP_HEADER: str(timestamp), DELIVERY_HEADER: delivery,
                 SIGNATURE_HEADER: sign(secret, event, timestamp, delivery, data)},
    )


def test_paid_order_is_confirmed_and_the_bot_knows_the_item(live_bot):
    conversation = live_bot.new_conversation()
    order_id = f"E2E{uuid.uuid4().hex[:10].upper()}"
    created = post_event(live_bot, "order_created", {
        "order_id": order_id, "conversation_id": conversation, "sku": "JN-2801", "size": "L",
        "colour": "深蓝", "quantity": 1, "contact": "王女士", "phone": "13800000000",
        "address": "浙江省杭州市西湖区文三路1号",
    })
    assert created.status_code == 201, created.text
    assert post_event(live_bot, "order_paid", {"order_id": order_id}).status_code == 200

    log = live_bot.history(conversation).json()["messages"]
    confirmation = log[-1]["text"]
    assert log[-1]["card"]["order_id"] == order_id and log[-1]["card"]["status_zh"] == "已付款，待发货"
    for detail in (order_id, "JN-2801", "深蓝", "L", "王女士", "文三路1号"):
        assert detail in confirmation, detail

    # Rasa was told the order: a bare haggle is about this item, not "which item?"
    reply = live_bot.say(conversation, "能便宜点吗")
    assert "高腰直筒牛仔裤" in "\n".join(m["text"] for m in reply["messages"])


def test_a_webhook_with_a_bad_signature_changes_nothing(live_bot):
    conversation = live_bot.new_conversation()
    response = post_event(live_bot, "order_created", {
        "order_id": "E2EBADSECRET", "conversation_id": conversation, "sku": "JN-2801", "size": "L",
        "colour": "深蓝", "quantity": 1, "contact": "王女士", "phone": "13800000000", "address": "杭州",
    }, secret="wrong")
    assert response.status_code == 401 and "error" in response.json()
    assert live_bot.history(conversation).status_code == 404


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
    conversation = live_bot.new_conversation()
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
    conversation = live_bot.new_conversation()
    new_order(live_bot, conversation)
    mode, text = said_texts(live_bot, conversation, "我买的是什么码来着")
    assert mode == "bot" and "碎花连衣裙" in text and "雾蓝" in text and ("M码" in text or "尺码M" in text), text


def test_a_cancelled_order_says_so(live_bot):
    conversation = live_bot.new_conversation()
    order_id = new_order(live_bot, conversation)
    assert post_event(live_bot, "order_cancelled", {"order_id": order_id}).status_code == 200
    mode, text = said_texts(live_bot, conversation, "我的订单到哪了")
    assert mode == "bot" and ("已经取消" in text or "已取消" in text), text


ORDER_DETAILS = ("雾蓝", "碎花连衣裙", "李女士", "成都", "一环路")


def card_of(reply: dict) -> dict | None:
    return next((m["card"] for m in reply["messages"] if "card" in m), None)


def test_another_buyers_order_is_shown_only_with_the_phones_last_four(live_bot):
    owner = live_bot.new_conversation()
    order_id = new_order(live_bot, owner, phone="13912345678")
    # the same buyer on another phone: the order number alone is not enough
    other_device = live_bot.new_conversation()
    mode, text = said_texts(live_bot, other_device, f"帮我查下订单{order_id}发货了没")
    assert mode == "bot" and "后四位" in text, text
    assert not any(detail in text for detail in ORDER_DETAILS), text
    reply = live_bot.say(other_device, "尾号5678")
    text = "\n".join(m["text"] for m in reply["messages"])
    assert reply["mode"] == "bot" and order_id in text and ("待付款" in text or "还没有付款" in text), text
    card = card_of(reply)
    assert card and card["type"] == "order" and card["order_id"] == order_id and card["status_zh"] == "待付款", reply
    assert "phone" not in card and "address" not in card
    # from now on this conversation knows the order
    mode, text = said_texts(live_bot, other_device, "我买的是什么颜色")
    assert "雾蓝" in text and "碎花连衣裙" in text, text


def test_wrong_digits_twice_go_to_a_person_and_show_nothing_even_with_the_right_ones_after(live_bot):
    order_id = new_order(live_bot, live_bot.new_conversation(), phone="13912345678")
    stranger = live_bot.new_conversation()
    said_texts(live_bot, stranger, f"订单{order_id}到哪了")
    mode, text = said_texts(live_bot, stranger, "1111")
    assert mode == "bot" and ("对不上" in text or "不一致" in text), text
    mode, text = said_texts(live_bot, stranger, "2222")
    assert mode == "waiting", text
    # another conversation guessing right after two misses for this order: still a person
    guesser = live_bot.new_conversation()
    said_texts(live_bot, guesser, f"订单{order_id}到哪了")
    mode, text = said_texts(live_bot, guesser, "5678")
    assert mode == "waiting" and not any(detail in text for detail in ORDER_DETAILS), text


def test_a_wrong_order_number_is_never_confirmed_or_denied(live_bot):
    stranger = live_bot.new_conversation()
    mode, text = said_texts(live_bot, stranger, "帮我查下订单123456789012345到哪了")
    assert mode == "bot" and "后四位" in text, text  # the same question as for a real order
    mode, text = said_texts(live_bot, stranger, "后四位是1234")
    assert mode == "bot" and ("对不上" in text or "不一致" in text), text


def test_a_delivered_order_says_it_was_signed_for_with_its_card(live_bot):
    conversation = live_bot.new_conversation()
    order_id = new_order(live_bot, conversation)
    for event, extra in (("order_paid", {}), ("order_shipped", {"tracking_number": "ZT990011"}), ("order_delivered", {})):
        assert post_event(live_bot, event, {"order_id": order_id, **extra}).status_code == 200
    reply = live_bot.say(conversation, "我的快递到哪了")
    text = "\n".join(m["text"] for m in reply["messages"])
    assert reply["mode"] == "bot" and "签收" in text, text
    assert card_of(reply)["status_zh"] == "已签收"
    history = live_bot.history(conversation).json()["messages"]
    assert any(m.get("card", {}).get("order_id") == order_id for m in history), "the card is kept in the history"


def test_an_address_change_is_recorded_for_a_person_with_the_old_and_new_address(live_bot):
    conversation = live_bot.new_conversation()
    order_id = new_order(live_bot, conversation)
    assert post_event(live_bot, "order_paid", {"order_id": order_id}).status_code == 200
    mode, text = said_texts(live_bot, conversation, "地址填错了 改成上海市浦东新区世纪大道88号")
    assert mode == "waiting" and "世纪大道88号" in text, text
    summary = case_of(live_bot, conversation)["case"]["summary"]
    assert summary["changes"] == [{"field": "address", "field_zh": "收货地址", "old": "四川省成都市武侯区一环路1号",
                                   "new": "上海市浦东新区世纪大道88号"}], summary
    stored = json.loads(redis.Redis.from_url(live_bot.redis_url).get(order_key(live_bot.prefix, order_id)))
    assert stored["address"] == "四川省成都市武侯区一环路1号", "the bot never changes the order itself"


def test_an_order_store_that_is_down_gets_an_apology_and_a_person(live_bot):
    order_id = new_order(live_bot, live_bot.new_conversation(), phone="13912345678")
    stranger = live_bot.new_conversation()
    said_texts(live_bot, stranger, f"订单{order_id}到哪了")
    live_bot.stop(["actions"])
    live_bot.env_overrides = {"XIAOER_ORDERS_URL": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there
    try:
        live_bot.start(["actions"])
        live_bot.wait_ready()
        mode, text = said_texts(live_bot, stranger, "5678")
        assert mode == "waiting" and ("查不到" in text or "读不出来" in text), text
        assert not any(detail in text for detail in ORDER_DETAILS), text
    finally:
        live_bot.stop(["actions"])
        live_bot.env_overrides = {}
        live_bot.start(["actions"])
        live_bot.wait_ready()
