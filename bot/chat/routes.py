"""The buyer's side of the gateway: the demo shop's page, the widget page and the script that
embeds it, the conversation API, the widget's socket, and the NLG endpoint Rasa calls for
every reply."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import uuid
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, file
from sanic.response import json as json_response

from bot.chat.conversation import AlreadyAnswering, fingerprint
from bot.chat.keys import (
    SOCKET_FORBIDDEN,
    TOKEN_FIELD,
    TOKEN_HEADER,
    NoAccess,
    given_token,
)
from bot.chat.limits import TooFast
from bot.handoff.desk import DeskError
from bot.infra.pubsub import buyer_channel
from bot.infra.rasa import RasaSlow, RasaUnavailable
from bot.infra.requests import (
    MESSAGE_ID,
    BadRequest,
    check_context,
    check_conversation_id,
    check_message_id,
    check_text,
    error,
    read_json,
)
from bot.infra.store import StoreUnavailable

log = logging.getLogger(__name__)

STORE_DOWN = "the conversation store is unavailable; nothing was saved, please send again"
RASA_DOWN = "the bot is not answering right now; your message is saved"
# the answer follows: logged, pushed to the widget, and given to a repeat with the same message_id
RASA_SLOW = "the bot is slow to answer right now; your message is saved and its answer will follow"
ANSWERING = "this message is already being answered"
# how long a buyer's socket may take to send its first frame (the conversation's token)
FIRST_FRAME_WAIT_S = 10
SOCKET_READY = {"ready": True}  # the answer to a good first frame


def create_blueprint() -> Blueprint:
    bp = Blueprint("buyer_chat")

    @bp.get("/")
    async def demo_shop(request: Request) -> HTTPResponse:
        """The demo shop's item page, with the chat embedded as a shop would (/embed.js)."""
        return await file(request.app.ctx.settings.web_dir / "shop.html", mime_type="text/html; charset=utf-8")

    @bp.get("/chat")
    async def widget(request: Request) -> HTTPResponse:
        """The chat, full page, or in the embed's panel (?embed=1; the only page a frame may show)."""
        return await file(request.app.ctx.settings.web_dir / "index.html", mime_type="text/html; charset=utf-8")

    @bp.get("/embed.js")
    async def embed_script(request: Request) -> HTTPResponse:
        """The one script a shop's page includes: the bubble and its panel. Other sites load it
        (Cross-Origin-Resource-Policy) and may keep it an hour."""
        return await file(request.app.ctx.settings.web_dir / "embed.js", mime_type="text/javascript; charset=utf-8",
                          max_age=3600, request_headers=request.headers,
                          headers={"Cross-Origin-Resource-Policy": "cross-origin"})

    @bp.post("/api/conversations/<conversation_id:str>/messages")
    async def post_message(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        payload = read_json(request)
        text = check_text(payload, request.app.ctx.settings.max_text_chars)
        message_id = check_message_id(payload, request.headers.get("idempotency-key"))
        context = check_context(payload)
        try:
            token = await writer(request, conversation_id, message_id, text)
        except NoAccess as refused:
            return error(403, str(refused))
        try:
            reply = await request.app.ctx.conversations.buyer_says(conversation_id, text, message_id, client(request),
                                                                   context)
        except AlreadyAnswering:  # a retry while the first delivery is being answered: ask again soon
            return error(409, ANSWERING)
        except RasaSlow:
            return json_response({"error": RASA_SLOW, "slow": True}, status=503)
        return json_response({**reply.as_json(), TOKEN_FIELD: token})

    @bp.get("/api/conversations/<conversation_id:str>")
    async def get_conversation(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        await request.app.ctx.buyer_limits.call(client(request))
        try:
            await request.app.ctx.conversation_keys.may_read(conversation_id, given_token(request.headers.get(TOKEN_HEADER)))
        except NoAccess as refused:
            return error(403, str(refused))
        if not await request.app.ctx.store.exists(conversation_id):
            return error(404, "no such conversation")
        history = (await request.app.ctx.conversations.history(conversation_id)).as_json()
        return json_response({**history, **await waiting_line(request.app, conversation_id, history["mode"])})

    @bp.post("/api/conversations")
    async def new_conversation(request: Request) -> HTTPResponse:
        """A fresh, unguessable conversation id for a widget that has none yet, with the token
        that opens it (bot/chat/keys.py: offered, nothing stored until its first message)."""
        await request.app.ctx.buyer_limits.new_conversation_id(client(request))
        conversation_id = uuid.uuid4().hex
        return json_response({"conversation_id": conversation_id,
                              TOKEN_FIELD: request.app.ctx.conversation_keys.offer(conversation_id)}, status=201)

    @bp.post("/nlg")
    async def nlg(request: Request) -> HTTPResponse:
        # Only Rasa asks for reply texts: each call can add to the trainers' review list and
        # to a conversation's state, so a caller without the shared token learns nothing.
        token = request.app.ctx.settings.internal_token
        if not token:
            return error(503, "/nlg is off: set XIAOER_INTERNAL_TOKEN on the gateway and on Rasa")
        if not hmac.compare_digest(str(request.args.get("token") or "").encode(), token.encode()):
            return error(403, "/nlg is for Rasa only (its endpoints.yml nlg token)")
        payload = read_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("the NLG request must be a JSON object")
        tracker = payload.get("tracker")
        if isinstance(tracker, dict) and tracker.get("sender_id") is not None:
            check_conversation_id(str(tracker["sender_id"]))
        return json_response(await request.app.ctx.nlg.render(payload))

    @bp.websocket("/ws/<conversation_id:str>")
    async def buyer_socket(request: Request, ws: Any, conversation_id: str) -> None:
        try:
            check_conversation_id(conversation_id)
        except BadRequest as exc:
            await ws.send(json.dumps({"error": str(exc)}, ensure_ascii=False))
            await ws.close(code=1008, reason="bad conversation id")
            return
        try:  # opening a socket is a call too: each one holds a connection and a subscription
            await request.app.ctx.buyer_limits.call(client(request))
        except TooFast as exc:
            await ws.send(json.dumps(exc.as_json(), ensure_ascii=False))
            await ws.close(code=1013, reason="too many calls from this address; try again later")
            return
        token = await socket_token(request.app, ws, conversation_id)
        if token is None:
            return
        # Pushes (an agent's reply, a change of mode) arrive from any gateway through the
        # hub while this loop answers the buyer's own messages.
        async with request.app.ctx.hub.listen(buyer_channel(conversation_id)) as pushes:
            # the token was right and pushes reach this socket from here on
            await ws.send(json.dumps(SOCKET_READY))
            pushing = asyncio.create_task(send_pushes(ws, pushes))
            try:
                async for raw in ws:
                    reply = await socket_reply(request.app, conversation_id, raw, client(request), token)
                    await ws.send(json.dumps(reply, ensure_ascii=False))
                    if reply.get("forbidden"):  # the token was taken by another first message
                        await ws.close(code=SOCKET_FORBIDDEN, reason="forbidden")
                        return
            finally:
                pushing.cancel()

    @bp.on_response
    async def token_header(request: Request, response: HTTPResponse) -> None:
        # every answer to a taken message says the token (a 429 or 503 too): a client that sent
        # none learns it however its first message went
        token = getattr(request.ctx, "conversation_token", None)
        if token:
            response.headers[TOKEN_HEADER] = token

    return bp


async def writer(request: Request, conversation_id: str, message_id: str | None, text: str) -> str:
    """The conversation's token if this message may be written to it, else NoAccess (a 403,
    which counts toward the address as any call does: a guesser is limited like everyone)."""
    try:
        token = await request.app.ctx.conversation_keys.may_write(
            conversation_id, given_token(request.headers.get(TOKEN_HEADER)), message_id, fingerprint(text))
    except NoAccess:
        await request.app.ctx.buyer_limits.call(client(request))
        raise
    request.ctx.conversation_token = token
    return token


async def socket_token(app: Sanic, ws: Any, conversation_id: str) -> str | None:
    """The token the socket's first frame, ``{"conversation_token": "..."}``, gives (a browser
    cannot set a header on a WebSocket, and a query parameter would be written to logs); None,
    with an error frame and the socket closed with 4403, when it is missing or not the
    conversation's."""
    try:
        raw = await asyncio.wait_for(ws.recv(), FIRST_FRAME_WAIT_S)
        frame = json.loads(raw)
        token = given_token(frame.get(TOKEN_FIELD)) if isinstance(frame, dict) else None
        await app.ctx.conversation_keys.may_read(conversation_id, token)
        return token
    except (asyncio.TimeoutError, TypeError, ValueError, NoAccess) as refused:
        reason = str(refused) if isinstance(refused, NoAccess) else \
            'the first frame must be {"conversation_token": "..."}, the token the conversation\'s first answer gave'
        await ws.send(json.dumps({"error": reason, "forbidden": True}, ensure_ascii=False))
        await ws.close(code=SOCKET_FORBIDDEN, reason="forbidden")
        return None


async def send_pushes(ws: Any, pushes: asyncio.Queue) -> None:
    try:
        while True:
            await ws.send(json.dumps(await pushes.get(), ensure_ascii=False))
    except Exception as exc:  # the socket closed; the widget catches up from the log on reconnect
        log.debug("push to a closed buyer socket: %s", exc)


def client(request: Request) -> str:
    """The client's address for the buyer API's limits, as for the sign-in throttle: the
    socket's peer, or X-Forwarded-For only behind XIAOER_TRUST_PROXY (Sanic's PROXIES_COUNT)."""
    return request.client_ip


async def socket_reply(app: Sanic, conversation_id: str, raw: Any, address: str | None = None,
                       token: str | None = None) -> dict[str, Any]:
    """One widget frame in, one reply frame out; errors are frames too, never a dropped socket.
    ``address`` is the socket's client, for the buyer API's limits; ``token`` the one its first
    frame gave (a first message sent on the socket claims it)."""
    try:
        payload = json.loads(raw)
    except (TypeError, ValueError):
        return {"error": 'each frame must be JSON like {"text": "在吗"}'}
    if isinstance(payload, dict) and payload.get("type") == "read":
        return await read_receipt(app, conversation_id, payload, address)
    given = payload.get("message_id") if isinstance(payload, dict) else None
    # an error names the message it is about, so the widget knows which one failed
    about = {"message_id": given} if isinstance(given, str) and MESSAGE_ID.match(given) else {}
    try:
        text = check_text(payload, app.ctx.settings.max_text_chars)
        message_id = check_message_id(payload)
        context = check_context(payload)
        await app.ctx.conversation_keys.may_write(conversation_id, token, message_id, fingerprint(text))
        return (await app.ctx.conversations.buyer_says(conversation_id, text, message_id, address, context)).as_json()
    except NoAccess as refused:
        return {"error": str(refused), "forbidden": True, **about}
    except TooFast as refused:  # not taken; the socket stays open
        return {**refused.as_json(), **about}
    except AlreadyAnswering:
        # a retry while the first delivery is being answered: the widget waits and asks again
        return {"error": ANSWERING, "answering": True, **about}
    except BadRequest as exc:
        return {"error": str(exc), **about}
    except StoreUnavailable:
        return {"error": STORE_DOWN, **about}
    except RasaSlow:
        return {"error": RASA_SLOW, "slow": True, **about}
    except RasaUnavailable:
        return {"error": RASA_DOWN, **about}


async def read_receipt(app: Sanic, conversation_id: str, frame: dict[str, Any], address: str | None) -> dict[str, Any]:
    """``{"type": "read", "up_to": <ts>}``: the widget has shown this conversation's agent
    messages up to the one stamped ``up_to`` (page visible). Only the conversation's own
    socket marks it: a frame naming another conversation, or a ts that is not one of its
    agent messages, gets an error frame (``"type": "read"``) and changes nothing. Each counts
    as a call of its address (it reads the log)."""
    up_to = frame.get("up_to")
    try:
        if address is not None:
            await app.ctx.buyer_limits.call(address)
        if frame.get("conversation_id", conversation_id) != conversation_id:
            raise BadRequest("a socket marks only its own conversation read")
        if set(frame) - {"type", "up_to", "conversation_id"}:
            raise BadRequest("a read frame has only type, up_to and conversation_id")
        if isinstance(up_to, bool) or not isinstance(up_to, (int, float)) or not 0 < up_to < 1e11:
            raise BadRequest("up_to must be the ts of the latest agent message shown")
        return {"type": "read", "up_to": await app.ctx.desk.buyer_read(conversation_id, float(up_to))}
    except (BadRequest, DeskError) as exc:
        return {"type": "read", "error": str(exc)}
    except TooFast as refused:
        return {"type": "read", **refused.as_json()}
    except StoreUnavailable:
        return {"type": "read", "error": STORE_DOWN}


async def waiting_line(app: Sanic, conversation_id: str, mode: str) -> dict[str, Any]:
    """``{"line": {...}}`` (bot/handoff/line.py) for a buyer waiting for a person, else nothing."""
    line = await app.ctx.desk.line.for_buyer(conversation_id) if mode == "waiting" else None
    return {"line": line} if line else {}
