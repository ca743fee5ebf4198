"""/metrics for Prometheus and the manager's dashboard API, on real gateways and the real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.infra.shop_stats import RedisDays, ShopStats
from bot.ops.dashboard import day_figures
from bot.orders.reminders import SCRIPT_SILENT
from bot.staff.people import Agent, AgentDirectory, hash_password
from tests.gateway.reminders_kit import (
    TZ,
    Clock,
    at,
    new_conversation,
    open_service,
    order_body,
)
from tests.gateway.test_handoff_harness import (
    INTERNAL_TOKEN,
    PASSWORD,
    PausingRasa,
    conversation,
    handoff,
)
from tests.gateway.test_staff_sessions import StaffGateway
from xiaoer import clock as app_clock
from xiaoer.clock import OFFSET_ENV, offset_to, today_at

PEOPLE = AgentDirectory([
    Agent("demo", "小美", hash_password(PASSWORD)),
    Agent("trainer", "训练师", hash_password(PASSWORD), ("trainer",)),
    Agent("boss", "店长", hash_password(PASSWORD), ("manager",)),
])
ANSWERS = {"转人工": handoff("buyer_asked"), "我要投诉": handoff("complaint"),
           "东西不对 转人工": handoff("buyer_asked")}


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def afternoon(monkeypatch):
    """The app's clock at 14:00 in the shop today, so the scripted day is one day at any hour."""
    monkeypatch.setenv(OFFSET_ENV, f"{offset_to(today_at(dt.time(14, 0), TZ)):.3f}")
    app_clock.offset.cache_clear()
    yield dt.datetime.fromtimestamp(app_clock.now(), TZ).date().isoformat()
    monkeypatch.delenv(OFFSET_ENV)
    app_clock.offset.cache_clear()


class Gateway(StaffGateway):
    def __init__(self, prefix: str, **settings) -> None:
        super().__init__(prefix, PEOPLE, internal_token=INTERNAL_TOKEN, **settings)
        self.rasa = PausingRasa(ANSWERS)

    async def nlg(self, conversation_id: str, script: str, intent: str, text: str) -> dict:
        """Rasa asking for its first reply to a buyer's message, as it does for every reply."""
        tracker = {"sender_id": conversation_id, "slots": {},
                   "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.3}},
                   "events": [{"event": "user", "text": text}]}
        async with self.client() as http:
            response = await http.post(f"/nlg?token={INTERNAL_TOKEN}", json={"response": script, "tracker": tracker})
            assert response.status_code == 200, response.text
            return response.json()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_need_the_internal_token_and_count_a_message(redis_prefix):
    async def scenario():
        gateway = await Gateway(redis_prefix).start()
        try:
            async with gateway.client() as http:
                refused = [(await http.get("/metrics", headers=headers)).status_code
                           for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": INTERNAL_TOKEN})]
                before = await http.get("/metrics", headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"})
                await gateway.say(conversation(), "在吗")
                await gateway.say(conversation(), "转人工")
                after = await http.get("/metrics", headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"})
            return refused, before, after
        finally:
            await gateway.stop()

    refused, before, after = run(scenario())
    assert refused == [403, 403, 403]
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain; version=")
    was, now = samples(before.text), samples(after.text)
    assert now[("xiaoer_buyer_messages_total", ())] - was.get(("xiaoer_buyer_messages_total", ()), 0) == 2
    handoffs = ("xiaoer_handoffs_total", (("reason", "buyer_asked"),))
    assert now[handoffs] - was.get(handoffs, 0) == 1
    latency = ("xiaoer_reply_latency_seconds_count", ())
    assert now[latency] - was.get(latency, 0) == 2


def test_a_buyer_messages_intent_is_counted_once_however_many_replies_it_gets(redis_prefix):
    async def scenario():
        gateway = await Gateway(redis_prefix).start()
        try:
            async with gateway.client(headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}) as http:
                before = samples((await http.get("/metrics")).text)
                greeted, odd = conversation(), conversation()
                await gateway.nlg(greeted, "utter_greet", "greet", "在吗")  # one action, two replies
                await gateway.nlg(greeted, "utter_ask_rephrase", "greet", "在吗")
                await gateway.nlg(odd, "utter_out_of_scope", "<script>", "x")  # no intent of the contract
                return before, samples((await http.get("/metrics")).text)
        finally:
            await gateway.stop()

    before, after = run(scenario())

    def added(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert added("xiaoer_intents_total", intent="greet") == 1
    assert added("xiaoer_intents_total", intent="other") == 1
    assert added("xiaoer_replies_total", script="utter_greet") == 1
    assert added("xiaoer_fallbacks_total", script="utter_ask_rephrase") == 1
    assert added("xiaoer_fallbacks_total", script="utter_out_of_scope") == 1


def test_metrics_are_off_without_an_internal_token(redis_prefix):
    async def scenario():
        gateway = await StaffGateway(redis_prefix, PEOPLE).start()
        try:
            async with gateway.client() as http:
                return (await http.get("/metrics", headers={"Authorization": "Bearer anything"})).status_code
        finally:
            await gateway.stop()

    assert run(scenario()) == 503


def test_the_dashboard_is_for_managers_only(redis_prefix):
    async def scenario():
        gateway = await Gateway(redis_prefix).start()
        try:
            async with gateway.client(headers={"Origin": gateway.url}) as anonymous:
                nobody = (await anonymous.get("/dashboard/api/day")).status_code
                page = (await anonymous.get("/dashboard")).status_code
            statuses = {"nobody": nobody, "page": page}
            for login, area in (("demo", "dashboard"), ("trainer", "dashboard"), ("demo", "agent"), ("boss", "dashboard")):
                http, signed = await gateway.sign_in(login, area=area)
                statuses[f"{login}@{area} sign-in"] = signed.status_code
                statuses[f"{login}@{area} day"] = (await http.get("/dashboard/api/day")).status_code
                await http.aclose()
            http, _ = await gateway.sign_in("boss", area="dashboard")
            http.headers["Origin"] = "https://evil.example"
            statuses["other site"] = (await http.get("/dashboard/api/day")).status_code
            await http.aclose()
            return statuses
        finally:
            await gateway.stop()

    statuses = run(scenario())
    assert statuses == {
        "nobody": 401, "page": 401,
        "demo@dashboard sign-in": 403, "demo@dashboard day": 401,
        "trainer@dashboard sign-in": 403, "trainer@dashboard day": 401,
        "demo@agent sign-in": 200, "demo@agent day": 403,  # an agent's session opens no dashboard
        "boss@dashboard sign-in": 200, "boss@dashboard day": 200,
        "other site": 403,
    }


def test_a_scripted_day_on_two_gateways_is_one_day_on_the_dashboard(redis_prefix, afternoon):
    """Four buyers on two gateways: one answered by the bot, one not understood, two handed to a
    person (one of whom an agent takes). Whichever gateway the manager asks, the day is the same."""
    async def scenario():
        first, second = await Gateway(redis_prefix).start(), await Gateway(redis_prefix).start()
        try:
            greeted, puzzled, wants_person, complains = (conversation() for _ in range(4))
            await first.say(greeted, "在吗")
            await second.say(greeted, "这条裤子有黑色吗")
            await first.say(puzzled, "asdfgh")
            await first.nlg(puzzled, "utter_ask_rephrase", "out_of_scope", "asdfgh")
            await second.nlg(wants_person, "utter_greet", "greet", "在吗")
            await second.say(wants_person, "转人工")
            await first.say(complains, "我要投诉")
            agent, _ = await first.sign_in("demo")
            assert (await agent.post(f"/agent/api/cases/{wants_person}/claim")).status_code == 200
            await agent.aclose()
            days = []
            for gateway in (first, second):
                manager, _ = await gateway.sign_in("boss", area="dashboard")
                days.append((await manager.get("/dashboard/api/day")).json())
                plan = (await manager.get("/dashboard/api/plan")).json()
                bad_plan = await manager.get("/dashboard/api/plan", params={"conversion_rate": "0"})
                await manager.aclose()
            return days, plan, bad_plan
        finally:
            await first.stop()
            await second.stop()

    (day, again), plan, bad_plan = run(scenario())
    assert day == again
    assert day["date"] == afternoon
    assert (day["conversations"], day["messages"], day["handed_off"]) == (4, 5, 2)
    assert day["bot_resolution_rate"] == 0.5
    assert {r["reason"]: r["count"] for r in day["handoffs_by_reason"]} == {"buyer_asked": 1, "complaint": 1}
    assert day["hours"][14]["conversations"] == 4 and day["hours"][14]["handoffs"] == 2
    assert day["waits"]["count"] == 1 and day["waits"]["bars"][0]["count"] == 1  # taken within a minute
    assert day["fallbacks"] == 1 and day["fallback_rate"] == pytest.approx(1 / 5)
    assert day["replies"]["count"] == 5 and day["replies"]["within_goal"] == 5
    scripts = {s["script"]: s for s in day["scripts"]}
    # the greeting was heard in the conversation that then asked for a person
    assert scripts["utter_greet"]["conversations"] == 1 and scripts["utter_greet"]["ended_with_person"] == 1
    assert scripts["utter_ask_rephrase"]["ended_with_person"] == 0
    assert plan["input"]["bot_resolution_rate"] == 0.5 and plan["measured_resolution_rate"] == 0.5
    assert len(plan["hours"]) == 8 and plan["hours"][0]["start"].endswith("11-10 18:00")
    assert bad_plan.status_code == 400 and "询单转化率" in bad_plan.json()["error"]


def test_reminders_and_the_payments_after_them_are_counted_on_the_day(redis_prefix):
    async def scenario():
        clock = Clock(at(10, 14, 0))
        store, service = open_service(redis_prefix, clock)
        stats = ShopStats(RedisDays(store.redis, redis_prefix, 3600), TZ, clock)
        service.scheduler.messages.outbound.stats = stats
        conv = new_conversation()
        await service.handle("order_created", order_body(conv, "ORD-dash-1"))
        clock.advance(minutes=15)
        assert await service.scheduler.run_once() == ["ORD-dash-1"]
        clock.advance(minutes=30)
        await service.handle("order_paid", {"order_id": "ORD-dash-1"})
        counts = await stats.day("2026-11-10")
        await store.close()
        return day_figures("2026-11-10", counts)

    reminders = {r["script"]: r for r in run(scenario())["reminders"]}
    assert (reminders[SCRIPT_SILENT]["sent"], reminders[SCRIPT_SILENT]["paid"]) == (1, 1)
    assert reminders[SCRIPT_SILENT]["name"] == "下单未咨询"
