"""The shop platform's order webhooks and the reminder metrics, as a Sanic blueprint.

``POST /webhooks/orders/{event}`` (event: order_created, order_paid, order_cancelled,
order_shipped, order_delivered) with a JSON body and the header
``X-Xiaoer-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>``.
Answers ``{"order_id", "status", "changed"}``; a repeated event answers ``changed: false``
(platforms retry). Bad secret 401, malformed body 400, unknown order 404, an event that
does not fit the order's status 409, each with ``{"error": ...}`` and nothing changed.

``GET /api/metrics/reminders``: reminders sent and orders paid within 24 h, per variant.

The handlers use ``app.ctx.orders`` (an :class:`bot.orders.service.OrderService`), set up when
the gateway starts; without it (no Redis) they answer 503.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.orders.model import EVENTS, OrderConflict, OrderError, UnknownOrder

SIGNATURE_HEADER = "X-Xiaoer-Signature"


def sign(secret: str, body: bytes) -> str:
    """The header value a sender puts on ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def _error(status: int, reason: str) -> HTTPResponse:
    return json_response({"error": reason}, status=status)


def order_blueprint(secret: str | None, name: str = "orders") -> Blueprint:
    bp = Blueprint(name)

    @bp.post("/webhooks/orders/<event:str>")
    async def order_event(request: Request, event: str) -> HTTPResponse:
        # Check the signature before anything else: an unsigned caller learns nothing.
        if not secret:
            return _error(503, "order webhooks are off: set XIAOER_WEBHOOK_SECRET on the gateway")
        body = request.body or b""
        if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return _error(401, f"bad or missing {SIGNATURE_HEADER} (sha256=<HMAC-SHA256 of the body>)")
        service = getattr(request.app.ctx, "orders", None)
        if service is None:
            return _error(503, "order events need the Redis store, which this gateway does not have")
        if event not in EVENTS:
            return _error(404, f"unknown event {event!r}; events are: {', '.join(EVENTS)}")
        try:
            payload: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(400, f"the body is not valid JSON ({exc})")
        try:
            result = await service.handle(event, payload)
        except OrderError as exc:
            return _error(400, str(exc))
        except UnknownOrder as exc:
            return _error(404, f"no order {exc.args[0]!r}")
        except OrderConflict as exc:
            return _error(409, str(exc))
        return json_response(result, status=201 if event == "order_created" and result["changed"] else 200)

    @bp.get("/api/metrics/reminders")
    async def reminder_metrics(request: Request) -> HTTPResponse:
        service = getattr(request.app.ctx, "orders", None)
        if service is None:
            return _error(503, "reminder metrics need the Redis store, which this gateway does not have")
        return json_response({"variants": await service.scheduler.metrics()})

    return bp
