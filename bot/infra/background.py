"""Stopping the gateway's background loops (payment reminders, live events) so a shutdown
never hangs on one.

A loop is cancelled, and the cancel is sent again until the loop has ended: one cancel can be
lost. On Python 3.11, ``asyncio.wait_for`` returns its result and drops a cancel that lands
just as the awaited step finishes (CPython gh-86296, fixed in 3.12), and redis-py wraps
every socket write in one, so a loop cancelled as it sends a command or connects would carry
on (to its next round, or listening for ever), and a stop awaiting it would never return.
The wait is bounded too: a loop stuck in a call that ignores cancels is left behind, said in
the log, and the gateway stops without it.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

STOP_WAIT_S = 2.0  # how long a shutdown waits for one loop to end
RECANCEL_S = 0.05  # how often the cancel is sent again while the loop runs on


async def stop_task(task: asyncio.Task | None, what: str, wait_s: float = STOP_WAIT_S) -> bool:
    """Cancel ``task`` (``what`` it is, for the log) until it ends, at most ``wait_s``
    seconds; True when it ended. A cancel of the caller itself is not swallowed here."""
    if task is None:
        return True
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not task.done():
        left = deadline - loop.time()
        if left <= 0:
            log.error("%s did not stop within %g s; the gateway stops without it", what, wait_s)
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(RECANCEL_S, left))
    if not task.cancelled() and task.exception() is not None:
        log.error("%s had stopped on an error", what, exc_info=task.exception())
    return True
