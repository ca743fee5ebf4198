"""The buyer API's limits: messages per conversation, calls and new conversations per client
address, each per minute. Over a limit a call gets 429 with Retry-After (the socket: an error
frame, and the socket stays open); a refused message is neither logged nor sent to Rasa nor
remembered by its id, and is taken when sent again after the wait. A repeat of a message
answered or being answered costs no turn and is not refused by its conversation's limit.

Real gateways on real ports and the real Redis (the harness), each test on its own key prefix;
clients come from different loopback addresses (127.0.0.x) to be different addresses. Time is
the app's clock, which the test holds and moves: no test waits for a window to pass.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time

import httpx
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import tests.gateway.test_handoff_harness as harness
from bot.app import create_app
from bot.chat.limits import address_key
from bot.config import ConfigError, Settings
from bot.infra.store import MemoryStore
from tests.conftest import REDIS_URL
from tests.gateway.fakes import BuyerClient, ScriptedRasa
from tests.gateway.reminders_kit import Clock
from tests.gateway.test_handoff_harness import (
    PausingRasa,
    conversation,
    gateways,
    next_frame,
)
from xiaoer import clock as app_clock

PER_CONVERSATION = Settings().rate_per_conversation


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def clock(monkeypatch):
    """The app's one clock, held still at the real time and moved by the test."""
    held = Clock(time.time())
    monkeypatch.setattr(app_clock, "now", held)
    return held


@pytest.fixture
def limits(monkeypatch):
    """The harness's gateways start with these settings (the limits, trust_proxy)."""
    def set_(**settings):
        monkeypatch.setattr(harness, "Settings", functools.partial(Settings, **settings))
    return set_


def client_from(gateway, address: str = "127.0.0.1", **kwargs) -> httpx.AsyncClient:
    """A buyer's client whose connections come from ``address`` (a loopback address)."""
    return gateway.client(transport=httpx.AsyncHTTPTransport(local_address=address), **kwargs)


async def say(http: httpx.AsyncClient, conv: str, text: str, **body) -> httpx.Response:
    return await http.post(f"/api/conversations/{conv}/messages", json={"text": text, **body})


async def logged(gateway, conv: str) -> list[str]:
    """The buyer's lines in the conversation's log (read from the store: no call counted)."""
    return [m["text"] for m in await gateway.app.ctx.store.messages(conv) if m["sender"] == "buyer"]


def asked_rasa(rasa: PausingRasa, conv: str) -> list[str]:
    return [e["text"] for e in rasa.events.get(conv, []) if e["event"] == "user"]


def assert_too_fast(response: httpx.Response, wait: int, about: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == str(wait)
    body = response.json()
    assert body["retry_after"] == wait and about in body["error"], body


def rate_keys(prefix: str) -> list[str]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return sorted(client.scan_iter(f"{prefix}:rate:*")) + sorted(client.scan_iter(f"{prefix}:conv:*:rate"))
    finally:
        client.close()


# --------------------------------------------------------------------------- per conversation


def test_the_21st_message_in_a_minute_is_refused_untaken_and_taken_after_the_window(redis_prefix, clock):
    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            async with client_from(gateway) as http:
                burst = [(await say(http, conv, f"第{n}句")).status_code for n in range(PER_CONVERSATION)]
                clock.advance(minutes=0.5)
                refused = await say(http, conv, "太快的一句", message_id="too-fast-0001")
                state = await logged(gateway, conv), asked_rasa(rasa, conv)
                other_conversation = await say(http, conversation(), "在吗")
                clock.advance(minutes=0.5)  # the window that began with the first message ends
                again = await say(http, conv, "太快的一句", message_id="too-fast-0001")
                repeat = await say(http, conv, "太快的一句", message_id="too-fast-0001")
            return burst, refused, state, other_conversation, again, repeat, asked_rasa(rasa, conv)

    burst, refused, (log, asked), other, again, repeat, asked_after = run(scenario())
    assert burst == [200] * PER_CONVERSATION
    assert_too_fast(refused, 30, "too many messages in this conversation")
    assert "太快的一句" not in log and len(log) == PER_CONVERSATION, "a refused message is not logged"
    assert "太快的一句" not in asked, "nor sent to Rasa"
    assert other.status_code == 200, "another conversation has its own allowance"
    assert again.status_code == 200 and again.json()["messages"] == [{"text": "echo:太快的一句", "buttons": []}]
    assert repeat.json() == again.json()
    assert asked_after.count("太快的一句") == 1, "sent again with its id after the wait: answered once"


def test_a_repeat_of_an_answered_message_is_answered_at_the_limit_and_a_refused_id_is_not_kept(redis_prefix, clock, limits):
    limits(rate_per_conversation=2)

    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            async with client_from(gateway) as http:
                first = await say(http, conv, "在吗", message_id="first-msg-0001")
                await say(http, conv, "有黑色吗", message_id="second-msg-001")
                refused = await say(http, conv, "L码", message_id="third-msg-0001")
                # the widget lost the first answer and sends the message again: no turn, no refusal
                repeats = [await say(http, conv, "在吗", message_id="first-msg-0001") for _ in range(5)]
                kept = await gateway.app.ctx.store.redis.exists(f"{redis_prefix}:conv:{conv}:msg:third-msg-0001")
            return first, refused, repeats, kept, asked_rasa(rasa, conv), await logged(gateway, conv)

    first, refused, repeats, kept, asked, log = run(scenario())
    assert_too_fast(refused, 60, "too many messages in this conversation")
    assert [r.status_code for r in repeats] == [200] * 5 and all(r.json() == first.json() for r in repeats)
    assert asked == ["在吗", "有黑色吗"] and log == ["在吗", "有黑色吗"], "repeats and the refused one: no turn, no line"
    assert kept == 0, "a refused message's id is not remembered (a flood of ids leaves nothing in Redis)"


def test_a_retry_of_a_message_logged_while_rasa_was_down_is_not_logged_twice_when_refused(redis_prefix, clock, limits):
    limits(rate_per_conversation=2)

    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            async with client_from(gateway) as http:
                rasa.down = True
                down = await say(http, conv, "在吗", message_id="logged-msg-001")  # logged, Rasa not reached
                rasa.down = False
                await say(http, conv, "有黑色吗", message_id="second-msg-001")
                refused = await say(http, conv, "在吗", message_id="logged-msg-001")
                clock.advance(minutes=1)
                again = await say(http, conv, "在吗", message_id="logged-msg-001")
            return down, refused, again, await logged(gateway, conv)

    down, refused, again, log = run(scenario())
    assert down.status_code == 503
    assert_too_fast(refused, 60, "too many messages in this conversation")
    assert again.status_code == 200 and again.json()["messages"] == [{"text": "echo:在吗", "buttons": []}]
    assert log == ["在吗", "有黑色吗"], "its text was in the log already: refused and retried, it is not logged again"


def test_the_socket_says_too_fast_in_an_error_frame_and_stays_open(redis_prefix, clock, limits):
    limits(rate_per_conversation=3)

    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            async with gateway.buyer_socket(conv) as ws:
                answers = []
                for n in range(3):
                    await ws.send(json.dumps({"text": f"第{n}句", "message_id": f"socket-msg-{n:04d}"}))
                    answers.append(await next_frame(ws))
                await ws.send(json.dumps({"text": "第3句", "message_id": "socket-msg-0003"}))
                refused = await next_frame(ws)
                clock.advance(minutes=1)
                await ws.send(json.dumps({"text": "第3句", "message_id": "socket-msg-0003"}))
                taken = await next_frame(ws)
            return answers, refused, taken, await logged(gateway, conv)

    answers, refused, taken, log = run(scenario())
    assert [a["message_id"] for a in answers] == ["socket-msg-0000", "socket-msg-0001", "socket-msg-0002"]
    assert refused == {"error": refused["error"], "retry_after": 60, "message_id": "socket-msg-0003"}
    assert "too many messages in this conversation" in refused["error"]
    assert taken["message_id"] == "socket-msg-0003" and taken["messages"] == [{"text": "echo:第3句", "buttons": []}]
    assert log == ["第0句", "第1句", "第2句", "第3句"], "the refused frame was not logged; its retry was, once"


# --------------------------------------------------------------------------- per address


def test_conversations_from_one_address_share_its_allowance_and_others_do_not(redis_prefix, clock, limits):
    limits(rate_per_address=6, new_conversations_per_address=0)

    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            first, second, third = conversation(), conversation(), conversation()
            async with client_from(gateway, "127.0.0.2") as nat, client_from(gateway, "127.0.0.3") as elsewhere:
                shared = [(await say(nat, conv, "在吗")).status_code for conv in (first, second) * 3]
                refused = await say(nat, third, "有人吗")
                history = await nat.get(f"/api/conversations/{first}")
                new_id = await nat.post("/api/conversations")
                other_address = await say(elsewhere, third, "有人吗")
                clock.advance(minutes=1)
                after = await say(nat, first, "有人吗")
            return shared, refused, history, new_id, other_address, after, asked_rasa(rasa, third)

    shared, refused, history, new_id, other, after, asked_third = run(scenario())
    assert shared == [200] * 6
    for response in (refused, history, new_id):
        assert_too_fast(response, 60, "too many requests from your network")
    assert other.status_code == 200, "another address is not affected"
    assert asked_third == ["有人吗"], "only the other address's message reached Rasa"
    assert after.status_code == 200


def test_opening_a_socket_counts_toward_its_address_and_a_refused_one_says_when_to_retry(redis_prefix, clock, limits):
    limits(rate_per_address=2, new_conversations_per_address=0)

    def socket_from(gateway, address: str, conv: str):
        return connect(f"ws://127.0.0.1:{gateway.port}/ws/{conv}", open_timeout=5, local_addr=(address, 0))

    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            conv = conversation()
            async with client_from(gateway, "127.0.0.4") as http:
                used = [(await say(http, conv, "在吗")).status_code for _ in range(2)]
            async with socket_from(gateway, "127.0.0.4", conv) as refused:
                frame = await next_frame(refused)
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(refused.recv(), 5)
                closed = refused.close_code
            async with socket_from(gateway, "127.0.0.5", conv) as other:
                await other.send(json.dumps(gateway.jar.first_frame(conv)))  # the token its first answer gave
                assert await next_frame(other) == {"ready": True}
                await other.send(json.dumps({"text": "有黑色吗", "message_id": "socket-open-0001"}))
                answered = await next_frame(other)
            return used, frame, closed, answered

    used, frame, closed, answered = run(scenario())
    assert used == [200, 200]
    assert frame == {"error": frame["error"], "retry_after": 60} and "too many requests" in frame["error"]
    assert closed == 1013, "closed as 'try again later'"
    assert answered["message_id"] == "socket-open-0001", "another address opens its socket"


def test_x_forwarded_for_is_believed_only_behind_a_trusted_proxy(redis_prefix, clock, limits):
    async def buyers_behind_one_peer():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            async with client_from(gateway) as http:
                statuses = []
                for n in range(4):  # four buyers, or one client claiming to be four
                    response = await http.post(f"/api/conversations/{conversation()}/messages", json={"text": "在吗"},
                                               headers={"X-Forwarded-For": f"203.0.113.{n + 1}"})
                    statuses.append(response.status_code)
            return statuses

    limits(rate_per_address=2, new_conversations_per_address=0)
    untrusted = run(buyers_behind_one_peer())
    limits(rate_per_address=2, new_conversations_per_address=0, trust_proxy=1)
    trusted = run(buyers_behind_one_peer())
    assert untrusted == [200, 200, 429, 429], "the header is the client's word: the peer's address counts"
    assert trusted == [200] * 4, "behind XIAOER_TRUST_PROXY each forwarded address has its own allowance"


def test_new_conversations_per_address_are_counted_at_their_first_message(redis_prefix, clock, limits):
    limits(new_conversations_per_address=3)

    async def scenario():
        rasa = PausingRasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            async with client_from(gateway, "127.0.0.4") as nat, client_from(gateway, "127.0.0.5") as elsewhere:
                issued = await nat.post("/api/conversations")
                widget = issued.json()["conversation_id"]
                started = [(await say(nat, conv, "在吗")).status_code for conv in (widget, conversation(), conversation())]
                invented = conversation()
                fourth = await say(nat, invented, "在吗")
                no_new_id = await nat.post("/api/conversations")
                same_conversation = await say(nat, widget, "还在吗")
                other_address = await elsewhere.post("/api/conversations")
                clock.advance(minutes=1)
                after = await say(nat, invented, "在吗")
            return issued, started, fourth, no_new_id, same_conversation, other_address, after

    issued, started, fourth, no_new_id, same, other, after = run(scenario())
    assert issued.status_code == 201
    assert started == [200] * 3, "the widget's conversation counted once (its id asked for, then its first message)"
    assert_too_fast(fourth, 60, "too many new conversations from your network")
    assert_too_fast(no_new_id, 60, "too many new conversations from your network")
    assert same.status_code == 200, "a conversation already started goes on"
    assert other.status_code == 201
    assert after.status_code == 200


# --------------------------------------------------------------------------- shared, off, memory


def test_two_gateways_on_one_redis_share_the_counts(redis_prefix, clock, limits):
    limits(rate_per_conversation=4, rate_per_address=7, new_conversations_per_address=0)

    async def scenario():
        async with gateways(redis_prefix, PausingRasa(), count=2) as (first, second):
            conv = conversation()
            async with client_from(first) as one, client_from(second) as other:
                by_conversation = [(await say(http, conv, "在吗")).status_code for http in (one, other) * 2]
                fifth = await say(one, conv, "在吗")
                by_address = [(await say(http, conversation(), "在吗")).status_code for http in (one, other, one)]
            return by_conversation, fifth, by_address, rate_keys(redis_prefix)

    by_conversation, fifth, by_address, keys = run(scenario())
    assert by_conversation == [200] * 4
    assert_too_fast(fifth, 60, "too many messages in this conversation")
    assert by_address == [200, 200, 429], "seven calls from 127.0.0.1 across both gateways (the refused one too)"
    assert f"{redis_prefix}:rate:addr:127.0.0.1" in keys


def test_limits_set_to_0_are_off(redis_prefix, clock, limits):
    limits(rate_per_conversation=0, rate_per_address=0, new_conversations_per_address=0)

    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            conv = conversation()
            async with client_from(gateway) as http:
                statuses = [(await say(http, conv, f"第{n}句")).status_code for n in range(PER_CONVERSATION + 5)]
                statuses += [(await http.post("/api/conversations")).status_code for _ in range(3)]
            return statuses, rate_keys(redis_prefix)

    statuses, keys = run(scenario())
    assert set(statuses) == {200, 201} and len(statuses) == PER_CONVERSATION + 8
    assert keys == [], "nothing is counted"


def test_the_window_counts_expire_with_it_in_redis(redis_prefix, clock):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            async with client_from(gateway) as http:
                await say(http, conversation(), "在吗")
            return rate_keys(redis_prefix)

    keys = run(scenario())
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttls = {key: client.ttl(key) for key in keys}
    finally:
        client.close()
    assert len(keys) == 3, keys  # the conversation's messages, the address's calls, its new conversations
    assert all(0 < ttl <= 60 for ttl in ttls.values()), ttls


def test_a_gateway_on_the_memory_store_limits_in_the_process(clock):
    """`make run` without Redis: the same limits, counted in the gateway process."""
    settings = Settings(store="memory", rate_per_conversation=2)
    rasa = ScriptedRasa()
    app = create_app(settings, store=MemoryStore(), rasa=rasa, name="limits_memory")
    client = BuyerClient(app)

    def post(text, message_id):
        body = {"text": text, "message_id": message_id}
        return client.post("/api/conversations/buyer-limits-0001/messages", json=body)[1]

    first, second, third = post("一", "memory-msg-01"), post("二", "memory-msg-02"), post("三", "memory-msg-03")
    clock.advance(minutes=1)
    after = post("三", "memory-msg-03")
    assert [first.status, second.status] == [200, 200]
    assert third.status == 429 and third.headers["retry-after"] == "60" and third.json["retry_after"] == 60
    assert after.status == 200, "the refused id was not kept: sent again, it is a new message"
    assert [text for _, text in rasa.received] == ["一", "二", "三"]


# --------------------------------------------------------------------------- settings


def test_the_limits_are_settings_checked_at_start():
    defaults = Settings.from_env({})
    assert (defaults.rate_per_conversation, defaults.rate_per_address, defaults.new_conversations_per_address) \
        == (20, 300, 30)
    chosen = Settings.from_env({"XIAOER_RATE_PER_CONVERSATION": "12", "XIAOER_RATE_PER_ADDRESS": " 0 ",
                                "XIAOER_NEW_CONVERSATIONS_PER_ADDRESS": "90"})
    assert (chosen.rate_per_conversation, chosen.rate_per_address, chosen.new_conversations_per_address) == (12, 0, 90)
    for value in ("-1", "ten", "1.5"):
        with pytest.raises(ConfigError, match="XIAOER_RATE_PER_ADDRESS must be a whole number per minute"):
            Settings.from_env({"XIAOER_RATE_PER_ADDRESS": value})


@pytest.mark.parametrize("address,counted", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one subscriber's /64 is one address
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("", "unknown"),
])
def test_the_address_counted(address, counted):
    assert address_key(address) == counted

