"""Hand-off through real gateways and the real Redis (Rasa stood in for: these are about
the gateway's part: cases, the queue, the notices, pushes, the bot's silence, hand-back)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.config import ROOT
from bot.handoff.line import opening_text
from bot.infra.rasa import RESUME_EVENTS
from tests.gateway.test_handoff_harness import (
    NIGHT,
    PausingRasa,
    conversation,
    gateways,
    handoff,
    next_frame,
)
from xiaoer.scripts import ScriptCorpus, fill

CORPUS = ScriptCorpus(ROOT / "scripts_zh")


def texts(script_id: str, **values) -> set[str]:
    return {fill(v, {"shop_name": "禾木服饰", **values}) for v in CORPUS.get(script_id).variants}


def run(coroutine):
    return asyncio.run(coroutine)


def bot_rasa() -> PausingRasa:
    return PausingRasa(
        answers={
            "转人工": handoff("buyer_asked"),
            "我要投诉": handoff("complaint", "非常抱歉，已请售后同事处理。"),
            "退款500元": handoff("refund_over_limit"),
            "讲个笑话": handoff("bot_failed_twice"),
            "改地址": handoff("order_change"),
            "有色差吗": [{"text": "实物拍摄，色差很小。"}],
            "什么破衣服，垃圾": [{"text": "抱歉给您带来不便。"}],
            "牛仔裤多少钱": [],  # what Rasa answers when the action server is down: nothing
        },
        intents={"转人工": "request_human", "有色差吗": "color_difference", "JN-2801 165cm 穿什么码": "ask_size"},
    )


@pytest.mark.parametrize("now,days,expected", [
    (dt.datetime(2026, 6, 1, 23, 30), 1, "明天上午9:00"),
    (dt.datetime(2026, 6, 2, 3, 0), 0, "今天上午9:00"),
    (dt.datetime(2026, 6, 1, 23, 30), 3, "6月4日上午9:00"),
])
def test_opening_text(now, days, expected):
    opening = dt.datetime.combine(now.date() + dt.timedelta(days=days), dt.time(9, 0))
    assert opening_text(now, opening) == expected


@pytest.mark.parametrize("message,reason,urgent", [
    ("转人工", "buyer_asked", False),
    ("讲个笑话", "bot_failed_twice", False),
    ("我要投诉", "complaint", True),  # 投诉 is in the anger lexicon: urgent too
    ("改地址", "order_change", False),
    ("退款500元", "refund_over_limit", True),
    ("什么破衣服，垃圾", "angry_buyer", True),  # the bot did not hand off; the gateway did
    ("牛仔裤多少钱", "bot_error", False),  # no answer at all: the gateway apologises and hands off
])
def test_each_trigger_opens_a_case_with_its_reason(redis_prefix, message, reason, urgent):
    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            reply = await gateway.say(conv, message)
            case = await gateway.app.ctx.queue.get(conv)
            return rasa, conv, reply, case

    rasa, conv, reply, case = run(scenario())
    assert reply["mode"] == "waiting"
    assert (case.reason, case.status, case.priority == 0) == (reason, "waiting", urgent)
    assert [n["text"] in texts("utter_queue_position", position=1) for n in reply["notices"]] == [True]
    if reason in ("angry_buyer", "bot_error"):
        assert rasa.appended == [(conv, [{"event": "pause"}])], "the gateway paused Rasa itself"
        script = "utter_handoff_complaint" if reason == "angry_buyer" else "utter_handoff_bot_error"
        assert reply["messages"][-1]["text"] in texts(script), "never a silence"
    else:
        assert rasa.appended == [], "Rasa paused itself"


def test_summary_says_what_the_bot_understood(redis_prefix):
    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            rasa.slots[conv] = {"height": 165, "handoff_reason": "buyer_asked", "size": None}
            await gateway.say(conv, "JN-2801 165cm 穿什么码")
            await gateway.say(conv, "订单号123456789012")
            await gateway.say(conv, "转人工")
            return (await gateway.app.ctx.queue.get(conv)).summary

    summary = run(scenario())
    assert summary["intent"] == "request_human" and summary["intent_zh"] == "要人工"
    assert summary["slots"] == {"height": 165}
    assert summary["item"] == {"sku": "JN-2801", "name": "高腰直筒牛仔裤", "price": 139}
    assert summary["order_id"] == "123456789012"
    assert summary["text"] == "转人工"


def test_place_in_line_counts_urgent_cases_first(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            first = await gateway.say(conversation(), "转人工")
            second = await gateway.say(conversation(), "转人工")
            refund = await gateway.say(conversation(), "退款500元")
            return first, second, refund

    first, second, refund = run(scenario())
    assert first["notices"][0]["text"] in texts("utter_queue_position", position=1)
    assert second["notices"][0]["text"] in texts("utter_queue_position", position=2)
    assert refund["notices"][0]["text"] in texts("utter_queue_position", position=1)


SHOP_DAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize("clock,opening", [
    (dt.time(3, 0), "今天上午9:00"),
    (dt.time(8, 59), "今天上午9:00"),
    (dt.time(9, 0), None),  # agents on duty: only the place in line
    (dt.time(22, 59), None),
    (dt.time(23, 0), "明天上午9:00"),
    (dt.time(23, 30), "明天上午9:00"),
])
def test_each_side_of_agent_hours_the_buyer_hears_when_someone_answers(redis_prefix, clock, opening):
    now = dt.datetime.combine(SHOP_DAY, clock, tzinfo=NIGHT.tzinfo)

    async def scenario():
        async with gateways(redis_prefix, bot_rasa(), now=now) as (gateway,):
            return await gateway.say(conversation(), "转人工")

    reply = run(scenario())
    notices = [n["text"] for n in reply["notices"]]
    assert notices[0] in texts("utter_queue_position", position=1)
    if opening is None:
        assert len(notices) == 1, notices
    else:
        assert len(notices) == 2 and notices[1] in texts(
            "utter_agents_closed", opening=opening, agent_hours="09:00-23:00"), notices
    assert reply["messages"][-1]["text"] == "好的，马上为您转人工。"


def test_the_bot_is_silent_while_waiting_and_messages_reach_the_agent_in_order(redis_prefix):
    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "转人工")
            agent = await gateway.agent()
            async with gateway.console_socket(agent.cookies["xiaoer_agent"]) as console:
                await next_frame(console, where={"type": "hello"})
                replies = [await gateway.say(conv, f"第{n}条补充") for n in range(1, 6)]
                event = await next_frame(console, where={"type": "message"})
            detail = (await agent.get(f"/agent/api/cases/{conv}")).json()
            await agent.aclose()
            return rasa, conv, replies, event, detail

    rasa, conv, replies, event, detail = run(scenario())
    # the bot says nothing; the gateway acknowledges each message (place in line)
    assert all(r["mode"] == "waiting" and r["messages"] == [] for r in replies)
    assert all(len(r["notices"]) == 1 for r in replies)
    assert event == {"type": "message", "conversation_id": conv}
    buyer = [m["text"] for m in detail["messages"] if m["sender"] == "buyer"]
    assert buyer == ["转人工"] + [f"第{n}条补充" for n in range(1, 6)]
    logged = [e["text"] for e in rasa.events[conv] if e["event"] == "user"]
    assert logged == buyer, "Rasa logged every message while paused"
    assert all(m["understood"]["intent"] for m in detail["messages"] if m["sender"] == "buyer")


def test_claim_reply_hand_back_across_two_gateways(redis_prefix):
    """The buyer's socket is on one gateway, the agent on the other; Redis carries the push."""

    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa, count=2) as (buyer_side, agent_side):
            conv = conversation()
            await buyer_side.say(conv, "转人工")
            agent = await agent_side.agent("demo")
            other = await agent_side.agent("ajie")
            async with buyer_side.buyer_socket(conv) as ws:
                await asyncio.sleep(0.1)
                claim = await agent.post(f"/agent/api/cases/{conv}/claim")
                late = await other.post(f"/agent/api/cases/{conv}/claim")
                joined = await next_frame(ws, where={"push": True})
                sent = await agent.post(f"/agent/api/cases/{conv}/messages", json={"text": "您好，我来看看您的订单"})
                pushed = await next_frame(ws, where={"push": True})
                await ws.send('{"text": "好的谢谢"}')
                own_reply = await next_frame(ws, where={"mode": "human"})
                foreign_reply = await other.post(f"/agent/api/cases/{conv}/messages", json={"text": "插话"})
                back = await agent.post(f"/agent/api/cases/{conv}/handback")
                back_push = await next_frame(ws, where={"push": True})
                await ws.send('{"text": "有色差吗"}')
                after = await next_frame(ws, where={"mode": "bot"})
            case = await buyer_side.app.ctx.queue.get(conv)
            history = (await (buyer_side.client()).get(f"/api/conversations/{conv}")).json()
            await agent.aclose()
            await other.aclose()
            return locals()

    r = run(scenario())
    assert r["claim"].status_code == 200 and r["late"].status_code == 409
    assert r["joined"]["mode"] == "human"
    assert r["joined"]["messages"][0]["text"] in texts("utter_agent_joined", agent_name="小美")
    assert r["sent"].status_code == 200
    assert r["pushed"]["messages"][0]["text"] == "您好，我来看看您的订单"
    assert r["pushed"]["messages"][0]["sender"] == "agent"
    assert r["own_reply"]["messages"] == [], "the bot says nothing while the agent has it"
    assert r["foreign_reply"].status_code == 409, "only the agent who claimed it replies"
    assert r["back"].status_code == 200 and r["back_push"]["mode"] == "bot"
    assert r["back_push"]["messages"][0]["text"] in texts("utter_back_to_bot")
    assert r["after"]["messages"][0]["text"] == "实物拍摄，色差很小。", "the bot answers again"
    assert (r["conv"], list(RESUME_EVENTS)) in r["rasa"].appended
    assert (r["case"].status, r["case"].outcome, r["case"].agent) == ("closed", "handed_back", "demo")
    senders = [m["sender"] for m in r["history"]["messages"]]
    assert senders == ["buyer", "bot", "notice", "agent", "agent", "buyer", "bot", "buyer", "bot"]


def test_close_with_an_outcome_and_release(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "退款500元")
            agent = await gateway.agent()
            await agent.post(f"/agent/api/cases/{conv}/claim")
            release = await agent.post(f"/agent/api/cases/{conv}/release")
            queue_after_release = (await agent.get("/agent/api/queue")).json()
            await agent.post(f"/agent/api/cases/{conv}/claim")
            no_outcome = await agent.post(f"/agent/api/cases/{conv}/close", json={"outcome": "whatever"})
            closed = await agent.post(f"/agent/api/cases/{conv}/close", json={"outcome": "refund_approved"})
            mode = await gateway.app.ctx.store.get_mode(conv)
            queue = (await agent.get("/agent/api/queue")).json()
            await agent.aclose()
            return locals()

    r = run(scenario())
    assert r["release"].status_code == 200
    assert [c["conversation_id"] for c in r["queue_after_release"]["waiting"]] == [r["conv"]]
    assert r["queue_after_release"]["waiting"][0]["urgent"] is True
    assert r["no_outcome"].status_code == 400
    assert r["closed"].status_code == 200 and r["closed"].json()["outcome"] == "refund_approved"
    assert r["mode"] == "bot"
    assert r["queue"] == {**r["queue"], "waiting": [], "mine": []}


def test_hand_back_fails_cleanly_when_rasa_is_down(redis_prefix):
    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "转人工")
            agent = await gateway.agent()
            await agent.post(f"/agent/api/cases/{conv}/claim")
            rasa.down = True
            # the buyer still reaches the agent with Rasa down
            reply = await gateway.say(conv, "还在吗")
            back = await agent.post(f"/agent/api/cases/{conv}/handback")
            case = await gateway.app.ctx.queue.get(conv)
            await agent.aclose()
            return reply, back, case

    reply, back, case = run(scenario())
    assert reply == {**reply, "mode": "human", "messages": []}
    assert back.status_code == 503 and "仍由您接待" in back.json()["error"]
    assert case.status == "claimed", "the agent keeps the case and can try again"


def test_an_angry_buyer_already_waiting_moves_up(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            calm, angry = conversation(), conversation()
            await gateway.say(calm, "转人工")
            await gateway.say(angry, "转人工")
            await gateway.say(angry, "到底有没有人！！！骗子")
            return [c.conversation_id for c in await gateway.app.ctx.queue.waiting()], angry

    order, angry = run(scenario())
    assert order[0] == angry


def test_one_agent_with_ten_conversations(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, bot_rasa(), count=2) as (buyer_side, agent_side):
            convs = [conversation() for _ in range(10)]
            for conv in convs:
                await buyer_side.say(conv, "转人工")
            agent = await agent_side.agent()
            sockets = [await buyer_side.buyer_socket(conv).__aenter__() for conv in convs]
            await asyncio.sleep(0.2)
            for conv in convs:
                assert (await agent.post(f"/agent/api/cases/{conv}/claim")).status_code == 200
            mine = (await agent.get("/agent/api/queue")).json()["mine"]
            for n, conv in enumerate(convs):
                await agent.post(f"/agent/api/cases/{conv}/messages", json={"text": f"给第{n}位买家的回复"})
            received = []
            for ws in sockets:
                frames = [await next_frame(ws, where={"push": True}) for _ in range(2)]
                received.append(frames[1]["messages"][0]["text"])
                await ws.close()
            await agent.aclose()
            return mine, received

    mine, received = run(scenario())
    assert len(mine) == 10
    assert received == [f"给第{n}位买家的回复" for n in range(10)]


def test_a_gateway_restart_mid_handoff_loses_nothing(redis_prefix):
    async def scenario():
        rasa = bot_rasa()
        conv = conversation()
        async with gateways(redis_prefix, rasa) as (gateway,):
            await gateway.say(conv, "转人工")
            await gateway.say(conv, "重启前的消息")
            agent = await gateway.agent()
            cookie = agent.cookies["xiaoer_agent"]
            await agent.aclose()
        async with gateways(redis_prefix, rasa) as (gateway,):  # a new process, the same Redis
            await gateway.say(conv, "重启后的消息")
            agent = gateway.client(headers={"Origin": gateway.url}, cookies={"xiaoer_agent": cookie})
            queue = (await agent.get("/agent/api/queue")).json()
            detail = (await agent.get(f"/agent/api/cases/{conv}")).json()
            await agent.aclose()
        return conv, queue, detail

    conv, queue, detail = run(scenario())
    assert [c["conversation_id"] for c in queue["waiting"]] == [conv], "the session and the case survive"
    buyer = [m["text"] for m in detail["messages"] if m["sender"] == "buyer"]
    assert buyer == ["转人工", "重启前的消息", "重启后的消息"]


@pytest.mark.parametrize("clock,script,values", [
    (dt.time(14, 0), "utter_queue_still_waiting", {"position": 1}),
    (dt.time(3, 0), "utter_queue_received_closed", {"opening": "今天上午9:00"}),
])
def test_every_message_while_waiting_is_acknowledged_truthfully(redis_prefix, clock, script, values):
    """No silence after a hand-off: an order number, an address, "人呢???" each get a word back."""
    now = dt.datetime.combine(SHOP_DAY, clock, tzinfo=NIGHT.tzinfo)

    async def scenario():
        async with gateways(redis_prefix, bot_rasa(), now=now) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "转人工")
            return [await gateway.say(conv, text) for text in ("订单号123456789012", "杭州西湖区文三路88号", "人呢???")]

    replies = run(scenario())
    for reply in replies:
        assert reply["mode"] == "waiting" and reply["messages"] == []
        [notice] = [n["text"] for n in reply["notices"]]
        assert notice in texts(script, **values)
        assert "马上" not in notice
    assert len({r["notices"][0]["text"] for r in replies[:2]}) == 2, "not the same words twice in a row"


def test_a_shop_question_asked_in_the_line_is_answered_but_not_once_an_agent_has_it(redis_prefix):
    async def scenario():
        rasa = bot_rasa()
        async with gateways(redis_prefix, rasa) as (gateway,):
            conv = conversation()
            await gateway.say(conv, "转人工")
            opened = len(rasa.tracker_reads)
            waiting = await gateway.say(conv, "有色差吗")
            chat = await gateway.say(conv, "第1条补充")
            in_line = rasa.tracker_reads[opened:]
            agent = await gateway.agent()
            assert (await agent.post(f"/agent/api/cases/{conv}/claim")).status_code == 200
            taken = await gateway.say(conv, "有色差吗")
            await agent.aclose()
            return rasa, conv, waiting, chat, taken, in_line

    rasa, conv, waiting, chat, taken, in_line = run(scenario())
    # each message in the line reads what Rasa understood of it, never the whole history again
    assert in_line == [(conv, False), (conv, False)], in_line
    assert waiting["mode"] == "waiting"
    assert [m["text"] for m in waiting["messages"]] == ["answer:action_colour_difference"], "answered in the line"
    assert len(waiting["notices"]) == 1, "and told the place in the line"
    assert chat["messages"] == [] and len(chat["notices"]) == 1, "anything else: only the acknowledgement"
    assert taken["mode"] == "human" and taken["messages"] == [], "once a person has it, the bot keeps out"
    assert rasa.executed == [(conv, "action_colour_difference")]
