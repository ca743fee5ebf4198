"""The order webhooks in a small Sanic app with the real Redis store."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sanic import Sanic

from bot.orders.reminders import SCRIPT_SILENT
from bot.orders.service import CONFIRMATION_SCRIPT, OrderService
from bot.orders.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    order_blueprint,
    sign,
)
from tests.gateway.reminders_kit import (
    Clock,
    at,
    new_conversation,
    open_service,
    order_body,
    reminders_in,
)

SECRET = "test-webhook-secret"
Sanic.test_mode = True


def make_app(prefix: str, clock: Clock, secret: str | None = SECRET) -> Sanic:
    app = Sanic(f"orders_{uuid.uuid4().hex[:8]}", dumps=lambda o: json.dumps(o, ensure_ascii=False))

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.store, app.ctx.orders = open_service(prefix, clock)

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        await app.ctx.store.close()

    app.ctx.clock = clock  # the senders sign with the gateway's time
    app.blueprint(order_blueprint(secret, clock=clock))
    return app


@pytest.fixture
def clock():
    return Clock(at(10, 14, 0))


@pytest.fixture
def client(redis_prefix, clock):
    return make_app(redis_prefix, clock).test_client


def signed(event: str, data: bytes, timestamp: float | str, secret: str | None = SECRET,
           delivery: str | None = None) -> dict[str, str]:
    """The headers a platform sends: a fresh delivery id unless given, signed unless no secret."""
    timestamp = str(int(timestamp)) if isinstance(timestamp, float | int) else timestamp
    delivery = delivery if delivery is not None else f"dlv-{uuid.uuid4().hex}"
    headers = {"content-type": "application/json", TIMESTAMP_HEADER: timestamp, DELIVERY_HEADER: delivery}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, event, timestamp, delivery, data)
    return headers


def post(client, event: str, data: bytes, headers: dict[str, str]):
    _, response = client.post(f"/webhooks/orders/{event}", content=data, headers=headers)
    return response


def encode(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def send(client, event: str, body, secret: str | None = SECRET, raw: bytes | None = None):
    data = raw if raw is not None else encode(body)
    return post(client, event, data, signed(event, data, client.app.ctx.clock(), secret))


def read(prefix: str, coroutine_factory):
    async def go():
        store, service = open_service(prefix, Clock(0))
        try:
            return await coroutine_factory(store, service)
        finally:
            await store.close()

    return asyncio.run(go())


def order_of(prefix, order_id):
    return read(prefix, lambda store, service: service.orders.get_order(order_id))


def log_of(prefix, conversation_id):
    return read(prefix, lambda store, service: store.messages(conversation_id))


def test_after_payment_the_buyer_gets_a_confirmation_with_the_orders_details(client, redis_prefix):
    conv = new_conversation()
    created = send(client, "order_created", order_body(conv, "ORD-10001"))
    assert created.status == 201 and created.json["status"] == "unpaid"
    paid = send(client, "order_paid", {"order_id": "ORD-10001"})
    assert paid.status == 200 and paid.json == {"order_id": "ORD-10001", "status": "paid", "changed": True}
    [confirmation] = [m for m in log_of(redis_prefix, conv) if m.get("script") == CONFIRMATION_SCRIPT]
    text = confirmation["text"]
    for detail in ("ORD-10001", "JN-2801", "高腰直筒牛仔裤", "L", "深蓝", "2", "林晓", "13800001234",
                   "顺丰", "浙江省杭州市西湖区文三路 88 号", "请不要放快递柜"):
        assert detail in text, detail
    assert confirmation["buttons"] == [{"title": "信息有误，我要修改", "payload": "订单信息填错了"}]
    # the platform retries: nothing happens twice
    again = send(client, "order_paid", {"order_id": "ORD-10001"})
    assert again.status == 200 and again.json["changed"] is False
    assert len([m for m in log_of(redis_prefix, conv) if m.get("script") == CONFIRMATION_SCRIPT]) == 1


def test_remarks_default_and_courier_default_show_in_the_confirmation(client, redis_prefix):
    conv = new_conversation()
    body = order_body(conv, "ORD-10002")
    del body["remarks"], body["courier"]
    assert send(client, "order_created", body).status == 201
    send(client, "order_paid", {"order_id": "ORD-10002"})
    [confirmation] = [m for m in log_of(redis_prefix, conv) if m.get("script") == CONFIRMATION_SCRIPT]
    assert "中通" in confirmation["text"] and "无" in confirmation["text"]


def test_a_reminder_from_a_webhook_order_then_payment_is_counted(client, redis_prefix, clock):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-10003"))
    clock.advance(minutes=15)

    sent = asyncio.run(_run_scheduler(redis_prefix, clock))
    assert sent == ["ORD-10003"]
    assert len(reminders_in(log_of(redis_prefix, conv))) == 1
    clock.advance(hours=1)
    send(client, "order_paid", {"order_id": "ORD-10003"})
    # what GET /api/metrics/reminders answers a signed-in agent (tests/gateway/test_staff_sessions.py)
    metrics = asyncio.run(_metrics(redis_prefix, clock))
    assert metrics[SCRIPT_SILENT] == {"sent": 1, "paid_within_24h": 1, "capped": 0}


async def _run_scheduler(prefix, clock):
    store, service = open_service(prefix, clock)
    try:
        return await service.scheduler.run_once()
    finally:
        await store.close()


async def _metrics(prefix, clock):
    store, service = open_service(prefix, clock)
    try:
        return await service.scheduler.metrics()
    finally:
        await store.close()


def test_shipping_tells_the_buyer_the_courier_and_number(client, redis_prefix):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-10004"))
    assert send(client, "order_shipped", {"order_id": "ORD-10004", "tracking_number": "SF123"}).status == 409
    send(client, "order_paid", {"order_id": "ORD-10004"})
    shipped = send(client, "order_shipped", {"order_id": "ORD-10004", "tracking_number": "SF1234567"})
    assert shipped.status == 200 and shipped.json["status"] == "shipped"
    notice = [m for m in log_of(redis_prefix, conv) if m.get("order_event") == "order_shipped"]
    assert len(notice) == 1 and "顺丰" in notice[0]["text"]
    assert order_of(redis_prefix, "ORD-10004").tracking_number == "SF1234567"


def test_delivery_follows_shipping_only(client, redis_prefix):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-10005"))
    send(client, "order_paid", {"order_id": "ORD-10005"})
    early = send(client, "order_delivered", {"order_id": "ORD-10005"})
    assert early.status == 409 and "shipped" in early.json["error"]
    send(client, "order_shipped", {"order_id": "ORD-10005", "tracking_number": "SF7654321"})
    delivered = send(client, "order_delivered", {"order_id": "ORD-10005"})
    assert delivered.status == 200 and delivered.json == {"order_id": "ORD-10005", "status": "delivered", "changed": True}
    assert send(client, "order_delivered", {"order_id": "ORD-10005"}).json["changed"] is False
    assert order_of(redis_prefix, "ORD-10005").status == "delivered"


@pytest.mark.parametrize("headers_secret", [None, "wrong-secret"])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, redis_prefix, headers_secret):
    conv = new_conversation()
    response = send(client, "order_created", order_body(conv, "ORD-20001"), secret=headers_secret)
    assert response.status == 401 and SIGNATURE_HEADER in response.json["error"]
    assert order_of(redis_prefix, "ORD-20001") is None


def test_a_signature_for_another_body_is_refused(client, redis_prefix, clock):
    conv = new_conversation()
    original = encode(order_body(conv, "ORD-20002"))
    tampered = encode(order_body(conv, "ORD-20002", quantity=9))
    response = post(client, "order_created", tampered, signed("order_created", original, clock()))
    assert response.status == 401 and SIGNATURE_HEADER in response.json["error"]
    assert order_of(redis_prefix, "ORD-20002") is None


def test_paying_an_unknown_order_is_a_404_and_changes_nothing(client, redis_prefix):
    response = send(client, "order_paid", {"order_id": "ORD-NOPE"})
    assert response.status == 404 and "ORD-NOPE" in response.json["error"]
    assert order_of(redis_prefix, "ORD-NOPE") is None


@pytest.mark.parametrize("event, raw, reason", [
    ("order_created", b"{not json", "not valid JSON"),
    ("order_created", b"[1, 2]", "JSON object"),
    ("order_created", json.dumps(order_body("buyer-abcdef12", "ORD-30001", quantity=0)).encode(), "quantity"),
    ("order_created", json.dumps(order_body("buyer-abcdef12", "ORD-30001", size="")).encode(), "size"),
    ("order_created", json.dumps(order_body("bad id!", "ORD-30001")).encode(), "conversation_id"),
    ("order_created", json.dumps(order_body("buyer-abcdef12", "ORD 30001")).encode(), "order_id"),
    ("order_paid", b"{}", "order_id"),
    ("order_paid", b'"ORD-30001"', "JSON object"),
])
def test_a_malformed_body_is_a_400_and_changes_nothing(client, redis_prefix, event, raw, reason):
    response = send(client, event, None, raw=raw)
    assert response.status == 400 and reason in response.json["error"]
    assert order_of(redis_prefix, "ORD-30001") is None
    assert log_of(redis_prefix, "buyer-abcdef12") == []


def test_an_unknown_event_and_a_second_creation(client, redis_prefix):
    assert send(client, "order_refunded", {"order_id": "x"}).status == 404
    conv = new_conversation()
    assert send(client, "order_created", order_body(conv, "ORD-40001")).status == 201
    again = send(client, "order_created", order_body(conv, "ORD-40001", quantity=5))
    assert again.status == 200 and again.json["changed"] is False
    assert order_of(redis_prefix, "ORD-40001").quantity == 2


def test_paying_a_cancelled_order_is_a_conflict(client, redis_prefix):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-50001"))
    assert send(client, "order_cancelled", {"order_id": "ORD-50001"}).json["status"] == "cancelled"
    response = send(client, "order_paid", {"order_id": "ORD-50001"})
    assert response.status == 409 and "cancelled" in response.json["error"]
    assert order_of(redis_prefix, "ORD-50001").status == "cancelled"


def test_without_a_configured_secret_the_webhooks_are_off(redis_prefix, clock):
    client = make_app(redis_prefix, clock, secret=None).test_client
    response = send(client, "order_created", order_body(new_conversation(), "ORD-60001"))
    assert response.status == 503 and "XIAOER_WEBHOOK_SECRET" in response.json["error"]
    assert order_of(redis_prefix, "ORD-60001") is None


def test_a_captured_payment_sent_to_order_cancelled_is_refused_and_the_order_stays_paid(client, redis_prefix, clock):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-70001"))
    data = encode({"order_id": "ORD-70001"})
    headers = signed("order_paid", data, clock())
    assert post(client, "order_paid", data, headers).status == 200
    # the same headers and body, another event in the path
    response = post(client, "order_cancelled", data, headers)
    assert response.status == 401 and SIGNATURE_HEADER in response.json["error"]
    assert order_of(redis_prefix, "ORD-70001").status == "paid"


def test_a_delivery_sent_twice_is_a_409_the_second_time_and_changes_nothing(client, redis_prefix, clock):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-70002"))
    data = encode({"order_id": "ORD-70002"})
    headers = signed("order_paid", data, clock(), delivery="pay-ORD-70002")
    assert post(client, "order_paid", data, headers).json["changed"] is True
    clock.advance(minutes=1)
    again = post(client, "order_paid", data, headers)
    assert again.status == 409 and again.json == {"error": "delivery pay-ORD-70002 was already received"}
    assert order_of(redis_prefix, "ORD-70002").status == "paid"
    assert len([m for m in log_of(redis_prefix, conv) if m.get("script") == CONFIRMATION_SCRIPT]) == 1


@pytest.mark.parametrize("age, status", [(301, 401), (-301, 401), (299, 201), (-299, 201)])
def test_only_a_timestamp_within_five_minutes_of_the_gateways_clock_is_accepted(client, redis_prefix, clock,
                                                                                 age, status):
    data = encode(order_body(new_conversation(), "ORD-70003"))
    response = post(client, "order_created", data, signed("order_created", data, clock() - age))
    assert response.status == status, response.json
    if status == 401:
        assert TIMESTAMP_HEADER in response.json["error"] and ("old" if age > 0 else "future") in response.json["error"]
        assert order_of(redis_prefix, "ORD-70003") is None
    else:
        assert order_of(redis_prefix, "ORD-70003").status == "unpaid"


@pytest.mark.parametrize("timestamp, delivery, reason", [
    (None, "dlv-12345678", f"missing {TIMESTAMP_HEADER}"),
    ("", "dlv-12345678", f"missing {TIMESTAMP_HEADER}"),
    ("soon", "dlv-12345678", TIMESTAMP_HEADER),
    ("1793000000.5", "dlv-12345678", TIMESTAMP_HEADER),
    ("-1793000000", "dlv-12345678", TIMESTAMP_HEADER),
    ("now", "", f"missing {DELIVERY_HEADER}"),
    ("now", None, f"missing {DELIVERY_HEADER}"),
    ("now", "short", DELIVERY_HEADER),
    ("now", "x" * 65, DELIVERY_HEADER),
    ("now", "dlv.1234.5678", DELIVERY_HEADER),
    ("now", "dlv 12345678", DELIVERY_HEADER),
])
def test_a_missing_or_malformed_timestamp_or_delivery_id_is_refused(client, redis_prefix, clock,
                                                                    timestamp, delivery, reason):
    data = encode(order_body(new_conversation(), "ORD-70004"))
    timestamp = str(int(clock())) if timestamp == "now" else timestamp
    # signed over the malformed values, so only their form is wrong
    headers = signed("order_created", data, timestamp or "", delivery=delivery or "")
    if timestamp is None:
        del headers[TIMESTAMP_HEADER]
    if delivery is None:
        del headers[DELIVERY_HEADER]
    response = post(client, "order_created", data, headers)
    assert response.status == 401 and reason in response.json["error"], response.json
    assert order_of(redis_prefix, "ORD-70004") is None


def test_a_delivery_that_failed_on_our_side_is_handled_when_the_platform_retries_it(client, redis_prefix, clock):
    # The payment arrives before the order: 404, and the platform retries the same delivery.
    conv = new_conversation()
    data = encode({"order_id": "ORD-70005"})
    headers = signed("order_paid", data, clock(), delivery="pay-ORD-70005")
    assert post(client, "order_paid", data, headers).status == 404
    send(client, "order_created", order_body(conv, "ORD-70005"))
    clock.advance(minutes=2)
    retried = post(client, "order_paid", data, headers)
    assert retried.status == 200 and retried.json["changed"] is True
    assert order_of(redis_prefix, "ORD-70005").status == "paid"
    # once handled, the delivery is not taken again
    assert post(client, "order_paid", data, headers).status == 409


def test_a_shipment_before_its_payment_counts_when_retried_after_it(client, redis_prefix, clock):
    conv = new_conversation()
    send(client, "order_created", order_body(conv, "ORD-70006"))
    data = encode({"order_id": "ORD-70006", "tracking_number": "SF7000600"})
    headers = signed("order_shipped", data, clock())
    assert post(client, "order_shipped", data, headers).status == 409
    send(client, "order_paid", {"order_id": "ORD-70006"})
    assert post(client, "order_shipped", data, headers).status == 200
    assert order_of(redis_prefix, "ORD-70006").status == "shipped"
    assert post(client, "order_shipped", data, headers).status == 409


def test_a_delivery_whose_handling_broke_is_handled_when_retried(client, redis_prefix, clock, monkeypatch):
    handle = OrderService.handle

    async def broken_once(self, event, body):
        monkeypatch.setattr(OrderService, "handle", handle)
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(OrderService, "handle", broken_once)
    data = encode(order_body(new_conversation(), "ORD-70007"))
    headers = signed("order_created", data, clock())
    assert post(client, "order_created", data, headers).status == 500
    assert order_of(redis_prefix, "ORD-70007") is None
    assert post(client, "order_created", data, headers).status == 201
    assert order_of(redis_prefix, "ORD-70007").status == "unpaid"
