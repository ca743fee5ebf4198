"""The gateway's Sanic app, built by a factory: wiring only, the parts live in their rooms.

    bot/infra/    store, pubsub, Rasa, files, request checks, outbound (every reply's path)
    bot/staff/    who may sign in, sessions, guards
    bot/chat/     the buyer's routes, one message through the bot, the NLG endpoint
    bot/handoff/  the queue, escalation, the agent's desk and console routes
    bot/trainer/  the workbench: script editor, review list, training file
    bot/orders/   order events, reminders, webhooks
    bot/ops/      /metrics for Prometheus, the manager's dashboard and staffing plan

No connection is opened before the server starts.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from sanic import Request, Sanic
from sanic import exceptions as sanic_errors
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.chat.conversation import ConversationService
from bot.chat.keys import ConversationKeys
from bot.chat.limits import BuyerLimits, TooFast
from bot.chat.nlg import NlgRenderer
from bot.chat.questions import QuestionSplitter
from bot.chat.routes import RASA_DOWN, STORE_DOWN
from bot.chat.routes import create_blueprint as buyer_chat
from bot.config import Settings
from bot.handoff.desk import AgentDesk
from bot.handoff.escalation import Escalation
from bot.handoff.queue import MemoryCaseQueue, RedisCaseQueue
from bot.handoff.routes import create_blueprint as agent_console
from bot.infra.outbound import Outbound
from bot.infra.pubsub import LocalHub, RedisHub
from bot.infra.rasa import (
    LATE_ANSWER_FACTOR,
    RasaClient,
    RasaTrackerApi,
    RasaUnavailable,
)
from bot.infra.requests import BadRequest, error
from bot.infra.shop_stats import ShopStats
from bot.infra.store import MemoryStore, RedisStore, Store, StoreUnavailable
from bot.infra.tokens import tokens_for
from bot.ops.routes import dashboard_blueprint, metrics_blueprint
from bot.orders.service import open_orders
from bot.orders.webhooks import order_blueprint
from bot.staff.people import AgentDirectory, agents_file
from bot.staff.sessions import (
    MemorySessionStore,
    RedisSessionStore,
    SessionSigner,
    StaffSessions,
    session_secret,
)
from bot.trainer.review import ReviewRecorder
from bot.trainer.routes import create_blueprint as trainer_workbench
from bot.trainer.training_file import MODELS_DIR, TRAINING_FILE
from xiaoer import clock as app_clock
from xiaoer.scripts import ScriptCorpus
from xiaoer.shop import Shop, load_shop
from xiaoer.shop.model import DEFAULT_RETENTION_S

log = logging.getLogger(__name__)

# Pages load only our own scripts and styles and talk only to us; pictures may also come
# from https (a shop's product pictures on its image host, shown in cards).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'none'"
)
# The one page a frame may show: the buyer's chat, in the panel of the embed (bot/web/embed.js)
# on our demo shop page and on the shops' sites of XIAOER_EMBED_ORIGINS.
FRAMABLE_PAGE = "/chat"


def frame_headers(path: str, embed_origins: tuple[str, ...]) -> dict[str, str]:
    """A page's CSP and framing headers: no page but the chat may be framed by anyone (the
    staff pages above all: a framed console could be clicked on by a page over it)."""
    if path == FRAMABLE_PAGE:  # X-Frame-Options cannot list sites; frame-ancestors can
        ancestors = " ".join(("'self'", *embed_origins))
        return {"Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; frame-ancestors {ancestors}"}
    return {"Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'",
            "X-Frame-Options": "DENY"}


async def redis_answers(store: RedisStore, wait_s: float, every_s: float = 0.5) -> bool:
    """Whether Redis answers within ``wait_s`` (it may still be starting beside us)."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while not await store.ping():
        if asyncio.get_running_loop().time() >= deadline:
            return False
        log.info("waiting for Redis at %s", store.redis.connection_pool.connection_kwargs.get("host"))
        await asyncio.sleep(every_s)
    return True


async def open_store(settings: Settings, retention_s: int = DEFAULT_RETENTION_S) -> tuple[Store, str]:
    """The configured store; with "auto", Redis when it answers, else memory (and say so).
    A conversation's Redis keys expire ``retention_s`` after its last activity."""
    if settings.store == "memory":
        return MemoryStore(), "memory"
    store = RedisStore(settings.redis_url, prefix=settings.key_prefix, retention_s=retention_s)
    if settings.store == "redis" or await redis_answers(store, settings.redis_wait_s):
        return store, "redis"
    await store.close()
    log.warning(
        "Redis is not reachable at %s: using an in-memory store for this demo; "
        "conversations are lost when the gateway stops.",
        settings.redis_url,
    )
    return MemoryStore(), "memory"


async def open_handoff(app: Sanic) -> None:
    """The hand-off queue, live events and staff sessions on the store's Redis (or in memory).

    Kept while the store is the same, so a test client's restarts keep the memory queue.
    """
    if getattr(app.ctx, "handoff_store", None) is app.ctx.store:
        return
    store = app.ctx.store
    configured = app.ctx.settings.session_secret
    if isinstance(store, RedisStore):
        app.ctx.queue = RedisCaseQueue(store.redis, store.prefix, retention_s=app.ctx.shop.retention_seconds)
        app.ctx.hub = RedisHub(store.redis, store.prefix)
        secret = await session_secret(store.redis, store.prefix, configured)
        session_store: RedisSessionStore | MemorySessionStore = RedisSessionStore(store.redis, store.prefix)
    else:
        app.ctx.queue, app.ctx.hub = MemoryCaseQueue(), LocalHub()
        secret = await session_secret(None, "", configured)
        session_store = MemorySessionStore()
    app.ctx.sessions = StaffSessions(SessionSigner(secret), session_store)
    app.ctx.gateway_secret = secret  # also the key of the buyers' offered conversation tokens (bot/chat/keys.py)
    app.ctx.handoff_store = store


def tracker_ttl_mismatch(shop: Shop, env: Mapping[str, str]) -> str | None:
    """Why Rasa would keep trackers longer or shorter than the shop keeps buyers' data
    (``XIAOER_TRACKER_TTL_S``, endpoints.yml's record_exp, set beside this gateway), or None."""
    value = env.get("XIAOER_TRACKER_TTL_S")
    if value is None or value.strip() == str(shop.retention_seconds):
        return None
    return (
        f"XIAOER_TRACKER_TTL_S is {value!r} but shop.yml keeps buyers' data {shop.retention_days} days: "
        f"give Rasa XIAOER_TRACKER_TTL_S={shop.retention_seconds} (python -m tools.retention_seconds)"
    )


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    rasa: RasaClient | None = None,
    name: str = "xiaoer_gateway",
    tracker_api: RasaTrackerApi | None = None,
    agents: AgentDirectory | None = None,
    now: Any = None,
) -> Sanic:
    settings = settings or Settings.from_env()
    # A broken shop configuration stops the start with the file, line and problem.
    shop = load_shop(settings.shop_dir)
    if (mismatch := tracker_ttl_mismatch(shop, os.environ)) is not None:
        log.warning("%s", mismatch)
    # readable Chinese in every JSON answer, not \uXXXX escapes
    app = Sanic(name, dumps=functools.partial(json.dumps, ensure_ascii=False))
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    if settings.trust_proxy:
        # X-Forwarded-For/-Proto from that many proxies in front are believed: the client's
        # address (sign-in throttle) and https (the session cookie's Secure flag); otherwise
        # Sanic's own SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER or SANIC_FORWARDED_SECRET, if set
        app.config.PROXIES_COUNT = settings.trust_proxy
    app.ctx.settings = settings
    app.ctx.shop = shop
    # Everyone who may sign in (a broken agents file stops the start too, and in production a
    # missing one or a demo password); the console takes those with the agent role (entries
    # without roles are agents), the workbench the trainers.
    app.ctx.people = agents if agents is not None else AgentDirectory.load(agents_file(), settings.production)
    # the buyer API's limits, made once (a test client's restarts keep the memory counts)
    app.ctx.buyer_limits = BuyerLimits.from_settings(settings)
    app.ctx.training_file = TRAINING_FILE
    app.ctx.models_dir = MODELS_DIR
    if not len(app.ctx.people.with_role("agent")):
        log.warning("no agents in %s: nobody can sign in to the console (python -m bot.staff.people add)", agents_file())

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.store, app.ctx.store_kind = (store, "given") if store else await open_store(settings, shop.retention_seconds)
        # a buyer waits rasa_timeout for the answer; the gateway waits longer for it (RasaSlow)
        app.ctx.rasa = rasa or RasaClient(settings.rasa_url, timeout=settings.rasa_timeout * LATE_ANSWER_FACTOR,
                                          token=settings.internal_token)
        app.ctx.tracker_api = tracker_api or RasaTrackerApi(settings.rasa_url, token=settings.internal_token)
        app.ctx.corpus = ScriptCorpus(settings.scripts_dir)
        await open_handoff(app)
        app.ctx.conversation_keys = ConversationKeys(tokens_for(app.ctx.store), app.ctx.gateway_secret)
        await app.ctx.hub.start()
        # the shop's day in numbers, shared by every gateway on the store (the dashboard's source)
        app.ctx.stats = ShopStats.for_store(app.ctx.store, shop.tz, shop.retention_seconds)
        outbound = Outbound(app.ctx.corpus, app.ctx.store, app.ctx.hub, {"shop_name": shop.name}, stats=app.ctx.stats)
        app.ctx.outbound = outbound
        # payment reminders and order events need Redis (the schedule must survive restarts)
        app.ctx.orders = open_orders(outbound, shop, tracker_api=app.ctx.tracker_api)
        if app.ctx.orders:
            app.ctx.orders.scheduler.start()
        else:
            log.warning("payment reminders and order webhooks are off: they need the Redis store")
        escalation = Escalation(app.ctx.queue, outbound, app.ctx.tracker_api, shop, now=now)
        cancel = app.ctx.orders.scheduler.cancel_for_buyer_message if app.ctx.orders else None
        app.ctx.conversations = ConversationService(
            app.ctx.store, app.ctx.rasa, escalation, cancel_reminders=cancel, splitter=QuestionSplitter(app.ctx.rasa.parse),
            answer_wait=settings.rasa_timeout, answer_lease=settings.rasa_timeout, hub=app.ctx.hub,
            limits=app.ctx.buyer_limits)
        app.ctx.conversations.stats = app.ctx.stats
        app.ctx.buyer_limits.use(app.ctx.store)
        app.ctx.desk = AgentDesk(app.ctx.queue, outbound, app.ctx.tracker_api, shop, line=escalation.line)
        redis = app.ctx.store.redis if isinstance(app.ctx.store, RedisStore) else None
        app.ctx.review = ReviewRecorder(redis, getattr(app.ctx.store, "prefix", settings.key_prefix),
                                        retention_s=shop.retention_seconds)
        app.ctx.nlg = NlgRenderer(outbound, review=app.ctx.review)
        log.info("gateway ready on port %s, store: %s, Rasa: %s", settings.port, app.ctx.store_kind, settings.rasa_url)

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        if getattr(app.ctx, "conversations", None):
            await app.ctx.conversations.drain()
        if getattr(app.ctx, "orders", None):
            await app.ctx.orders.scheduler.stop()
        await app.ctx.hub.close()
        if not tracker_api:
            await app.ctx.tracker_api.close()
        if not rasa:
            await app.ctx.rasa.close()
        if not store:
            await app.ctx.store.close()

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if (response.content_type or "").startswith("text/html"):
            response.headers.update(frame_headers(request.path, settings.embed_origins))

    async def status() -> dict[str, Any]:
        store_ok = await app.ctx.store.ping()
        rasa_ok = await app.ctx.rasa.ready()
        return {
            "status": "ok" if store_ok and rasa_ok else "degraded",
            "store": app.ctx.store_kind,
            "store_ok": store_ok,
            "rasa_ok": rasa_ok,
            "script_errors": list(app.ctx.corpus.errors.values()),
        }

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        """Liveness: the gateway process answers (200), with what it depends on in the body.
        Restarting it would not bring Redis or Rasa back, so their state does not fail it."""
        return json_response(await status())

    @app.get("/ready")
    async def ready(request: Request) -> HTTPResponse:
        """Readiness: 503 while Rasa or the store cannot answer, so a load balancer sends
        buyers to a gateway that can."""
        body = await status()
        return json_response(body, status=200 if body["status"] == "ok" else 503)

    register_errors(app)
    app.blueprint(buyer_chat())
    app.blueprint(agent_console())
    app.blueprint(trainer_workbench())
    app.blueprint(dashboard_blueprint())
    app.blueprint(metrics_blueprint())
    # the clock the order service has: a webhook's timestamp is checked against the app's time
    app.blueprint(order_blueprint(settings.webhook_secret, clock=app_clock.now))
    app.static("/static", settings.web_dir, name="static")
    return app


def register_errors(app: Sanic) -> None:
    @app.exception(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> HTTPResponse:
        return error(400, str(exc))

    @app.exception(TooFast)
    async def too_fast(request: Request, exc: TooFast) -> HTTPResponse:
        return exc.response()  # the call was not taken: the client sends it again after the wait

    @app.exception(StoreUnavailable)
    async def store_down(request: Request, exc: StoreUnavailable) -> HTTPResponse:
        log.error("%s", exc)
        return error(503, STORE_DOWN)

    @app.exception(RasaUnavailable)
    async def rasa_down(request: Request, exc: RasaUnavailable) -> HTTPResponse:
        log.error("%s", exc)
        return error(503, RASA_DOWN)

    @app.exception(sanic_errors.NotFound)
    async def not_found(request: Request, exc: Exception) -> HTTPResponse:
        return error(404, f"no such route: {request.method} {request.path}")

    @app.exception(sanic_errors.MethodNotAllowed)
    async def wrong_method(request: Request, exc: Exception) -> HTTPResponse:
        return error(405, f"{request.method} is not allowed on {request.path}")

    @app.exception(sanic_errors.PayloadTooLarge)
    async def too_large(request: Request, exc: Exception) -> HTTPResponse:
        return error(413, "the request body is too large")

    @app.exception(sanic_errors.SanicException)
    async def sanic_error(request: Request, exc: sanic_errors.SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 500) or 500
        if status >= 500:
            log.exception("gateway error on %s", request.path, exc_info=exc)
            return error(500, "internal error; the request was not completed")
        return error(status, str(exc))

    @app.exception(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTTPResponse:
        log.exception("unexpected error on %s", request.path, exc_info=exc)
        return error(500, "internal error; the request was not completed")
