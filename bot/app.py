"""The gateway's Sanic app, built by a factory; no connection is opened before start."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import uuid
from typing import Any

from sanic import Request, Sanic
from sanic import exceptions as sanic_errors
from sanic.response import HTTPResponse, file, json as json_response

from bot.agent_api import create_blueprint as agent_console
from bot.agent_desk import AgentDesk
from bot.agents import AgentDirectory, agents_file
from bot.config import Settings
from bot.conversation import BadRequest, ConversationService, check_conversation_id, check_text
from bot.escalation import Escalation
from bot.handoff import MemoryCaseQueue, RedisCaseQueue
from bot.nlg import NlgRenderer
from bot.review import MODELS_DIR, TRAINING_FILE, ReviewRecorder
from bot.pubsub import LocalHub, RedisHub, buyer_channel
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_tracker import RasaTrackerApi
from bot.scripts import ScriptCorpus
from bot.sessions import SessionSigner, session_secret
from bot.trainer_api import create_blueprint as trainer_workbench
from bot.order_webhooks import order_blueprint
from bot.orders import open_orders
from bot.store import MemoryStore, RedisStore, Store, StoreUnavailable
from xiaoer.shop import load_shop

log = logging.getLogger(__name__)

# Pages load only our own scripts and styles and talk only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)


async def open_store(settings: Settings) -> tuple[Store, str]:
    """The configured store; with "auto", Redis when it answers, else memory (and say so)."""
    if settings.store == "memory":
        return MemoryStore(), "memory"
    store = RedisStore(settings.redis_url, prefix=settings.key_prefix)
    if settings.store == "redis" or await store.ping():
        return store, "redis"
    await store.close()
    log.warning(
        "Redis is not reachable at %s: using an in-memory store for this demo; "
        "conversations are lost when the gateway stops.",
        settings.redis_url,
    )
    return MemoryStore(), "memory"


def error(status: int, reason: str) -> HTTPResponse:
    return json_response({"error": reason}, status=status)


def read_json(request: Request) -> Any:
    if "json" not in (request.content_type or ""):
        raise sanic_errors.SanicException(
            "the body must be JSON, sent with Content-Type: application/json", status_code=415
        )
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON ({exc})") from exc


async def open_handoff(app: Sanic) -> None:
    """The hand-off queue, live events and session secret on the store's Redis (or in memory).

    Kept while the store is the same, so a test client's restarts keep the memory queue.
    """
    if getattr(app.ctx, "handoff_store", None) is app.ctx.store:
        return
    store = app.ctx.store
    if isinstance(store, RedisStore):
        app.ctx.queue = RedisCaseQueue(store.redis, store.prefix)
        app.ctx.hub = RedisHub(store.redis, store.prefix)
        secret = await session_secret(store.redis, store.prefix)
    else:
        app.ctx.queue, app.ctx.hub = MemoryCaseQueue(), LocalHub()
        secret = await session_secret(None, "")
    app.ctx.sessions = SessionSigner(secret)
    app.ctx.handoff_store = store


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
    # readable Chinese in every JSON answer, not \uXXXX escapes
    app = Sanic(name, dumps=functools.partial(json.dumps, ensure_ascii=False))
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.shop = shop
    # Agents come from configuration; a broken agents file stops the start too.
    # Everyone who may sign in; the console takes those with the agent role (entries
    # without roles are agents), the workbench at /trainer those with the trainer role.
    app.ctx.people = agents if agents is not None else AgentDirectory.load(agents_file())
    app.ctx.agents = app.ctx.people.with_role("agent")
    app.ctx.training_file = TRAINING_FILE
    app.ctx.models_dir = MODELS_DIR
    if not len(app.ctx.agents):
        log.warning("no agents in %s: nobody can sign in to the console (python -m bot.agents add)", agents_file())

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.store, app.ctx.store_kind = (store, "given") if store else await open_store(settings)
        app.ctx.rasa = rasa or RasaClient(settings.rasa_url, timeout=settings.rasa_timeout)
        app.ctx.tracker_api = tracker_api or RasaTrackerApi(settings.rasa_url)
        app.ctx.corpus = ScriptCorpus(settings.scripts_dir)
        await open_handoff(app)
        await app.ctx.hub.start()
        parts = (app.ctx.store, app.ctx.queue, app.ctx.hub, app.ctx.tracker_api, app.ctx.corpus, shop)
        # payment reminders and order events need Redis (the schedule must survive restarts)
        app.ctx.orders = open_orders(app.ctx.store, app.ctx.corpus, shop, hub=app.ctx.hub, tracker_api=app.ctx.tracker_api)
        if app.ctx.orders:
            app.ctx.orders.scheduler.start()
        else:
            log.warning("payment reminders and order webhooks are off: they need the Redis store")
        cancel = app.ctx.orders.scheduler.cancel_for_buyer_message if app.ctx.orders else None
        app.ctx.conversations = ConversationService(
            app.ctx.store, app.ctx.rasa, Escalation(*parts, now=now), cancel_reminders=cancel
        )
        app.ctx.desk = AgentDesk(*parts)
        redis = app.ctx.store.redis if isinstance(app.ctx.store, RedisStore) else None
        app.ctx.review = ReviewRecorder(redis, getattr(app.ctx.store, "prefix", settings.key_prefix))
        app.ctx.nlg = NlgRenderer(app.ctx.corpus, app.ctx.store, {"shop_name": shop.name}, review=app.ctx.review)
        log.info("gateway ready on port %s, store: %s, Rasa: %s", settings.port, app.ctx.store_kind, settings.rasa_url)

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
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
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY

    register_errors(app)
    register_routes(app, settings)
    app.blueprint(agent_console())
    app.blueprint(trainer_workbench())
    app.blueprint(order_blueprint(settings.webhook_secret))
    app.static("/static", settings.web_dir, name="static")
    return app


def register_errors(app: Sanic) -> None:
    @app.exception(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> HTTPResponse:
        return error(400, str(exc))

    @app.exception(StoreUnavailable)
    async def store_down(request: Request, exc: StoreUnavailable) -> HTTPResponse:
        log.error("%s", exc)
        return error(503, "the conversation store is unavailable; nothing was saved, please send again")

    @app.exception(RasaUnavailable)
    async def rasa_down(request: Request, exc: RasaUnavailable) -> HTTPResponse:
        log.error("%s", exc)
        return error(503, "the bot is not answering right now; your message is saved")

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


def register_routes(app: Sanic, settings: Settings) -> None:
    @app.get("/")
    async def widget(request: Request) -> HTTPResponse:
        return await file(settings.web_dir / "index.html", mime_type="text/html; charset=utf-8")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        store_ok = await app.ctx.store.ping()
        rasa_ok = await app.ctx.rasa.ready()
        body = {
            "status": "ok" if store_ok and rasa_ok else "degraded",
            "store": app.ctx.store_kind,
            "store_ok": store_ok,
            "rasa_ok": rasa_ok,
            "script_errors": list(app.ctx.corpus.errors.values()),
        }
        return json_response(body, status=200 if store_ok else 503)

    @app.post("/api/conversations/<conversation_id:str>/messages")
    async def post_message(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        text = check_text(read_json(request), settings.max_text_chars)
        reply = await app.ctx.conversations.buyer_says(conversation_id, text)
        return json_response(reply.as_json())

    @app.get("/api/conversations/<conversation_id:str>")
    async def get_conversation(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        if not await app.ctx.store.exists(conversation_id):
            return error(404, "no such conversation")
        return json_response((await app.ctx.conversations.history(conversation_id)).as_json())

    @app.post("/api/conversations")
    async def new_conversation(request: Request) -> HTTPResponse:
        """A fresh, unguessable conversation id for a widget that has none yet."""
        return json_response({"conversation_id": uuid.uuid4().hex}, status=201)

    @app.post("/nlg")
    async def nlg(request: Request) -> HTTPResponse:
        payload = read_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("the NLG request must be a JSON object")
        return json_response(await app.ctx.nlg.render(payload))

    @app.websocket("/ws/<conversation_id:str>")
    async def buyer_socket(request: Request, ws: Any, conversation_id: str) -> None:
        try:
            check_conversation_id(conversation_id)
        except BadRequest as exc:
            await ws.send(json.dumps({"error": str(exc)}, ensure_ascii=False))
            await ws.close(code=1008, reason="bad conversation id")
            return
        # Pushes (an agent's reply, a change of mode) arrive from any gateway through the
        # hub while this loop answers the buyer's own messages.
        async with app.ctx.hub.listen(buyer_channel(conversation_id)) as pushes:
            pushing = asyncio.create_task(send_pushes(ws, pushes))
            try:
                async for raw in ws:
                    await ws.send(json.dumps(await socket_reply(app, settings, conversation_id, raw), ensure_ascii=False))
            finally:
                pushing.cancel()


async def send_pushes(ws: Any, pushes: asyncio.Queue) -> None:
    try:
        while True:
            await ws.send(json.dumps(await pushes.get(), ensure_ascii=False))
    except Exception as exc:  # the socket closed; the widget catches up from the log on reconnect
        log.debug("push to a closed buyer socket: %s", exc)


async def socket_reply(app: Sanic, settings: Settings, conversation_id: str, raw: Any) -> dict[str, Any]:
    """One widget frame in, one reply frame out; errors are frames too, never a dropped socket."""
    try:
        payload = json.loads(raw)
    except (TypeError, ValueError):
        return {"error": 'each frame must be JSON like {"text": "在吗"}'}
    try:
        text = check_text(payload, settings.max_text_chars)
        return (await app.ctx.conversations.buyer_says(conversation_id, text)).as_json()
    except BadRequest as exc:
        return {"error": str(exc)}
    except StoreUnavailable:
        return {"error": "the conversation store is unavailable; nothing was saved, please send again"}
    except RasaUnavailable:
        return {"error": "the bot is not answering right now; your message is saved"}
