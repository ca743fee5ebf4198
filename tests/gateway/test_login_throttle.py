"""Staff sign-in is throttled: too many failures per login or per client address get a 429
with Retry-After and no password check at all; counts live in Redis, shared by replicas;
password checks run off the event loop, a few at a time (real Redis, real ports).

Clients come from different loopback addresses (127.0.0.x) to be different addresses. No
test waits for a window to pass: it deletes the keys, or moves a clock it controls.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
import redis

from bot.app import create_app
from bot.config import Settings
from bot.infra.store import MemoryStore
from bot.infra.windows import Counter
from bot.staff.people import AgentDirectory
from bot.staff.throttle import LoginThrottle
from tests.conftest import REDIS_URL
from tests.gateway.fakes import ScriptedRasa
from tests.gateway.test_handoff_harness import AGENTS, PASSWORD, PausingRasa, gateways

WINDOW = Settings().login_window_s


def run(coroutine):
    return asyncio.run(coroutine)


class CountingDirectory(AgentDirectory):
    """The harness's agents, counting password checks and how many run at once, and where."""

    def __init__(self, slow: float = 0.0) -> None:
        super().__init__([AGENTS.get("demo"), AGENTS.get("ajie")])
        self.slow = slow
        self.checks = 0
        self.running = 0
        self.most_at_once = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def verify(self, login: str, password: str):
        with self._lock:
            self.checks += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.threads.add(threading.get_ident())
        try:
            time.sleep(self.slow)  # a longer hash, so that a burst overlaps
            return super().verify(login, password)
        finally:
            with self._lock:
                self.running -= 1


def counting(gateway, slow: float = 0.0) -> CountingDirectory:
    gateway.app.ctx.people = CountingDirectory(slow)
    return gateway.app.ctx.people


def client_from(gateway, address: str) -> httpx.AsyncClient:
    """A console client whose connections come from ``address`` (a loopback address)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=gateway.url, timeout=10, transport=transport, headers={"Origin": gateway.url})


async def sign_in(http: httpx.AsyncClient, login: str, password: str, area: str = "agent") -> httpx.Response:
    return await http.post(f"/{area}/api/login", json={"login": login, "password": password})


def failures(prefix: str, kind: str, name: str) -> tuple[int, int]:
    """A failure count in Redis and its time to live in seconds."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        key = f"{prefix}:login_failures:{kind}:{name}"
        return int(client.hget(key, "n") or 0), client.ttl(key)
    finally:
        client.close()


def forget(prefix: str) -> None:
    """The window passes (its keys expire), without waiting for it."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{prefix}:login_failures:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_five_wrong_passwords_pause_the_login_even_for_the_right_password(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            people = counting(gateway)
            async with client_from(gateway, "127.0.0.2") as attacker, client_from(gateway, "127.0.0.3") as colleague:
                wrong = [await sign_in(attacker, "demo", f"guess-{n}") for n in range(5)]
                checks_before = people.checks
                right_but_paused = await sign_in(attacker, "demo", PASSWORD)
                from_elsewhere_too = await sign_in(colleague, "demo", PASSWORD)
                on_the_workbench = await sign_in(attacker, "demo", PASSWORD, area="trainer")
                checks_while_paused = people.checks - checks_before
                other_login = await sign_in(colleague, "ajie", PASSWORD)
                stored = failures(redis_prefix, "login", "demo")
                forget(redis_prefix)
                after_the_window = await sign_in(attacker, "demo", PASSWORD)
            return wrong, right_but_paused, from_elsewhere_too, on_the_workbench, checks_while_paused, other_login, \
                stored, after_the_window

    wrong, paused, from_elsewhere, workbench, checks, other_login, stored, after = run(scenario())
    assert [r.status_code for r in wrong] == [401] * 5
    for response in (paused, from_elsewhere, workbench):
        assert response.status_code == 429, response.text
        assert 1 <= int(response.headers["retry-after"]) <= WINDOW
        assert response.json()["error"] == "这个账号登录失败次数太多，为保护账号已暂停登录，请 15 分钟后再试"
        assert "xiaoer_agent" not in response.headers.get("set-cookie", "")
    assert checks == 0, "a paused sign-in checks no password"
    assert other_login.status_code == 200, "another login from another address still signs in"
    count, ttl = stored
    assert count == 5 and 0 < ttl <= WINDOW
    assert after.status_code == 200, "once the window has passed, the right password works again"


def test_a_successful_sign_in_forgets_the_logins_failures(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            async with client_from(gateway, "127.0.0.4") as http:
                first = [(await sign_in(http, "demo", "typo-password")).status_code for _ in range(4)]
                right = await sign_in(http, "demo", PASSWORD)
                after_success = failures(redis_prefix, "login", "demo")
                second = [(await sign_in(http, "demo", "typo-again")).status_code for _ in range(5)]
                sixth = await sign_in(http, "demo", "typo-again")
            return first, right.status_code, after_success, second, sixth.status_code

    first, right, after_success, second, sixth = run(scenario())
    assert first == [401] * 4 and right == 200
    assert after_success == (0, -2), "the login's failure count is gone from Redis"
    assert second == [401] * 5, "a fresh allowance of five"
    assert sixth == 429


def test_twenty_failures_from_one_address_pause_that_address(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            people = counting(gateway)
            async with client_from(gateway, "127.0.0.5") as sprayer, client_from(gateway, "127.0.0.6") as agent:
                # four tries at each of five logins: under the per-login limit, twenty for the address
                spray = [(await sign_in(sprayer, f"user{n % 5}", f"guess-{n}")).status_code for n in range(20)]
                checks_before = people.checks
                paused = await sign_in(sprayer, "ajie", PASSWORD)
                checks_while_paused = people.checks - checks_before
                elsewhere = await sign_in(agent, "ajie", PASSWORD)
            return spray, paused, checks_while_paused, elsewhere, failures(redis_prefix, "addr", "127.0.0.5")

    spray, paused, checks, elsewhere, stored = run(scenario())
    assert spray == [401] * 20
    assert paused.status_code == 429 and checks == 0
    assert paused.json()["error"] == "您所在的网络登录失败次数太多，已暂停登录，请 15 分钟后再试"
    assert 1 <= int(paused.headers["retry-after"]) <= WINDOW
    assert elsewhere.status_code == 200, "the same login from another address signs in"
    assert stored[0] == 20 and 0 < stored[1] <= WINDOW


def test_replicas_share_the_counts_through_redis(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa(), count=2) as (first, second):
            people = counting(second)
            async with client_from(first, "127.0.0.7") as one, client_from(second, "127.0.0.7") as other:
                wrong = [(await sign_in(one, "ajie", f"guess-{n}")).status_code for n in range(5)]
                on_the_other_gateway = await sign_in(other, "ajie", PASSWORD)
            return wrong, on_the_other_gateway.status_code, people.checks

    wrong, other, checks = run(scenario())
    assert wrong == [401] * 5
    assert other == 429 and checks == 0, "the second gateway knew of the first one's failures"


def test_a_burst_of_wrong_passwords_is_checked_at_most_a_turn_past_the_limit(redis_prefix):
    """Attempts waiting for their turn are asked again when it comes: a burst of guesses gets
    no more checks than the limit plus the checks already running."""

    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            people = counting(gateway, slow=0.05)
            async with client_from(gateway, "127.0.0.9") as http:
                burst = await asyncio.gather(*[sign_in(http, "demo", f"guess-{n}") for n in range(12)])
            return [r.status_code for r in burst], people.checks

    statuses, checks = run(scenario())
    limit, running = Settings().login_max_per_login, Settings().login_hash_concurrency
    assert checks <= limit + running - 1, checks
    assert statuses.count(401) == checks and statuses.count(429) == 12 - checks


def test_a_burst_of_sign_ins_waits_its_turn_off_the_event_loop(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            people = counting(gateway, slow=0.1)
            async with client_from(gateway, "127.0.0.8") as http:
                burst = asyncio.gather(*[sign_in(http, "demo", PASSWORD) for _ in range(6)])
                await asyncio.sleep(0.05)
                health = await http.get("/health")  # the loop answers while passwords are checked
                answers = await burst
            return people, [r.status_code for r in answers], health.status_code, threading.get_ident()

    people, statuses, health, loop_thread = run(scenario())
    assert statuses == [200] * 6 and people.checks == 6
    assert people.most_at_once == 2, "at most XIAOER_LOGIN_HASH_CONCURRENCY checks at once"
    assert loop_thread not in people.threads, "checks run in worker threads"
    assert health == 200


def test_with_the_memory_store_the_counts_are_kept_in_the_process():
    """The same limits without Redis; the window passes on a clock the test moves."""
    now = [1000.0]
    throttle = LoginThrottle(max_per_login=5, max_per_address=20, window_s=900, clock=lambda: now[0])
    checks = []

    def verify():  # a wrong password, counted
        checks.append(1)

    async def scenario():
        wrong = [await throttle.check("demo", "10.0.0.1", verify) for _ in range(5)]
        refused, _ = await throttle.check("demo", "10.0.0.2", verify)
        now[0] += 600
        still, _ = await throttle.check("demo", "10.0.0.2", verify)
        other, _ = await throttle.check("ajie", "10.0.0.2", verify)
        now[0] += 300
        after, _ = await throttle.check("demo", "10.0.0.2", verify)
        return wrong, refused, still, other, after

    wrong, refused, still, other, after = run(scenario())
    assert wrong == [(None, None)] * 5
    assert refused.retry_after == 900 and "15 分钟" in refused.reason
    assert still.retry_after == 300 and "5 分钟" in still.reason
    assert other is None and after is None
    assert len(checks) == 7, "five failures, ajie, and demo after the window: never while paused"


def test_a_client_that_hangs_up_keeps_its_turn_until_its_check_ends():
    """Hanging up mid-check frees no turn (the hash still runs) and the failure still counts."""
    throttle = LoginThrottle(hash_concurrency=1)
    finish, started = threading.Event(), []

    def slow_wrong():
        started.append("demo")
        finish.wait(5)

    def quick_wrong():
        started.append("ajie")

    async def scenario():
        first = asyncio.create_task(throttle.check("demo", "10.0.0.1", slow_wrong))
        while not started:
            await asyncio.sleep(0.01)
        first.cancel()  # the client hung up
        second = asyncio.create_task(throttle.check("ajie", "10.0.0.2", quick_wrong))
        await asyncio.sleep(0.2)
        waited = list(started)
        finish.set()
        await second
        counted = await throttle.failures.tally(
            [Counter(throttle.failures.key("login_failures", "login", who), step=0) for who in ("demo", "ajie")], 900)
        return waited, [tally.count for tally in counted.tallies]

    waited, counts = run(scenario())
    assert waited == ["demo"], "the second check waited for the first hash to end"
    assert counts == [1, 1]


def test_a_gateway_on_the_memory_store_throttles_too():
    """`make run` without Redis: the same limits, counted in the gateway process."""
    now = [1000.0]
    settings = Settings(store="memory")
    people = CountingDirectory()
    app = create_app(settings, store=MemoryStore(), rasa=ScriptedRasa(), agents=people, name="throttle_memory")
    app.ctx.login_throttle = LoginThrottle.from_settings(settings, clock=lambda: now[0])
    client = app.test_client
    wrong = [client.post("/agent/api/login", json={"login": "demo", "password": f"guess-{n}"})[1].status
             for n in range(5)]
    checks_before = people.checks
    _, paused = client.post("/agent/api/login", json={"login": "demo", "password": PASSWORD})
    checks_while_paused = people.checks - checks_before
    now[0] += WINDOW  # the window passes
    _, after = client.post("/agent/api/login", json={"login": "demo", "password": PASSWORD})
    assert wrong == [401] * 5
    assert paused.status == 429 and paused.headers["retry-after"] == str(WINDOW) and checks_while_paused == 0
    assert after.status == 200


def test_the_limits_are_settings():
    settings = Settings.from_env({"XIAOER_LOGIN_MAX_PER_LOGIN": "3", "XIAOER_LOGIN_MAX_PER_ADDRESS": "50",
                                  "XIAOER_LOGIN_WINDOW_S": "60", "XIAOER_LOGIN_HASH_CONCURRENCY": "4"})
    throttle = LoginThrottle.from_settings(settings)
    assert (throttle.max_per_login, throttle.max_per_address, throttle.window_s,
            throttle.hash_concurrency) == (3, 50, 60, 4)
    defaults = Settings.from_env({})
    assert (defaults.login_max_per_login, defaults.login_max_per_address, defaults.login_window_s,
            defaults.login_hash_concurrency) == (5, 20, 900, 2)
    with pytest.raises(ValueError, match="XIAOER_LOGIN_HASH_CONCURRENCY must be at least 1"):
        Settings.from_env({"XIAOER_LOGIN_HASH_CONCURRENCY": "0"})
