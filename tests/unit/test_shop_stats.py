"""The shop's day counts without Redis: which bar a duration falls in, which shop day and hour
an event counts on, and the dashboard's figures of a day with nothing in it."""

import asyncio
import datetime as dt

import pytest

from bot.infra.shop_stats import LATENCY_EDGES, WAIT_EDGES, ShopStats, bucket
from bot.ops.dashboard import day_figures, plan_input
from xiaoer.staffing import PlanError

SHOP_TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("seconds, bar", [(0.2, "le1"), (1, "le1"), (1.01, "le3"), (30, "le30"), (30.5, "over")])
def test_a_reply_time_falls_in_the_bar_of_its_upper_end(seconds, bar):
    assert bucket(seconds, LATENCY_EDGES) == bar


def test_a_wait_of_a_whole_hour_is_past_the_last_bar():
    assert bucket(3600, WAIT_EDGES) == "over" and bucket(59, WAIT_EDGES) == "le60"


def test_events_count_on_the_shops_day_and_hour_not_the_servers():
    # 16:30 UTC is 00:30 the next day in the shop
    late = dt.datetime(2026, 11, 10, 16, 30, tzinfo=dt.timezone.utc).timestamp()
    stats = ShopStats(tz=SHOP_TZ, clock=lambda: late)

    async def scenario():
        await stats.buyer_message("buyer-1")
        await stats.buyer_message("buyer-1")
        await stats.buyer_message("buyer-2")
        await stats.handed_off("buyer-2", "buyer_asked", ["utter_greet"])
        await stats.handed_off("buyer-2", "complaint", ["utter_greet"])  # a second case: one conversation
        return await stats.day("2026-11-11"), await stats.day("2026-11-10")

    day, before = asyncio.run(scenario())
    assert before == {}
    figures = day_figures("2026-11-11", day)
    assert (figures["conversations"], figures["messages"], figures["handed_off"]) == (2, 3, 1)
    assert figures["hours"][0] == {"hour": 0, "messages": 3, "conversations": 2, "handoffs": 2}
    assert {r["reason"]: r["count"] for r in figures["handoffs_by_reason"]} == {"buyer_asked": 1, "complaint": 1}


def test_a_day_with_nothing_in_it_has_no_rates_and_no_errors():
    figures = day_figures("2026-11-11", {})
    assert figures["conversations"] == 0
    assert figures["bot_resolution_rate"] is None and figures["fallback_rate"] is None
    assert figures["replies"]["rate"] is None and figures["waits"]["average_s"] is None
    assert figures["scripts"] == [] and len(figures["hours"]) == 24


@pytest.mark.parametrize("args, words", [
    ({"expected_sales": "很多"}, "预计销售额要填数字"),
    ({"chat_share": "nan"}, "客服销售占比要填数字"),
    ({"hours": "2.5"}, "整数"),
    ({"start": "双11"}, "开始时间"),
])
def test_the_planners_query_says_which_field_is_wrong(args, words):
    with pytest.raises(PlanError, match=words):
        plan_input(args, 0.5, dt.datetime(2026, 6, 1, 14, tzinfo=SHOP_TZ))
