"""The reminder rules as plain functions: quiet hours, the 24 h cap, which script."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.orders.reminders import (
    SCRIPT_CHATTED,
    SCRIPT_PROMOTION,
    SCRIPT_SILENT,
    cap_allows,
    release_time,
    reminder_script,
)
from xiaoer.shop import TimeWindow

TZ = ZoneInfo("Asia/Shanghai")
NIGHT = TimeWindow(dt.time(23, 0), dt.time(9, 0))
NOON = TimeWindow(dt.time(12, 0), dt.time(14, 0))  # a window that does not wrap midnight


def at(day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ).timestamp()


@pytest.mark.parametrize("due, quiet, expected", [
    (at(10, 14, 15), NIGHT, at(10, 14, 15)),  # daytime: as due
    (at(10, 8, 59), NIGHT, at(10, 9, 0)),  # early morning: at 09:00 the same day
    (at(10, 3, 0), NIGHT, at(10, 9, 0)),
    (at(10, 23, 0), NIGHT, at(11, 9, 0)),  # the window starts: next morning
    (at(10, 23, 50), NIGHT, at(11, 9, 0)),
    (at(10, 22, 59), NIGHT, at(10, 22, 59)),  # a minute before the window
    (at(10, 9, 0), NIGHT, at(10, 9, 0)),  # the window's end is not quiet
    (at(10, 12, 30), NOON, at(10, 14, 0)),
    (at(10, 11, 59), NOON, at(10, 11, 59)),
])
def test_release_time_holds_quiet_hours_until_they_end(due, quiet, expected):
    assert release_time(due, quiet, TZ) == expected


@pytest.mark.parametrize("sent, cap, allowed", [
    ([], 1, True),
    ([at(10, 10)], 1, False),  # one in the last 24 h, cap 1
    ([at(9, 9, 59)], 1, True),  # just over 24 h ago
    ([at(9, 10, 1)], 1, False),  # just under 24 h ago
    ([at(10, 10)], 2, True),
    ([at(10, 9), at(10, 9, 30)], 2, False),
    ([], 0, False),  # cap 0: reminders off
])
def test_cap_counts_the_last_24_hours(sent, cap, allowed):
    assert cap_allows(sent, at(10, 10, 0), cap) is allowed


@pytest.mark.parametrize("chatted, promotion, script", [
    (False, False, SCRIPT_SILENT),
    (True, False, SCRIPT_CHATTED),
    (False, True, SCRIPT_PROMOTION),
    (True, True, SCRIPT_PROMOTION),
])
def test_which_reminder(chatted, promotion, script):
    assert reminder_script(chatted, promotion) == script
