"""The agent console's routes: the page at /agent, its JSON API under /agent/api, its socket.

Every API route and the socket need a valid session cookie (401 without one); requests
that change something and the socket must come from our own pages (403 for another
Origin). The page itself holds no data: without a session it answers 401 and shows the
sign-in form. The socket lasts as long as its session: it closes with ``SIGNED_OUT`` when
the session ends (announced at logout, on any gateway) or is found over at a re-check
(before each event, and every ``SESSION_RECHECK_S`` seconds without one).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from typing import Any, Awaitable, Callable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.handoff.desk import HANDED_BACK, OUTCOMES, AgentDesk, DeskError
from bot.infra.pubsub import AGENTS
from bot.infra.requests import (
    BadRequest,
    check_conversation_id,
    check_text,
    error,
    read_staff_json,
)
from bot.infra.store import StoreUnavailable
from bot.staff.guards import StaffArea
from bot.staff.people import Agent
from bot.staff.sessions import ended_channel

log = logging.getLogger(__name__)

CONSOLE = StaffArea(
    role="agent", title="客服工作台", page="/agent", html="agent.html", api_prefixes=("/agent/api/", "/agent/ws"),
    tell_missing_role=False,  # to the console, a trainer is simply not signed in
)
AGENT_TEXT_LIMIT = 2000
SIGNED_OUT = 4401  # the socket's close code when its session is over: the console shows the sign-in
UNAVAILABLE = 1011  # the session could not be checked (the store is down): the console reconnects
# A person removed from agents.yml (or given a new password) while no event comes is noticed
# at the next re-check; a logout is announced at once.
SESSION_RECHECK_S = 30.0
FrameHandler = Callable[[Any], Awaitable[dict[str, Any] | None]]


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
        """Live events for the console (queue changes and new messages: the page re-reads),
        while the session that opened it lasts."""
        app, session = request.app, request.ctx.staff_session

        async def still_signed_in() -> bool:
            return await CONSOLE.still_signed_in(app, session) is not None

        hub = app.ctx.hub
        async with hub.listen(AGENTS) as events, hub.listen(ended_channel(session.id)) as ended:
            try:
                # asked again once listening: a logout between the request's check and now was missed
                if await still_signed_in():
                    await ws.send(json.dumps({"type": "hello", "agent": request.ctx.person.public()},
                                             ensure_ascii=False))
                    on_frame = functools.partial(console_frame, app.ctx.desk, request.ctx.person)
                    if await forward(ws, events, ended, still_signed_in, SESSION_RECHECK_S, on_frame):
                        return
                log.info("closing the console socket of %r: its session is over", session.login)
                await ws.close(SIGNED_OUT, "signed out")
            except StoreUnavailable as exc:  # refuse rather than guess who is signed in
                log.warning("closing a console socket: its session cannot be checked (%s)", exc)
                await ws.close(UNAVAILABLE, "try again")

    @bp.exception(DeskError)
    async def desk_error(request: Request, exc: DeskError) -> HTTPResponse:
        return error(exc.status, str(exc))

    return bp


async def forward(ws: Any, events: asyncio.Queue, ended: asyncio.Queue,
                  still_signed_in: Callable[[], Awaitable[bool]], recheck_s: float,
                  on_frame: FrameHandler | None = None) -> bool:
    """Send each event to the socket while its session lasts. True when the other side closed
    the socket; False when the session is over: announced on ``ended``, or found at a
    re-check (before each event is sent, and after ``recheck_s`` seconds without one).
    The console's own frames go to ``on_frame`` meanwhile; what it returns is sent back."""
    closed = asyncio.create_task(drain(ws, on_frame))
    end_note = asyncio.create_task(ended.get())
    next_event: asyncio.Task | None = None
    try:
        while True:
            next_event = next_event or asyncio.create_task(events.get())
            done, _ = await asyncio.wait({next_event, end_note, closed}, timeout=recheck_s,
                                         return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                return True
            if end_note in done or not await still_signed_in():
                return False
            if next_event in done:
                await ws.send(json.dumps(next_event.result(), ensure_ascii=False))
                next_event = None
    finally:
        for task in (closed, end_note, next_event):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


async def drain(ws: Any, on_frame: FrameHandler | None = None) -> None:
    """Read what the client sends (each frame to ``on_frame``, its answer sent back, if any);
    returns when the socket closes."""
    with contextlib.suppress(Exception):
        async for raw in ws:
            answer = await on_frame(raw) if on_frame else None
            if answer is not None:
                await ws.send(json.dumps(answer, ensure_ascii=False))


async def console_frame(desk: AgentDesk, agent: Agent, raw: Any) -> dict[str, Any] | None:
    """One frame from the console: ``{"type": "typing", "conversation_id": ..., "typing": true}``
    while the agent types a reply (false when the box empties or the reply is sent), relayed to
    that buyer only if this agent has the conversation. Nothing comes back for a good frame; a
    bad one gets an error frame, and the socket stays open."""
    try:
        frame = json.loads(raw)
    except (TypeError, ValueError):
        frame = None
    if not isinstance(frame, dict) or frame.get("type") != "typing":
        return {"type": "error", "error": 'the console sends only {"type": "typing", "conversation_id": ..., "typing": true|false}'}
    conversation_id = frame.get("conversation_id")
    about = {"about": "typing", "conversation_id": conversation_id if isinstance(conversation_id, str) else None}
    try:
        check_conversation_id(conversation_id if isinstance(conversation_id, str) else "")
        if not isinstance(frame.get("typing"), bool):
            raise BadRequest("typing must be true or false")
        await desk.typing(conversation_id, agent, frame["typing"])
    except (BadRequest, DeskError) as exc:
        return {"type": "error", "error": str(exc), **about}
    except StoreUnavailable:
        return {"type": "error", "error": "the store is unavailable; try again", **about}
    return None
