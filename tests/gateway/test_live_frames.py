"""The live frames around a hand-off, through real gateways, real sockets and the real Redis:
an agent's typing reaches that buyer's widget only (never logged), the buyer's read receipts
reach the consoles and stay, bad frames get error frames on a socket that stays open, and
every buyer in the line is pushed their place (and the agent hours) as the line moves."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json

import redis

from bot.config import ROOT
from tests.conftest import REDIS_URL
from tests.gateway.test_handoff_harness import (
    NIGHT,
    PausingRasa,
    conversation,
    gateways,
    handoff,
)
from tests.gateway.test_handoff_harness import next_frame as frame_within

COOKIE = "xiaoer_agent"
TYPING = {"type": "typing"}


async def next_frame(ws, where=None) -> dict:
    """The next frame matching ``where``; patient, since a loaded machine (the whole suite,
    other stacks) can take seconds to carry a push through Redis."""
    return await frame_within(ws, timeout=30, where=where)


def run(coroutine):
    return asyncio.run(coroutine)


def rasa() -> PausingRasa:
    return PausingRasa(answers={"转人工": handoff("buyer_asked")})


async def hand_off(ws) -> dict:
    """The buyer asks for a person on their socket; the socket's own answer to it (by then the
    socket listens for pushes: it subscribed before it read the frame)."""
    await ws.send(json.dumps({"text": "转人工", "message_id": "handoff-0001"}))
    return await next_frame(ws, where={"message_id": "handoff-0001"})


async def listening(ws) -> None:
    """Returns once the buyer's socket answers a frame: by then it gets the pushes (it
    subscribes before it reads frames). A read frame with nothing to read is the cheapest."""
    await ws.send(json.dumps({"type": "read", "up_to": 1}))
    await next_frame(ws, where={"type": "read"})


async def console(stack: contextlib.AsyncExitStack, gateway, login: str):
    """A signed-in agent: their HTTP client and their console socket (past its hello)."""
    http = await gateway.agent(login)
    stack.push_async_callback(http.aclose)
    ws = await stack.enter_async_context(gateway.console_socket(http.cookies[COOKIE]))
    assert (await next_frame(ws))["type"] == "hello"
    return http, ws


async def typing(ws, conversation_id: str, value) -> None:
    await ws.send(json.dumps({"type": "typing", "conversation_id": conversation_id, "typing": value}))


def test_an_agents_typing_reaches_only_their_buyer_across_gateways_and_is_not_logged(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, rasa(), count=2) as (buyers_side, agents_side), \
                contextlib.AsyncExitStack() as stack:
            mine, other = conversation(), conversation()
            mine_ws = await stack.enter_async_context(buyers_side.buyer_socket(mine))
            other_ws = await stack.enter_async_context(buyers_side.buyer_socket(other))
            await hand_off(mine_ws)
            await hand_off(other_ws)
            demo, demo_ws = await console(stack, agents_side, "demo")
            _, ajie_ws = await console(stack, agents_side, "ajie")
            for conv in (mine, other):
                assert (await demo.post(f"/agent/api/cases/{conv}/claim")).status_code == 200
            logged_before = len(await buyers_side.app.ctx.store.messages(mine))

            await typing(demo_ws, mine, True)
            await typing(demo_ws, other, False)  # the other buyer's first typing frame is this one
            seen_by_mine = await next_frame(mine_ws, where=TYPING)
            first_on_other = await next_frame(other_ws, where=TYPING)

            await typing(ajie_ws, mine, True)  # ajie does not have the conversation
            refused = await next_frame(ajie_ws, where={"type": "error"})
            await typing(demo_ws, mine, False)
            next_on_mine = await next_frame(mine_ws, where=TYPING)
            logged_after = len(await buyers_side.app.ctx.store.messages(mine))
            return seen_by_mine, first_on_other, refused, next_on_mine, logged_before, logged_after, mine

    seen, first_on_other, refused, next_on_mine, logged_before, logged_after, mine = run(scenario())
    assert seen == {"type": "typing", "who": "agent", "typing": True}
    assert first_on_other["typing"] is False, "the typing for one buyer never reaches another"
    assert refused["about"] == "typing" and refused["conversation_id"] == mine
    assert "请先接入" in refused["error"], refused
    assert next_on_mine["typing"] is False, "the agent without the case reached the buyer"
    assert logged_after == logged_before, "typing is never logged in the conversation"


def test_bad_console_frames_get_error_frames_and_the_socket_stays_open(redis_prefix):
    bad_frames = [
        "not json",
        json.dumps(["typing"]),
        json.dumps({"type": "shout", "conversation_id": "conv-000000000001"}),
        json.dumps({"type": "typing", "conversation_id": "../../etc", "typing": True}),
        json.dumps({"type": "typing", "conversation_id": None, "typing": True}),
        json.dumps({"type": "typing", "typing": "yes"}),
    ]

    async def scenario():
        async with gateways(redis_prefix, rasa()) as (gateway,), contextlib.AsyncExitStack() as stack:
            conv = conversation()
            buyer_ws = await stack.enter_async_context(gateway.buyer_socket(conv))
            await hand_off(buyer_ws)
            demo, demo_ws = await console(stack, gateway, "demo")
            answers = []
            for raw in bad_frames:
                await demo_ws.send(raw)
                answers.append(await next_frame(demo_ws, where={"type": "error"}))
            await typing(demo_ws, conv, True)  # a waiting case, not claimed by demo
            answers.append(await next_frame(demo_ws, where={"type": "error"}))
            await demo.post(f"/agent/api/cases/{conv}/claim")
            await typing(demo_ws, conv, "yes")
            answers.append(await next_frame(demo_ws, where={"type": "error"}))
            await typing(demo_ws, conv, True)  # still open: a good frame goes through
            reached = await next_frame(buyer_ws, where=TYPING)
            return answers, reached, demo_ws.close_code

    answers, reached, close_code = run(scenario())
    assert len(answers) == len(bad_frames) + 2
    assert all(a["error"] for a in answers), answers
    assert "typing must be true or false" in answers[-1]["error"]
    assert reached["typing"] is True and close_code is None


def meta(prefix: str, conversation_id: str) -> dict:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return client.hgetall(f"{prefix}:conv:{conversation_id}:meta")
    finally:
        client.close()


def test_a_read_receipt_is_kept_and_reaches_the_consoles_only_from_its_own_socket(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, rasa(), count=2) as (buyers_side, agents_side), \
                contextlib.AsyncExitStack() as stack:
            conv, other = conversation(), conversation()
            ws = await stack.enter_async_context(buyers_side.buyer_socket(conv))
            other_ws = await stack.enter_async_context(buyers_side.buyer_socket(other))
            await hand_off(ws)
            await hand_off(other_ws)
            demo, demo_ws = await console(stack, agents_side, "demo")
            for c in (conv, other):
                await demo.post(f"/agent/api/cases/{c}/claim")
            joined = (await next_frame(ws, where={"mode": "human"}))["messages"][0]
            await demo.post(f"/agent/api/cases/{conv}/messages", json={"text": "您好 我看下您的订单"})
            reply = (await next_frame(ws, where={"push": True, "mode": "human"}))["messages"][0]
            await demo.post(f"/agent/api/cases/{other}/messages", json={"text": "您好"})
            others_reply = (await next_frame(other_ws, where={"push": True, "mode": "human"}))["messages"][0]
            unread = (await demo.get(f"/agent/api/cases/{conv}")).json()["read_up_to"]

            async def read(frame: dict) -> dict:
                await ws.send(json.dumps({"type": "read", **frame}))
                return await next_frame(ws, where={"type": "read"})

            refused = [
                await read({"up_to": others_reply["ts"], "conversation_id": other}),  # another's
                await read({"up_to": others_reply["ts"]}),  # not a message of this conversation
                await read({"up_to": "latest"}),
                await read({"up_to": True}),
                await read({}),
                await read({"up_to": reply["ts"], "all": True}),
            ]
            buyers_message = (await buyers_side.app.ctx.store.messages(conv))[0]
            refused.append(await read({"up_to": buyers_message["ts"]}))  # the buyer's own message
            read_now = await read({"up_to": reply["ts"]})
            told = await next_frame(demo_ws, where={"type": "read"})
            went_back = await read({"up_to": joined["ts"]})  # a late frame: the mark stays
            detail = (await demo.get(f"/agent/api/cases/{conv}")).json()
            others_detail = (await demo.get(f"/agent/api/cases/{other}")).json()
            await ws.send(json.dumps({"text": "好的"}))  # the socket is still there for messages
            still_open = await next_frame(ws, where={"mode": "human"})
            return locals()

    r = run(scenario())
    assert r["unread"] == 0
    assert all("error" in f for f in r["refused"]), r["refused"]
    assert r["read_now"] == {"type": "read", "up_to": r["reply"]["ts"]}
    assert r["told"] == {"type": "read", "conversation_id": r["conv"], "up_to": r["reply"]["ts"]}
    assert r["went_back"]["up_to"] == r["reply"]["ts"]
    assert r["detail"]["read_up_to"] == r["reply"]["ts"]
    assert r["others_detail"]["read_up_to"] == 0, "one buyer's socket cannot mark another conversation"
    assert float(meta(redis_prefix, r["conv"])["agent_read"]) == r["reply"]["ts"], "kept in Redis"
    assert r["still_open"]["messages"] == []


def test_every_buyer_in_the_line_is_pushed_their_place_as_it_moves(redis_prefix):
    """Three buyers join the line, an agent claims the first (the others move up), then
    releases it (back to its old place): each socket's line frames, in the order they came."""

    async def lines(ws, count: int) -> list[dict]:
        return [await next_frame(ws, where={"type": "line"}) for _ in range(count)]

    async def scenario():
        async with gateways(redis_prefix, rasa(), count=2) as (buyers_side, agents_side), \
                contextlib.AsyncExitStack() as stack:
            first, second, third = conversation(), conversation(), conversation()
            sockets = {c: await stack.enter_async_context(buyers_side.buyer_socket(c)) for c in (first, second, third)}
            for conv in (first, second, third):  # each socket listens before anyone joins
                await listening(sockets[conv])
            for conv in (first, second, third):
                await buyers_side.say(conv, "转人工")
            demo = await agents_side.agent("demo")
            stack.push_async_callback(demo.aclose)
            await demo.post(f"/agent/api/cases/{first}/claim")
            await demo.post(f"/agent/api/cases/{first}/release")
            seen = {first: await lines(sockets[first], 4), second: await lines(sockets[second], 4),
                    third: await lines(sockets[third], 3)}
            async with buyers_side.client() as http:
                history = (await http.get(f"/api/conversations/{third}")).json()
            return first, second, third, seen, history

    first, second, third, seen, history = run(scenario())
    positions = {conv: [frame["position"] for frame in frames] for conv, frames in seen.items()}
    assert positions == {
        first: [1, 1, 1, 1],  # joins, two join behind, (claimed: no line), released to its place
        second: [2, 2, 1, 2],  # joins, third joins, first claimed: moves up, first back ahead
        third: [3, 2, 3],
    }
    hours = "09:00-23:00"  # shop/shop.yml's agent_hours, in agent hours (the harness's 14:00)
    assert seen[third][0] == {"type": "line", "position": 3, "ahead": 2, "agent_hours": hours,
                              "open_now": True, "opening": None}
    assert [f["ahead"] for f in seen[second]] == [1, 1, 0, 1]
    assert history["mode"] == "waiting" and history["line"] == seen[third][-1], "a reload shows the line too"


def test_after_hours_the_line_says_when_agents_start(redis_prefix):
    async def scenario():
        conv = conversation()
        async with gateways(redis_prefix, rasa(), now=NIGHT) as (gateway,), gateway.buyer_socket(conv) as ws:
            await listening(ws)
            await gateway.say(conv, "转人工")
            return await next_frame(ws, where={"type": "line"})

    assert NIGHT.time() == dt.time(23, 30)  # after shop.yml's agent hours, 09:00-23:00
    assert run(scenario()) == {"type": "line", "position": 1, "ahead": 0, "agent_hours": "09:00-23:00",
                               "open_now": False, "opening": "明天上午9:00"}


def test_a_claim_stands_when_the_line_cannot_be_read_afterwards():
    """The line is a live view: a queue that cannot be read when it moved pushes nothing and
    raises nothing (the claim or hand-off that moved it has happened)."""
    from bot.handoff.line import WaitingLine
    from bot.infra.pubsub import LocalHub
    from bot.infra.store import StoreUnavailable
    from tests.gateway.test_handoff_harness import DAYTIME
    from xiaoer.shop import load_shop

    class QueueDown:
        async def waiting(self):
            raise StoreUnavailable("Redis is not reachable")

    async def scenario():
        hub = LocalHub()
        async with hub.listen("buyer:conv-000000000001") as pushes:
            await WaitingLine(QueueDown(), hub, load_shop(ROOT / "shop"), lambda: DAYTIME).moved()
            return pushes.qsize()

    assert run(scenario()) == 0
