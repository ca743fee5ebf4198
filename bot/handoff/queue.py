"""The hand-off queue: one case per conversation handed to a person, in Redis.

A case is ``waiting`` (in the queue), ``claimed`` (an agent has it) or ``closed`` (with an
outcome). The queue is a sorted set scored by priority, then by the time the case was
opened, so angry buyers and refunds come first and the rest in order of arrival.
Opening, claiming, escalating, releasing and closing are each one Lua script, so two
agents claiming the same case at once cannot both get it, on any number of gateways.

A case stays while it is open; a closed one expires after the shop's retention
(shop.yml's retention_days), and so does the log of closed cases, which keeps none older.

``MemoryCaseQueue`` is the single-process twin for `make run` without Redis. It keeps at most
``MEMORY_CASES`` cases: past that, the cases closed longest ago are dropped first. Open cases
are never dropped: buyers waiting for a person are kept even past the cap (with a warning in
the log), as the Redis queue keeps them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol

from bot.infra.store import StoreUnavailable
from xiaoer import clock as app_clock
from xiaoer.contract import URGENT_REASONS
from xiaoer.shop.model import DEFAULT_RETENTION_S

log = logging.getLogger(__name__)

URGENT, NORMAL = 0, 1
# Priority classes far apart in the score, so a later urgent case still comes first.
PRIORITY_SPAN = 1e10
CLOSED_KEPT = 10000  # closed cases kept for metrics and review
MEMORY_CASES = 10_000  # cases the memory queue keeps, as MemoryStore keeps conversations


def case_priority(reason: str, angry: bool = False) -> int:
    """Angry buyers and refunds over the limit first; everything else in arrival order."""
    return URGENT if angry or reason in URGENT_REASONS else NORMAL


def queue_score(priority: int, opened_at: float) -> float:
    return priority * PRIORITY_SPAN + opened_at


@dataclass
class Case:
    conversation_id: str
    reason: str
    priority: int = NORMAL
    angry: bool = False
    status: str = "waiting"
    opened_at: float = 0.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    summary: dict[str, Any] = field(default_factory=dict)
    agent: str = ""
    claimed_at: float = 0.0
    closed_at: float = 0.0
    outcome: str = ""
    notified_at: float = 0.0

    def as_hash(self) -> dict[str, str]:
        data = asdict(self)
        data["summary"] = json.dumps(self.summary, ensure_ascii=False)
        data["angry"] = "1" if self.angry else "0"
        return {k: str(v) for k, v in data.items()}

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> "Case":
        return cls(
            conversation_id=data["conversation_id"],
            reason=data.get("reason", ""),
            priority=int(data.get("priority", NORMAL)),
            angry=data.get("angry") == "1",
            status=data.get("status", "waiting"),
            opened_at=float(data.get("opened_at") or 0),
            id=data.get("id", ""),
            summary=json.loads(data.get("summary") or "{}"),
            agent=data.get("agent", ""),
            claimed_at=float(data.get("claimed_at") or 0),
            closed_at=float(data.get("closed_at") or 0),
            outcome=data.get("outcome", ""),
            notified_at=float(data.get("notified_at") or 0),
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class CaseQueue(Protocol):
    async def open(self, case: Case) -> tuple[Case, bool]: ...
    async def get(self, conversation_id: str) -> Case | None: ...
    async def position(self, conversation_id: str) -> int | None: ...
    async def waiting(self) -> list[Case]: ...
    async def claimed_by(self, agent: str) -> list[Case]: ...
    async def claim(self, conversation_id: str, agent: str) -> bool: ...
    async def escalate(self, conversation_id: str) -> bool: ...
    async def release(self, conversation_id: str, agent: str) -> bool: ...
    async def close(self, conversation_id: str, agent: str, outcome: str) -> Case | None: ...
    async def mark_notified(self, conversation_id: str, when: float) -> None: ...


# KEYS: case hash, queue. ARGV: conversation id, score, then the case's field/value pairs.
# A new case has no expiry: it lives while it is open (CLOSE sets one).
OPEN = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'waiting' or status == 'claimed' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
"""
# KEYS: case hash, queue, the agent's set. ARGV: conversation id, agent, time.
CLAIM = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'agent', ARGV[2], 'claimed_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""
# KEYS: case hash, queue. ARGV: conversation id, urgent priority, priority span.
ESCALATE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
local opened = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
redis.call('HSET', KEYS[1], 'priority', ARGV[2], 'angry', '1')
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) * tonumber(ARGV[3]) + opened, ARGV[1])
return 1
"""
# KEYS: case hash, queue, the agent's set. ARGV: conversation id, agent, priority span.
RELEASE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' or redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then
  return 0
end
local score = tonumber(redis.call('HGET', KEYS[1], 'priority')) * tonumber(ARGV[3])
  + tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
redis.call('HSET', KEYS[1], 'status', 'waiting', 'agent', '', 'claimed_at', '0')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], score, ARGV[1])
return 1
"""
# KEYS: case hash, the agent's set, closed log. ARGV: conversation id, agent, outcome, time,
# kept, retention (seconds). The closed case and the log expire after the retention, and the
# log drops its records closed longer ago than that (the oldest are at its right end).
CLOSE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' or redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then
  return false
end
redis.call('HSET', KEYS[1], 'status', 'closed', 'outcome', ARGV[3], 'closed_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('SREM', KEYS[2], ARGV[1])
local case = redis.call('HGETALL', KEYS[1])
local record = {}
for i = 1, #case, 2 do record[case[i]] = case[i + 1] end
redis.call('LPUSH', KEYS[3], cjson.encode(record))
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
local oldest_kept = tonumber(ARGV[4]) - tonumber(ARGV[6])
while true do
  local last = redis.call('LINDEX', KEYS[3], -1)
  if not last or (tonumber(cjson.decode(last)['closed_at']) or 0) >= oldest_kept then break end
  redis.call('RPOP', KEYS[3])
end
redis.call('EXPIRE', KEYS[3], ARGV[6])
return case
"""
# KEYS: case hash. ARGV: time. Only on a case that is there (never a bare hash without expiry).
NOTIFIED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'notified_at', ARGV[1])
return 1
"""


def _pairs(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2]))


class RedisCaseQueue:
    """Cases under ``{prefix}:case:{id}``, the queue at ``{prefix}:queue``."""

    def __init__(
        self, redis: Any, prefix: str, clock: Callable[[], float] = app_clock.now,
        retention_s: int = DEFAULT_RETENTION_S,
    ) -> None:
        import redis.exceptions as errors

        self._errors = (errors.ConnectionError, errors.TimeoutError, OSError)
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self.retention_s = int(retention_s)
        self._scripts = {
            name: redis.register_script(source)
            for name, source in {"open": OPEN, "claim": CLAIM, "escalate": ESCALATE,
                                 "release": RELEASE, "close": CLOSE, "notified": NOTIFIED}.items()
        }

    def _case_key(self, conversation_id: str) -> str:
        return f"{self.prefix}:case:{conversation_id}"

    @property
    def _queue_key(self) -> str:
        return f"{self.prefix}:queue"

    def _agent_key(self, agent: str) -> str:
        return f"{self.prefix}:agent:{agent}:cases"

    async def _call(self, coroutine: Any) -> Any:
        try:
            return await coroutine
        except self._errors as exc:
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return await self._call(self._scripts[name](keys=keys, args=args))

    async def open(self, case: Case) -> tuple[Case, bool]:
        """Queue a case; a conversation that already has an open case keeps it."""
        case.opened_at = case.opened_at or self.clock()
        fields = [item for pair in case.as_hash().items() for item in pair]
        opened = await self._run(
            "open", [self._case_key(case.conversation_id), self._queue_key],
            [case.conversation_id, queue_score(case.priority, case.opened_at), *fields],
        )
        if opened:
            return case, True
        existing = await self.get(case.conversation_id)
        return existing or case, False

    async def get(self, conversation_id: str) -> Case | None:
        data = await self._call(self.redis.hgetall(self._case_key(conversation_id)))
        return Case.from_hash(data) if data else None

    async def position(self, conversation_id: str) -> int | None:
        rank = await self._call(self.redis.zrank(self._queue_key, conversation_id))
        return None if rank is None else rank + 1

    async def _cases(self, ids: list[str]) -> list[Case]:
        pipe = self.redis.pipeline(transaction=False)
        for conversation_id in ids:
            pipe.hgetall(self._case_key(conversation_id))
        return [Case.from_hash(data) for data in await self._call(pipe.execute()) if data]

    async def waiting(self) -> list[Case]:
        return await self._cases(await self._call(self.redis.zrange(self._queue_key, 0, -1)))

    async def claimed_by(self, agent: str) -> list[Case]:
        ids = sorted(await self._call(self.redis.smembers(self._agent_key(agent))))
        cases = await self._cases(ids)
        return sorted((c for c in cases if c.status == "claimed" and c.agent == agent), key=lambda c: c.claimed_at)

    async def claim(self, conversation_id: str, agent: str) -> bool:
        keys = [self._case_key(conversation_id), self._queue_key, self._agent_key(agent)]
        return bool(await self._run("claim", keys, [conversation_id, agent, self.clock()]))

    async def escalate(self, conversation_id: str) -> bool:
        keys = [self._case_key(conversation_id), self._queue_key]
        return bool(await self._run("escalate", keys, [conversation_id, URGENT, PRIORITY_SPAN]))

    async def release(self, conversation_id: str, agent: str) -> bool:
        keys = [self._case_key(conversation_id), self._queue_key, self._agent_key(agent)]
        return bool(await self._run("release", keys, [conversation_id, agent, PRIORITY_SPAN]))

    async def close(self, conversation_id: str, agent: str, outcome: str) -> Case | None:
        keys = [self._case_key(conversation_id), self._agent_key(agent), f"{self.prefix}:cases:closed"]
        flat = await self._run(
            "close", keys, [conversation_id, agent, outcome, self.clock(), CLOSED_KEPT, self.retention_s])
        return Case.from_hash(_pairs(flat)) if flat else None

    async def mark_notified(self, conversation_id: str, when: float) -> None:
        await self._run("notified", [self._case_key(conversation_id)], [str(when)])


class MemoryCaseQueue:
    """The same queue in one process (each method runs without awaiting, so it is atomic).

    At most ``max_cases`` cases, open or closed, and as many in the log of closed cases;
    past the cap the case closed longest ago goes first. Open cases are never dropped, so
    more than ``max_cases`` buyers waiting or being served are all kept (and logged).
    """

    def __init__(self, clock: Callable[[], float] = app_clock.now, max_cases: int = MEMORY_CASES) -> None:
        self.clock = clock
        self.max_cases = max_cases
        self._cases: dict[str, Case] = {}
        self._closed_order: OrderedDict[str, None] = OrderedDict()  # closed cases, closed longest ago first
        self.closed: list[Case] = []
        self._over_cap = False

    async def open(self, case: Case) -> tuple[Case, bool]:
        existing = self._cases.get(case.conversation_id)
        if existing and existing.status in ("waiting", "claimed"):
            return existing, False
        case.opened_at = case.opened_at or self.clock()
        self._closed_order.pop(case.conversation_id, None)  # its closed case is replaced
        self._cases[case.conversation_id] = case
        self._keep_to_cap()
        return case, True

    def _keep_to_cap(self) -> None:
        while len(self._cases) > self.max_cases and self._closed_order:
            oldest, _ = self._closed_order.popitem(last=False)
            del self._cases[oldest]
        over = len(self._cases) > self.max_cases
        if over and not self._over_cap:
            log.warning("the memory hand-off queue has %d open cases, more than its cap of %d: all are "
                        "kept (open cases are never dropped); use the Redis store for this load",
                        len(self._cases), self.max_cases)
        self._over_cap = over

    async def get(self, conversation_id: str) -> Case | None:
        return self._cases.get(conversation_id)

    def _queue(self) -> list[Case]:
        waiting = [c for c in self._cases.values() if c.status == "waiting"]
        return sorted(waiting, key=lambda c: queue_score(c.priority, c.opened_at))

    async def position(self, conversation_id: str) -> int | None:
        ids = [c.conversation_id for c in self._queue()]
        return ids.index(conversation_id) + 1 if conversation_id in ids else None

    async def waiting(self) -> list[Case]:
        return self._queue()

    async def claimed_by(self, agent: str) -> list[Case]:
        mine = [c for c in self._cases.values() if c.status == "claimed" and c.agent == agent]
        return sorted(mine, key=lambda c: c.claimed_at)

    async def claim(self, conversation_id: str, agent: str) -> bool:
        case = self._cases.get(conversation_id)
        if not case or case.status != "waiting":
            return False
        case.status, case.agent, case.claimed_at = "claimed", agent, self.clock()
        return True

    async def escalate(self, conversation_id: str) -> bool:
        case = self._cases.get(conversation_id)
        if not case or case.status != "waiting":
            return False
        case.priority, case.angry = URGENT, True
        return True

    async def release(self, conversation_id: str, agent: str) -> bool:
        case = self._cases.get(conversation_id)
        if not case or case.status != "claimed" or case.agent != agent:
            return False
        case.status, case.agent, case.claimed_at = "waiting", "", 0.0
        return True

    async def close(self, conversation_id: str, agent: str, outcome: str) -> Case | None:
        case = self._cases.get(conversation_id)
        if not case or case.status != "claimed" or case.agent != agent:
            return None
        case.status, case.outcome, case.closed_at = "closed", outcome, self.clock()
        self._closed_order[conversation_id] = None
        self.closed.insert(0, case)
        del self.closed[min(CLOSED_KEPT, self.max_cases):]
        self._keep_to_cap()
        return case

    async def mark_notified(self, conversation_id: str, when: float) -> None:
        if conversation_id in self._cases:
            self._cases[conversation_id].notified_at = when
