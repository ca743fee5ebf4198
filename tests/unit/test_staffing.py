"""The staffing planner of seed 002, without the web."""

import datetime as dt

import pytest

from xiaoer.staffing import (
    HOUR_WEIGHTS,
    PlanError,
    PlanInput,
    default_start,
    expected_chats,
    plan,
)

SHOP_TZ = dt.timezone(dt.timedelta(hours=8))


def peak(**changes) -> PlanInput:
    given = dict(expected_sales=300_000, chat_share=0.3, average_order_value=150, conversion_rate=0.5,
                 bot_resolution_rate=0.6, chats_per_agent_hour=20, start=default_start(2026, SHOP_TZ))
    return PlanInput(**{**given, **changes})


def test_expected_chats_follow_the_seeds_three_steps():
    # 300,000 yuan × 30% through chat = 90,000; ÷ 150 a buyer = 600 buyers; ÷ 50% conversion = 1,200 chats
    assert expected_chats(300_000, 0.3, 150, 0.5) == pytest.approx(1200)


def test_the_default_window_is_10_november_18_00_to_11_november_02_00():
    hours = [h.start for h in plan(peak()).hours]
    assert hours[0] == dt.datetime(2026, 11, 10, 18, tzinfo=SHOP_TZ)
    assert hours[-1] + dt.timedelta(hours=1) == dt.datetime(2026, 11, 11, 2, tzinfo=SHOP_TZ)


def test_agents_per_hour_from_the_chats_people_answer():
    result = plan(peak())
    assert result.expected_chats == pytest.approx(1200)
    assert result.to_people == pytest.approx(480)  # the bot closes 60% alone
    # the weights add to 7.75; midnight has 1.5 of them: 1200 × 1.5/7.75 ≈ 232 chats, 40% to people ≈ 93,
    # at 20 an hour: 5 agents; 18:00 has 0.5: ≈ 77 chats, 31 to people: 2 agents
    by_hour = {h.start.hour: h for h in result.hours}
    assert sum(HOUR_WEIGHTS.values()) == 7.75
    assert by_hour[0].chats == pytest.approx(1200 * 1.5 / 7.75)
    assert by_hour[0].agents == 5
    assert by_hour[18].agents == 2
    assert by_hour[20].agents == 4  # 1200/7.75 × 0.4 ≈ 61.9 → 3.1 agents → 4
    assert result.peak_agents == 5
    assert sum(h.chats for h in result.hours) == pytest.approx(1200)


def test_a_bot_that_resolves_more_needs_fewer_people():
    assert plan(peak(bot_resolution_rate=0.9)).peak_agents < plan(peak(bot_resolution_rate=0.3)).peak_agents
    assert all(h.agents == 0 for h in plan(peak(bot_resolution_rate=1)).hours)


def test_an_exact_number_of_agents_is_not_rounded_up_past_itself():
    # 8 hours of equal weight (from 20:00 to 04:00, midnight 1.5 aside) would blur it: take one hour
    one = plan(peak(start=dt.datetime(2026, 11, 10, 20, tzinfo=SHOP_TZ), hours=1, expected_sales=60_000,
                    bot_resolution_rate=0))  # 240 chats, all to people, 20 an hour: 12 agents
    assert one.hours[0].agents == 12


@pytest.mark.parametrize("change, words", [
    ({"conversion_rate": 0}, "询单转化率"),
    ({"chat_share": 1.5}, "客服销售占比"),
    ({"average_order_value": 0}, "客单价"),
    ({"chats_per_agent_hour": -1}, "接待量"),
    ({"hours": 0}, "时段"),
    ({"expected_sales": -5}, "销售额"),
])
def test_bad_inputs_are_named(change, words):
    with pytest.raises(PlanError, match=words):
        plan(peak(**change))
