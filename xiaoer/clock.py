"""The app's one clock: every "what time is it" in the bot asks here.

Agent hours, quiet hours, reminder delays, caps and waiting times all read ``now()``, so an
operator or a test run can move the whole bot in time without touching the machine's clock:
``XIAOER_CLOCK_OFFSET`` (seconds, may be negative) is added to the real time in every
process that inherits it. ``offset_to()`` computes one for a wanted shop-local time, and
``tools/at-shop-time`` runs any command (``make test``) at a chosen hour in the shop.
Parts that take a clock as a parameter use ``now`` as their default, so unit tests pass
their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time

OFFSET_ENV = "XIAOER_CLOCK_OFFSET"


@functools.cache
def offset() -> float:
    """Seconds added to the real time, read from the environment once per process."""
    raw = os.environ.get(OFFSET_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds, not {raw!r}") from None


def now() -> float:
    """Seconds since the epoch, as the bot sees them."""
    return time.time() + offset()


def offset_to(target: dt.datetime, real_now: float | None = None) -> float:
    """The offset that makes ``now()`` read ``target`` (an aware datetime) right now."""
    if target.tzinfo is None:
        raise ValueError("the target time needs a time zone (the shop's)")
    return target.timestamp() - (time.time() if real_now is None else real_now)


def today_at(clock_time: dt.time, tz: dt.tzinfo, real_now: float | None = None) -> dt.datetime:
    """Today's date (in ``tz``) at ``clock_time``: the instant a test or operator asks for."""
    today = dt.datetime.fromtimestamp(time.time() if real_now is None else real_now, tz).date()
    return dt.datetime.combine(today, clock_time, tzinfo=tz)
