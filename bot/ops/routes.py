"""For the people who run the shop: ``GET /metrics`` for Prometheus, and the manager's
dashboard at /dashboard with its JSON API under /dashboard/api.

``/metrics`` is internal, like /nlg: it needs ``Authorization: Bearer <XIAOER_INTERNAL_TOKEN>``
(403 without it, 503 while the gateway has no token). The dashboard has the staff sign-in
(bot/staff/guards.py) and needs the manager role: 401 without a session, 403 for an agent or
a trainer, 403 from another site's page.
"""

from __future__ import annotations

import hmac

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from bot.infra import metrics
from bot.infra.requests import error
from bot.ops.dashboard import (
    PLAN_DEFAULTS,
    day_figures,
    plan_figures,
    plan_input,
    read_day,
)
from bot.staff.guards import StaffArea
from bot.staff.people import Agent
from xiaoer.staffing import PlanError, plan

DASHBOARD = StaffArea(role="manager", title="店铺看板", page="/dashboard", html="dashboard.html",
                      api_prefixes=("/dashboard/api/",))


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def metrics_blueprint() -> Blueprint:
    bp = Blueprint("ops_metrics")

    @bp.get("/metrics")
    async def prometheus(request: Request) -> HTTPResponse:
        token = request.app.ctx.settings.internal_token
        if not token:
            return error(503, "/metrics is off: set XIAOER_INTERNAL_TOKEN on the gateway")
        if not hmac.compare_digest(bearer_token(request).encode(), token.encode()):
            return error(403, "/metrics needs the internal token: Authorization: Bearer <XIAOER_INTERNAL_TOKEN>")
        body, content_type = metrics.exposition()
        return raw(body, content_type=content_type)

    return bp


def dashboard_blueprint() -> Blueprint:
    bp = DASHBOARD.blueprint("shop_dashboard", me_body)

    @bp.get("/dashboard/api/day")
    async def day(request: Request) -> HTTPResponse:
        """The figures of one shop day (``?date=YYYY-MM-DD``; today by the app's clock)."""
        shop = request.app.ctx.shop
        try:
            asked = read_day(request.args.get("date"), shop.now().date())
        except ValueError as exc:
            return error(400, str(exc))
        counts = await request.app.ctx.stats.day(asked.isoformat())
        return json_response(day_figures(asked.isoformat(), counts))

    @bp.get("/dashboard/api/plan")
    async def staffing(request: Request) -> HTTPResponse:
        """Agents per hour of a peak (xiaoer/staffing.py); a field left out takes its default,
        the bot's resolution rate today's measured one (0 before any conversation)."""
        shop = request.app.ctx.shop
        now = shop.now()
        today = day_figures(now.date().isoformat(), await request.app.ctx.stats.day(now.date().isoformat()))
        args = {name: request.args.get(name) or "" for name in request.args}
        try:
            given = plan_input(args, today["bot_resolution_rate"] or 0.0, now)
            return json_response({**plan_figures(given, plan(given)),
                                  "measured_resolution_rate": today["bot_resolution_rate"]})
        except PlanError as exc:
            return error(400, str(exc))

    return bp


def me_body(person: Agent) -> dict:
    return {"manager": person.public(), "plan_defaults": PLAN_DEFAULTS}
