"""An open console socket ends with its session: a logout (from any client holding the
cookie, on any gateway) closes it at once with 4401; a person removed from agents.yml, or
given a new password, has it closed at the next event or re-check. Another agent's socket
stays open and keeps getting buyers' messages. Real gateways on real ports, real sockets,
the real Redis (and the memory store's in-process hub).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from websockets.exceptions import ConnectionClosed

from bot.handoff import routes
from bot.handoff.routes import SIGNED_OUT
from bot.staff.people import Agent, AgentDirectory, add_agent, hash_password
from tests.gateway.test_handoff_harness import (
    PASSWORD,
    conversation,
    handoff,
    next_frame,
)
from tests.gateway.test_staff_sessions import COOKIE, StaffGateway, without

TWO_AGENTS = AgentDirectory([
    Agent("demo", "小美", hash_password(PASSWORD)),
    Agent("ajie", "阿杰", hash_password(PASSWORD)),
])


def run(coroutine):
    return asyncio.run(coroutine)


async def start(prefix: str, people: AgentDirectory = TWO_AGENTS, **settings) -> StaffGateway:
    gateway = StaffGateway(prefix, people, **settings)
    gateway.rasa.answers["转人工"] = handoff("buyer_asked")
    await gateway.start()
    subscribed = getattr(gateway.app.ctx.hub, "subscribed", None)
    if subscribed is not None:  # the Redis hub: live events flow from here on
        await asyncio.wait_for(subscribed.wait(), 5)
    return gateway


async def cookie_of(gateway: StaffGateway, login: str, password: str = PASSWORD) -> str:
    http, signed = await gateway.sign_in(login, password)
    assert signed.status_code == 200, signed.text
    cookie = http.cookies[COOKIE]
    await http.aclose()
    return cookie


async def open_socket(stack: contextlib.AsyncExitStack, gateway: StaffGateway, cookie: str):
    ws = await stack.enter_async_context(gateway.console_socket(cookie))
    assert (await next_frame(ws))["type"] == "hello"
    return ws


async def closed_with(ws) -> tuple[int | None, list[dict]]:
    """Waits (at most 5 s) for the server to close the socket: its close code, and any
    frames it still sent before closing."""
    frames = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
    return ws.close_code, frames


async def buyer_needs_a_person(gateway: StaffGateway) -> str:
    conv = conversation()
    await gateway.say(conv, "转人工")
    return conv


@pytest.mark.parametrize("where", ["same gateway", "other gateway", "memory store"])
def test_logout_closes_the_sessions_socket_at_once(redis_prefix, where):
    async def scenario():
        store = "memory" if where == "memory store" else "redis"
        first = await start(redis_prefix, store=store)
        second = await start(redis_prefix) if where == "other gateway" else first
        try:
            demo, ajie = await cookie_of(first, "demo"), await cookie_of(first, "ajie")
            async with contextlib.AsyncExitStack() as stack:
                demo_ws = await open_socket(stack, second, demo)
                ajie_ws = await open_socket(stack, first, ajie)
                # another client with a copy of demo's cookie signs out
                async with first.client(headers={"Origin": first.url}, cookies={COOKIE: demo}) as copy:
                    assert (await copy.post("/agent/api/logout")).status_code == 200
                code, frames_after_logout = await closed_with(demo_ws)
                await buyer_needs_a_person(first)
                ajie_sees = await next_frame(ajie_ws, where={"type": "queue"})
                _, demo_sees = await closed_with(demo_ws)
                still_open = ajie_ws.close_code is None
        finally:
            if second is not first:
                await second.stop()
            await first.stop()
        return code, frames_after_logout + demo_sees, ajie_sees, still_open

    code, demo_frames, ajie_sees, still_open = run(scenario())
    assert code == SIGNED_OUT
    assert demo_frames == [], "nothing reaches the signed-out socket"
    assert ajie_sees == {"type": "queue"} and still_open, "the other agent's socket goes on"


def agents_file(tmp_path):
    path = tmp_path / "agents.yml"
    add_agent(path, "xiaomei", "小美", "xiaomei-password")
    add_agent(path, "ajie", "阿杰", "ajie-password")
    return path


async def after_a_change_to_xiaomei(prefix: str, path, change, event_first: bool):
    """xiaomei's and ajie's sockets open, ``change()`` done to the agents file, then (if
    ``event_first``) an event for every console: how xiaomei's socket closed, and what ajie's got."""
    gateway = await start(prefix, AgentDirectory.load(path))
    try:
        xiaomei = await cookie_of(gateway, "xiaomei", "xiaomei-password")
        ajie = await cookie_of(gateway, "ajie", "ajie-password")
        async with contextlib.AsyncExitStack() as stack:
            xiaomei_ws = await open_socket(stack, gateway, xiaomei)
            ajie_ws = await open_socket(stack, gateway, ajie)
            change()
            if event_first:
                await buyer_needs_a_person(gateway)
            code, frames = await closed_with(xiaomei_ws)
            if not event_first:
                await buyer_needs_a_person(gateway)
            ajie_sees = await next_frame(ajie_ws, where={"type": "queue"})
    finally:
        await gateway.stop()
    return code, frames, ajie_sees


def test_a_removed_agents_socket_closes_at_the_next_event(redis_prefix, tmp_path):
    path = agents_file(tmp_path)
    code, frames, ajie_sees = run(after_a_change_to_xiaomei(
        redis_prefix, path, lambda: without(path, "xiaomei"), event_first=True))
    assert code == SIGNED_OUT and frames == [], "the removed agent gets no buyer's event"
    assert ajie_sees == {"type": "queue"}


def test_a_new_password_closes_the_old_sessions_socket_at_the_next_recheck(redis_prefix, tmp_path, monkeypatch):
    """No event comes: the periodic re-check notices (made short here)."""
    monkeypatch.setattr(routes, "SESSION_RECHECK_S", 0.05)
    path = agents_file(tmp_path)
    code, frames, ajie_sees = run(after_a_change_to_xiaomei(
        redis_prefix, path, lambda: add_agent(path, "xiaomei", "小美", "a-new-password"), event_first=False))
    assert code == SIGNED_OUT and frames == []
    assert ajie_sees == {"type": "queue"}, "the other agent's socket, re-checked all along, stays open"
