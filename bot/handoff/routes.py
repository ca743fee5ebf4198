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
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.handoff.desk import HANDED_BACK, OUTCOMES, DeskError
from bot.infra.pubsub import AGENTS
from bot.infra.requests import check_conversation_id, check_text, error, read_staff_json
from bot.staff.guards import StaffArea

CONSOLE = StaffArea(
    role="agent", title="客服工作台", page="/agent", html="agent.html", api_prefixes=("/agent/api/", "/agent/ws"),
    tell_missing_role=False,  # to the console, a trainer is simply not signed in
)
AGENT_TEXT_LIMIT = 2000


def create_blueprint() -> Blueprint:
    bp = CONSOLE.blueprint("agent_console", lambda agent: {"agent": agent.public(), "outcomes": OUTCOMES})

    @bp.get("/agent/api/queue")
    async def queue(request: Request) -> HTTPResponse:
        return json_response(await request.app.ctx.desk.overview(request.ctx.person))

    @bp.get("/agent/api/cases/<conversation_id:str>")
    async def case(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.detail(conversation_id))

    @bp.post("/agent/api/cases/<conversation_id:str>/claim")
    async def claim(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.claim(conversation_id, request.ctx.person))

    @bp.post("/agent/api/cases/<conversation_id:str>/messages")
    async def reply(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        text = check_text(read_staff_json(request), AGENT_TEXT_LIMIT)
        return json_response(await request.app.ctx.desk.reply(conversation_id, request.ctx.person, text))

    @bp.post("/agent/api/cases/<conversation_id:str>/release")
    async def release(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        await request.app.ctx.desk.release(conversation_id, request.ctx.person)
        return json_response({"ok": True})

    @bp.post("/agent/api/cases/<conversation_id:str>/handback")
    async def hand_back(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        return json_response(await request.app.ctx.desk.finish(conversation_id, request.ctx.person, HANDED_BACK))

    @bp.post("/agent/api/cases/<conversation_id:str>/close")
    async def close(request: Request, conversation_id: str) -> HTTPResponse:
        check_conversation_id(conversation_id)
        payload = read_staff_json(request)
        outcome = payload.get("outcome") if isinstance(payload, dict) else None
        return json_response(await request.app.ctx.desk.finish(conversation_id, request.ctx.person, outcome))

    @bp.websocket("/agent/ws")
    async def console_socket(request: Request, ws: Any) -> None:
        """Live events for the console: queue changes and new messages (the page re-reads)."""
        async with request.app.ctx.hub.listen(AGENTS) as events:
            await ws.send(json.dumps({"type": "hello", "agent": request.ctx.person.public()}, ensure_ascii=False))
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
