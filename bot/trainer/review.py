"""What the bot did not understand, or understood without confidence, for trainers to review.

The NLG renderer shows every reply to the recorder. A buyer message goes on a capped list
(Redis when the store is Redis, else memory) when the bot answered it with a "not
understood" script (``REVIEW_SCRIPTS``), or answered it with less than ``LOW_CONFIDENCE``
in its intent: real traffic the model has not learnt yet. Each item keeps the seller's turn
before it (what the message may be answering). A trainer picks the right intent and the
message becomes a training example (bot/trainer/training_file.py); the item leaves the list.

An item is buyer's text, so it is kept as long as the shop keeps buyers' data (shop.yml's
retention_days) and no longer: an item older than that is dropped when the list is written
or read, and the Redis list itself expires that long after its newest item.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import uuid
from typing import Any, Callable

from xiaoer import clock as app_clock
from xiaoer.shop.model import DEFAULT_RETENTION_S

log = logging.getLogger(__name__)

REVIEW_SCRIPTS = frozenset({"utter_ask_rephrase", "utter_out_of_scope", "utter_handoff_after_failures"})
# Answered, but unsure: below this intent confidence a message goes to the trainers too. On
# the real buyers' dev split, answers at 0.35-0.5 were right 48% of the time (65 of 600
# messages), at 0.5-0.7 51% (129), from 0.7 on 76%: 0.5 keeps the list to the coin flips.
LOW_CONFIDENCE = 0.5
REVIEW_LIMIT = 500

# KEYS[1]: a list of JSON records, newest first. ARGV: the field holding each record's time,
# the cutoff. Drops from the old end every record from before the cutoff (one without a
# readable time too: its age is unknown); returns how many went. Also trims the log of
# closed cases the same way in tools/apply_retention.py.
DROP_BEFORE = """
local dropped = 0
while true do
  local last = redis.call('LINDEX', KEYS[1], -1)
  if not last then break end
  local ok, record = pcall(cjson.decode, last)
  local time = ok and type(record) == 'table' and tonumber(record[ARGV[1]]) or 0
  if time >= tonumber(ARGV[2]) then break end
  redis.call('RPOP', KEYS[1])
  dropped = dropped + 1
end
return dropped
"""


def review_key(prefix: str) -> str:
    """The Redis list of review items under a key prefix."""
    return f"{prefix}:review:pending"


class ReviewRecorder:
    """A capped list of review items, newest first: Redis when given, else this process's memory.

    Items older than ``retention_s`` (by ``clock``, the app's clock) are dropped."""

    def __init__(
        self, redis: Any | None = None, prefix: str = "xiaoer", limit: int = REVIEW_LIMIT,
        retention_s: int = DEFAULT_RETENTION_S, clock: Callable[[], float] = app_clock.now,
    ) -> None:
        self.redis = redis
        self.key = review_key(prefix)
        self.limit = limit
        self.retention_s = int(retention_s)
        self.clock = clock
        self._memory: collections.deque[str] = collections.deque(maxlen=limit)
        self._drop_before = redis.register_script(DROP_BEFORE) if redis is not None else None

    async def record(self, script_id: str, tracker: dict[str, Any]) -> dict[str, Any] | None:
        """Keep the buyer's latest message when the reply says it was not understood, or
        when the bot was unsure of it."""
        latest = tracker.get("latest_message") or {}
        text = str(latest.get("text") or "").strip()
        intent = latest.get("intent") or {}
        confidence = _number(intent.get("confidence"))
        unsure = confidence is not None and confidence < LOW_CONFIDENCE
        if not text or not (script_id in REVIEW_SCRIPTS or unsure):
            return None
        item = {
            "id": uuid.uuid4().hex,
            "text": text[:2000],
            "intent": str(intent.get("name") or ""),
            "confidence": confidence,
            "conversation_id": str(tracker.get("sender_id") or ""),
            "script_id": script_id,
            "why": "not_understood" if script_id in REVIEW_SCRIPTS else "unsure",
            "previous": previous_turn(tracker.get("events") or [])[:300],
            "time": self.clock(),
        }
        newest = (await self._raw(0, 0)) or [None]
        if newest[0]:
            last = json.loads(newest[0])
            if last.get("conversation_id") == item["conversation_id"] and last.get("text") == text:
                return None  # two replies to the same message
        raw = json.dumps(item, ensure_ascii=False)
        if self.redis is None:
            self._memory.appendleft(raw)
        else:
            pipe = self.redis.pipeline(transaction=True)
            pipe.lpush(self.key, raw)
            pipe.ltrim(self.key, 0, self.limit - 1)
            await self._drop_old(pipe)
            pipe.expire(self.key, self.retention_s)  # the newest item is this one
            await pipe.execute()
        return item

    async def items(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self._raw(0, -1)]

    async def find(self, item_id: str) -> dict[str, Any] | None:
        return next((item for item in await self.items() if item.get("id") == item_id), None)

    async def done(self, item_id: str) -> bool:
        """Take the item off the list; False when it is gone already."""
        for raw in await self._raw(0, -1):
            if json.loads(raw).get("id") == item_id:
                if self.redis is None:
                    with contextlib.suppress(ValueError):
                        self._memory.remove(raw)
                        return True
                    return False
                return bool(await self.redis.lrem(self.key, 1, raw))
        return False

    def _cutoff(self) -> float:
        return self.clock() - self.retention_s

    async def _drop_old(self, pipe: Any) -> None:
        """Queue on a Redis transaction the dropping of the items older than the retention."""
        await self._drop_before(keys=[self.key], args=["time", self._cutoff()], client=pipe)

    async def _raw(self, start: int, end: int) -> list[str]:
        """Items ``start`` to ``end`` (inclusive, -1: the last), newest first, once the old are gone."""
        if self.redis is None:
            cutoff = self._cutoff()
            while self._memory and _time(self._memory[-1]) < cutoff:
                self._memory.pop()
            items = list(self._memory)
            return items[start:] if end == -1 else items[start:end + 1]
        pipe = self.redis.pipeline(transaction=True)
        await self._drop_old(pipe)
        pipe.lrange(self.key, start, end)
        return (await pipe.execute())[-1]


def previous_turn(events: list[dict[str, Any]]) -> str:
    """What the bot said just before the buyer's latest message (its messages joined)."""
    said: list[str] = []
    seen_latest = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                break
            seen_latest = True
        elif kind == "bot" and seen_latest and event.get("text"):
            said.insert(0, str(event["text"]))
    return " / ".join(said)


def _time(raw: str) -> float:
    """When an item was recorded; 0 when it does not say (its age is unknown: it goes)."""
    try:
        return float(json.loads(raw).get("time") or 0)
    except (TypeError, ValueError, AttributeError):
        return 0.0


def _number(value: Any) -> float | None:
    try:
        return round(float(value), 4)
    except (TypeError, ValueError):
        return None
