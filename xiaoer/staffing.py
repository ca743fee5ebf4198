"""How many agents each hour of a big sale needs (seed 002, 双11客服值班人数推算).

The seed's reckoning of the chats a sale brings::

    店铺销售额 × 客服销售占比 = 客服销售额          (sales made through chat)
    客服销售额 ÷ 客服客单价   = 客服销售人数        (buyers who bought after chatting)
    客服销售人数 ÷ 询单转化率 = 售前客服总接待量    (chats: not every chat buys)

The bot answers its share of those chats alone (its measured resolution rate); the rest go to
people, each of whom takes a number of chats an hour (客服飽和接待量). The chats are spread
over the hours of the peak by :data:`HOUR_WEIGHTS`: the seed says chats rise from 18:00 on
10 November and peak from 20:00 into the small hours of the 11th, with many times the usual
load right after midnight, when Double 11 opens. The seed gives that shape, not numbers: the
weights are ours, relative to one another only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

# Each hour's share of the window's chats, relative to one another (the hour it starts at).
HOUR_WEIGHTS = {18: 0.5, 19: 0.75, 20: 1.0, 21: 1.0, 22: 1.0, 23: 1.0, 0: 1.5, 1: 1.0}
OTHER_HOURS = 0.5  # the rest of the day is quieter (the seed schedules rest then)
PEAK_START = (11, 10, 18)  # month, day, hour: 10 November 18:00
PEAK_HOURS = 8  # to 11 November 02:00
MAX_HOURS = 72


class PlanError(ValueError):
    """An input the planner cannot use; the message says which and why (Chinese, for the page)."""


@dataclass(frozen=True)
class PlanInput:
    expected_sales: float  # 预计店铺销售额, yuan, over the window
    chat_share: float  # 客服销售占比: share of the sales made through chat, 0-1
    average_order_value: float  # 客服客单价, yuan
    conversion_rate: float  # 询单转化率: share of chats that buy, 0-1
    bot_resolution_rate: float  # share of chats the bot closes without a person, 0-1
    chats_per_agent_hour: float  # chats one agent handles in an hour
    start: dt.datetime  # the window's first hour (shop-local)
    hours: int = PEAK_HOURS


@dataclass(frozen=True)
class HourPlan:
    start: dt.datetime
    chats: float  # all chats of the hour
    to_people: float  # of those, the ones a person answers
    agents: int  # people needed that hour


@dataclass(frozen=True)
class Plan:
    expected_chats: float
    to_people: float
    hours: tuple[HourPlan, ...]

    @property
    def peak_agents(self) -> int:
        return max((h.agents for h in self.hours), default=0)


def default_start(year: int, tz: dt.tzinfo) -> dt.datetime:
    month, day, hour = PEAK_START
    return dt.datetime(year, month, day, hour, tzinfo=tz)


def expected_chats(expected_sales: float, chat_share: float, average_order_value: float,
                   conversion_rate: float) -> float:
    """Seed 002's three steps: sales through chat, buyers after chatting, then all chats."""
    return expected_sales * chat_share / average_order_value / conversion_rate


def check(given: PlanInput) -> None:
    def share(value: float, name: str, zero_ok: bool = True) -> None:
        if not (0 <= value <= 1) or (value == 0 and not zero_ok):
            low = "0" if zero_ok else "大于0"
            raise PlanError(f"{name}要在{low}到100%之间")

    if given.expected_sales < 0:
        raise PlanError("预计销售额不能是负数")
    share(given.chat_share, "客服销售占比")
    share(given.conversion_rate, "询单转化率", zero_ok=False)
    share(given.bot_resolution_rate, "机器人独立解决率")
    if given.average_order_value <= 0:
        raise PlanError("客单价要大于0")
    if given.chats_per_agent_hour <= 0:
        raise PlanError("每位客服每小时接待量要大于0")
    if not 1 <= given.hours <= MAX_HOURS:
        raise PlanError(f"时段要在1到{MAX_HOURS}小时之间")


def plan(given: PlanInput) -> Plan:
    """The chats of each hour of the window and the agents each hour needs (rounded up)."""
    check(given)
    chats = expected_chats(given.expected_sales, given.chat_share, given.average_order_value,
                           given.conversion_rate)
    starts = [given.start + dt.timedelta(hours=n) for n in range(given.hours)]
    weights = [HOUR_WEIGHTS.get(start.hour, OTHER_HOURS) for start in starts]
    total = sum(weights)
    hours = []
    for start, weight in zip(starts, weights, strict=True):
        hour_chats = chats * weight / total
        to_people = hour_chats * (1 - given.bot_resolution_rate)
        # a float like 3.0000000001 is three agents, not four
        agents = math.ceil(round(to_people / given.chats_per_agent_hour, 6))
        hours.append(HourPlan(start, hour_chats, to_people, agents))
    return Plan(chats, chats * (1 - given.bot_resolution_rate), tuple(hours))
