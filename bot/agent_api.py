"""The agent console's routes: the page at /agent, its JSON API under /agent/api, its socket.

Every API route and the socket need a valid session cookie (401 without one); requests
that change something and the socket must come from our own pages (403 for another
Origin). The page itself holds no data: without a session it answers 401 and shows the
sign-in form.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, json as json_response

from bot.agent_desk import OUTCOMES, DeskError, HANDED_BACK
from bot.agents import Agent
from bot.conversation import BadRequest, check_conversation_id, check_text
from bot.pubsub import AGENTS
from bot.sessions import session_login, sign_in, sign_out

log = logging.getLogger(__name__)

PUBLIC = {"/agent", "/agent/api/login"}
CONSOLE_PREFIXES = ("/agent/api/", "/agent/ws")
AGENT_TEXT_LIMIT = 2000


def error(status: int, reason: str) -> HTTPResponse:
    return json_response({"error": reason}, status=status)


def session_agent(request: Request) -> Agent | None:
    login = session_login(request)
    return request.app.ctx.agents.get(login) if login else None


def same_origin(request: Request) -> bool:
    """No Origin (not a browser's cross-site request) or our own host."""
    origin = request.headers.get("origin")
    return not origin or urlsplit(origin).netloc == request.host


def body_json(request: Request) -> Any:
    if "json" not in (request.content_type or ""):
        raise BadRequest("请求需要 JSON 格式")
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("请求内容不是有效的 JSON") from exc


def create_blueprint() -> Blueprint:
    bp = Blueprint("agent_console")

    @bp.on_request
    async def check_session(request: Request) -> HTTPResponse | None:
        path = request.path.rstrip("/") or "/"
        if not path.startswith(CONSOLE_PREFIXES) or path in PUBLIC:
            return None
        if (request.method != "GET" or path == "/agent/ws") and not same_origin(request):
            return error(403, "请从客服工作台页面操作")
        agent = session_agent(request)
        if agent is None:
            return error(401, "请先登录客服工作台")
        request.ctx.agent = agent
        return None

    @bp.get("/agent")
    async def page(request: Request) -> HTTPResponse:
        status = 200 if session_agent(request) else 401
        return await file(
            request.app.ctx.settings.web_dir / "agent.html", status=status, mime_type="text/html; charset=utf-8"
        )

    @bp.post("/agent/api/login")
    async def login(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return error(403, "请从客服工作台页面登录")
        payload = body_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("请填写账号和密码")
        login_name, password = payload.get("login"), payload.get("password")
        if not isinstance(login_name, str) or not isinstance(password, str) or len(password) > 1024:
            return error(401, "账号或密码不对，请再试一次")
        agent = await asyncio.to_thread(request.app.ctx.agents.verify, login_name.strip(), password)
        if agent is None:
            log.warning("failed console sign-in for %r from %s", login_name[:32], request.remote_addr or request.ip)
            return error(401, "账号或密码不对，请再试一次")
        response = json_response({"agent": agent.public(), "outcomes": OUTCOMES})
        return sign_in(request, response, agent.login)

    @bp.post("/agent/api/logout")
    async def logout(request: Request) -> HTTPResponse:
        return sign_out(json_response({"ok": True}))

    @bp.get("/agent/api/me")
    async def me(request: Request) -> HTTPResponse:
        return json_response({"agent": request.ctx.agent.public(), "outcomes": OUTCOMES})

    @bp.get("/agent/api/queue")
    async def queue(request: Request) -> HTTPResponse:
        return json_response(await request.app.ctx.desk.overview(request.ctx.agent))

    @bp.get("/agent/api/cases/<conversation_id:str>")
    async def case(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.detail(conversation_id))

    @bp.post("/agent/api/cases/<conversation_id:str>/claim")
    async def claim(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.claim(conversation_id, request.ctx.agent))

    @bp.post("/agent/api/cases/<conversation_id:str>/messages")
    async def reply(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        text = check_text(body_json(request), AGENT_TEXT_LIMIT)
        return json_response(await request.app.ctx.desk.reply(conversation_id, request.ctx.agent, text))

    @bp.post("/agent/api/cases/<conversation_id:str>/release")
    async def release(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        await request.app.ctx.desk.release(conversation_id, request.ctx.agent)
        return json_response({"ok": True})

    @bp.post("/agent/api/cases/<conversation_id:str>/handback")
    async def hand_back(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.finish(conversation_id, request.ctx.agent, HANDED_BACK))

    @bp.post("/agent/api/cases/<conversation_id:str>/close")
    async def close(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        payload = body_json(request)
        outcome = payload.get("outcome") if isinstance(payload, dict) else None
        return json_response(await request.app.ctx.desk.finish(conversation_id, request.ctx.agent, outcome))

    @bp.websocket("/agent/ws")
    async def console_socket(request: Request, ws: Any) -> None:
        """Live events for the console: queue changes and new messages (the page re-reads)."""
        async with request.app.ctx.hub.listen(AGENTS) as events:
            await ws.send(json.dumps({"type": "hello", "agent": request.ctx.agent.public()}, ensure_ascii=False))
            await forward(ws, events)

    @bp.exception(DeskError)
    async def desk_error(request: Request, exc: DeskError) -> HTTPResponse:
        return error(exc.status, str(exc))

    return bp


async def forward(ws: Any, events: asyncio.Queue) -> None:
    """Send each event to the socket until the other side closes it."""
    closed = asyncio.create_task(drain(ws))
    try:
        while not closed.done():
            next_event = asyncio.create_task(events.get())
            done, _ = await asyncio.wait({next_event, closed}, return_when=asyncio.FIRST_COMPLETED)
            if next_event in done:
                await ws.send(json.dumps(next_event.result(), ensure_ascii=False))
            else:
                next_event.cancel()
    finally:
        closed.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await closed


async def drain(ws: Any) -> None:
    """Read (and ignore) what the client sends; returns when the socket closes."""
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass
