"""The shop platform's order webhooks and the reminder metrics, as a Sanic blueprint.

``POST /webhooks/orders/{event}`` (event: order_created, order_paid, order_cancelled,
order_shipped, order_delivered) with a JSON body and three headers:

- ``X-Xiaoer-Timestamp``: the sending time, Unix seconds (digits only);
- ``X-Xiaoer-Delivery``: an id unique to this delivery, 8-64 letters, digits, ``-`` or ``_``,
  kept the same when the platform retries it;
- ``X-Xiaoer-Signature``: ``sha256=`` and the hex HMAC-SHA256, with the shared secret, of
  ``f"{timestamp}.{delivery}.{event}.".encode() + body`` (the raw body bytes), which is
  what :func:`sign` computes.

The event and time are signed so a captured delivery can be neither sent to another event
nor replayed later: a timestamp more than 5 minutes from the gateway's clock is refused, and
a delivery id already handled answers 409 (it was received: stop retrying). A new delivery of
an event the order already had answers ``changed: false``. Answers ``{"order_id", "status",
"changed"}``; a bad signature, timestamp or delivery id 401, malformed body 400, unknown order
404, an event that does not fit the order's status 409, each with ``{"error": ...}`` and
nothing changed.

``GET /api/metrics/reminders``: reminders sent and orders paid within 24 h, per variant, for
a signed-in agent or trainer (the staff session cookie; 401 without one).

The handlers use ``app.ctx.orders`` (an :class:`bot.orders.service.OrderService`), set up when
the gateway starts; without it (no Redis) they answer 503.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import Any, Callable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.orders.model import EVENTS, OrderConflict, OrderError, UnknownOrder
from bot.staff.guards import staff_member
from xiaoer import clock as app_clock

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Xiaoer-Signature"
TIMESTAMP_HEADER = "X-Xiaoer-Timestamp"
DELIVERY_HEADER = "X-Xiaoer-Delivery"
# How far a delivery's timestamp may be from our clock, either way (the sender's clock drifts).
TIMESTAMP_WINDOW = 300
# Delivery ids are kept a little longer than a timestamp is accepted: an older replay is
# refused by its timestamp already.
DELIVERY_TTL = 2 * TIMESTAMP_WINDOW
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_DELIVERY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def sign(secret: str, event: str, timestamp: int | str, delivery: str, body: bytes) -> str:
    """The X-Xiaoer-Signature value a sender puts on ``body`` sent to ``event``."""
    message = f"{timestamp}.{delivery}.{event}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(
    secret: str | None, event: str, timestamp: str, delivery: str, body: bytes, header: str | None
) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, event, timestamp, delivery, body).encode(), header.strip().encode())


def _error(status: int, reason: str) -> HTTPResponse:
    return json_response({"error": reason}, status=status)


def _unsigned(request: Request, event: str, body: bytes, secret: str, now: float) -> str | None:
    """Why the delivery is not one the platform signed just now, or None when it is."""
    timestamp = (request.headers.get(TIMESTAMP_HEADER) or "").strip()
    delivery = (request.headers.get(DELIVERY_HEADER) or "").strip()
    if not timestamp:
        return f"missing {TIMESTAMP_HEADER} (the sending time in Unix seconds)"
    if not _TIMESTAMP.fullmatch(timestamp):
        return f"{TIMESTAMP_HEADER} must be the sending time in whole Unix seconds, not {timestamp[:40]!r}"
    if not delivery:
        return f"missing {DELIVERY_HEADER} (a unique id for this delivery)"
    if not _DELIVERY.fullmatch(delivery):
        return f"{DELIVERY_HEADER} must be 8-64 letters, digits, - or _, not {delivery[:80]!r}"
    if not signature_ok(secret, event, timestamp, delivery, body, request.headers.get(SIGNATURE_HEADER)):
        return f"bad or missing {SIGNATURE_HEADER} (sha256=<HMAC-SHA256 of '<timestamp>.<delivery>.<event>.' + body>)"
    # Checked after the signature, so only the platform learns how far off its clock is.
    skew = now - int(timestamp)
    if abs(skew) > TIMESTAMP_WINDOW:
        when = f"{skew:.0f} s old" if skew > 0 else f"{-skew:.0f} s in the future"
        return f"{TIMESTAMP_HEADER} is {when}; it must be within {TIMESTAMP_WINDOW} s of the gateway's clock"
    return None


def order_blueprint(
    secret: str | None, name: str = "orders", clock: Callable[[], float] = app_clock.now
) -> Blueprint:
    bp = Blueprint(name)

    @bp.post("/webhooks/orders/<event:str>")
    async def order_event(request: Request, event: str) -> HTTPResponse:
        # Check the signature before anything else: an unsigned caller learns nothing.
        if not secret:
            return _error(503, "order webhooks are off: set XIAOER_WEBHOOK_SECRET on the gateway")
        body = request.body or b""
        reason = _unsigned(request, event, body, secret, clock())
        if reason:
            return _error(401, reason)
        delivery = request.headers[DELIVERY_HEADER].strip()
        service = getattr(request.app.ctx, "orders", None)
        if service is None:
            return _error(503, "order events need the Redis store, which this gateway does not have")
        if event not in EVENTS:
            return _error(404, f"unknown event {event!r}; events are: {', '.join(EVENTS)}")
        try:
            payload: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(400, f"the body is not valid JSON ({exc})")
        # Claimed before handling, so two replicas given the same delivery at once do not both
        # act on it; released unless it was handled, because the platform retries a failed
        # delivery with the same id: an order_paid that came before its order_created (404) or
        # an order_shipped before its order_paid (409) must still count when retried. Handling
        # it again is safe: the order's transitions make a repeated event change nothing.
        if not await service.orders.claim_delivery(delivery, DELIVERY_TTL):
            return _error(409, f"delivery {delivery} was already received")
        handled = False
        try:
            response = await _handle(service, event, payload)
            handled = response.status < 300
            return response
        finally:
            if not handled:
                await _release(service, delivery)

    @bp.get("/api/metrics/reminders")
    async def reminder_metrics(request: Request) -> HTTPResponse:
        if await staff_member(request, ("agent", "trainer")) is None:
            return _error(401, "sign in as an agent or trainer first (/agent or /trainer)")
        service = getattr(request.app.ctx, "orders", None)
        if service is None:
            return _error(503, "reminder metrics need the Redis store, which this gateway does not have")
        return json_response({"variants": await service.scheduler.metrics()})

    return bp


async def _handle(service: Any, event: str, payload: Any) -> HTTPResponse:
    try:
        result = await service.handle(event, payload)
    except OrderError as exc:
        return _error(400, str(exc))
    except UnknownOrder as exc:
        return _error(404, f"no order {exc.args[0]!r}")
    except OrderConflict as exc:
        return _error(409, str(exc))
    return json_response(result, status=201 if event == "order_created" and result["changed"] else 200)


async def _release(service: Any, delivery: str) -> None:
    try:
        await service.orders.release_delivery(delivery)
    except Exception:  # the handler's own error (or answer) matters more; the id expires anyway
        log.warning("could not release webhook delivery %s; its retries are refused until it expires",
                    delivery, exc_info=True)
