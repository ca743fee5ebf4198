"""Staff sessions live on the server (Redis, or the process with the memory store): signing
out, removing a person from agents.yml or changing their password ends them at once; the
signing secret comes from the environment in production; the cookie is Secure over https,
believed from a proxy only when one is trusted; the reminder metrics need a session.
Real gateways on real ports and the real Redis (tests/gateway/test_handoff_harness.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
import yaml

from bot.app import create_app
from bot.config import ROOT, ConfigError, Settings
from bot.staff.people import Agent, AgentDirectory, add_agent, hash_password
from bot.staff.sessions import MAX_AGE, MemorySessionStore, StaffSession
from tests.conftest import REDIS_URL
from tests.gateway.test_handoff_harness import PASSWORD, Gateway, PausingRasa
from tools import demo_orders
from tools.stack import free_port

COOKIE = "xiaoer_agent"
SECRET = "a-test-session-secret-of-more-than-32-characters"
PEOPLE = AgentDirectory([
    Agent("demo", "小美", hash_password(PASSWORD)),
    Agent("coach", "训练师", hash_password(PASSWORD), ("trainer",)),
])


def run(coroutine):
    return asyncio.run(coroutine)


class StaffGateway(Gateway):
    """The harness's gateway with its own people and settings."""

    def __init__(self, prefix: str, people: AgentDirectory = PEOPLE, **settings) -> None:
        super().__init__(prefix, PausingRasa())
        self.people = people
        self.settings = settings

    async def start(self) -> "StaffGateway":
        settings = Settings(port=self.port, store=self.settings.pop("store", "redis"), redis_url=REDIS_URL,
                            key_prefix=self.prefix, **self.settings)
        self.app = create_app(settings, rasa=self.rasa, tracker_api=self.rasa, agents=self.people,
                              name=f"st_{uuid.uuid4().hex[:8]}")
        server = await self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                              access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._server = server
        return self

    async def sign_in(self, login: str = "demo", password: str = PASSWORD, area: str = "agent", **headers):
        http = self.client(headers={"Origin": self.url, **headers})
        response = await http.post(f"/{area}/api/login", json={"login": login, "password": password})
        return http, response


async def me(gateway: Gateway, cookie: str, area: str = "agent") -> int:
    """What a request carrying only this cookie (a copy of someone's) gets."""
    async with gateway.client(headers={"Origin": gateway.url}, cookies={COOKIE: cookie}) as http:
        return (await http.get(f"/{area}/api/me")).status_code


def session_keys(prefix: str) -> list[str]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return list(client.scan_iter(f"{prefix}:staff_session:*"))
    finally:
        client.close()


def test_a_copied_cookie_stops_working_after_logout(redis_prefix):
    async def scenario():
        gateway = await StaffGateway(redis_prefix).start()
        try:
            http, signed = await gateway.sign_in()
            assert signed.status_code == 200
            copy = http.cookies[COOKIE]
            before = await me(gateway, copy), await me(gateway, copy, "trainer")
            keys = session_keys(redis_prefix)
            await http.post("/agent/api/logout")
            after = await me(gateway, copy)
            await http.aclose()
            return before, keys, after, session_keys(redis_prefix)
        finally:
            await gateway.stop()

    before, keys, after, keys_after = run(scenario())
    assert before == (200, 403), "the session works (and the agent is no trainer)"
    assert after == 401, "the copy of the cookie works no longer"
    assert len(keys) == 1 and keys_after == [], "the session was in Redis, and is no more"


def test_the_memory_store_ends_sessions_in_the_process_too(redis_prefix):
    async def scenario():
        gateway = await StaffGateway(redis_prefix, store="memory").start()
        try:
            http, _ = await gateway.sign_in()
            copy = http.cookies[COOKIE]
            before = await me(gateway, copy)
            await http.post("/agent/api/logout")
            await http.aclose()
            return before, await me(gateway, copy), session_keys(redis_prefix)
        finally:
            await gateway.stop()

    assert run(scenario()) == (200, 401, [])


def test_memory_sessions_expire_with_the_cookie():
    now = [1000.0]
    store = MemorySessionStore(clock=lambda: now[0])
    session = StaffSession("sid-1", "demo", "agent", 0, "stamp")

    async def scenario():
        await store.put(session, MAX_AGE)
        found = await store.get("sid-1")
        now[0] += MAX_AGE + 1
        return found, await store.get("sid-1")

    assert run(scenario()) == (session, None)


def without(path: Path, login: str) -> None:
    """agents.yml without one person, as someone editing it by hand would leave it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["agents"] = [entry for entry in data["agents"] if entry["login"] != login]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_removing_an_agent_from_the_file_ends_their_sessions_without_a_restart(redis_prefix, tmp_path):
    path = tmp_path / "agents.yml"
    add_agent(path, "xiaomei", "小美", "xiaomei-password")
    add_agent(path, "ajie", "阿杰", "ajie-password", ["agent", "trainer"])

    async def scenario():
        gateway = await StaffGateway(redis_prefix, AgentDirectory.load(path)).start()
        try:
            xiaomei, _ = await gateway.sign_in("xiaomei", "xiaomei-password")
            ajie, _ = await gateway.sign_in("ajie", "ajie-password", area="trainer")
            cookies = xiaomei.cookies[COOKIE], ajie.cookies[COOKIE]
            await xiaomei.aclose()
            await ajie.aclose()
            before = [await me(gateway, c) for c in cookies]

            without(path, "xiaomei")
            removed = [await me(gateway, c) for c in cookies]
            keys_after_removal = len(session_keys(redis_prefix))
            sign_in_again = (await gateway.sign_in("xiaomei", "xiaomei-password"))[1].status_code

            # added again (a new hash): the old cookie stays dead, a new sign-in works
            add_agent(path, "xiaomei", "小美", "xiaomei-password")
            added_back = await me(gateway, cookies[0]), (await gateway.sign_in("xiaomei", "xiaomei-password"))[1].status_code

            # a new password ends the sessions of the old one
            add_agent(path, "ajie", "阿杰", "ajie-new-password")
            new_password = await me(gateway, cookies[1], "trainer")
            return before, removed, keys_after_removal, sign_in_again, added_back, new_password
        finally:
            await gateway.stop()

    before, removed, keys_after_removal, sign_in_again, added_back, new_password = run(scenario())
    assert before == [200, 200]
    assert removed == [401, 200], "only the removed agent is signed out"
    assert keys_after_removal == 1, "the removed agent's session is deleted"
    assert sign_in_again == 401
    assert added_back == (401, 200)
    assert new_password == 401


def test_a_broken_agents_file_lets_nobody_in_until_it_is_fixed(redis_prefix, tmp_path):
    path = tmp_path / "agents.yml"
    add_agent(path, "xiaomei", "小美", "xiaomei-password")

    async def scenario():
        gateway = await StaffGateway(redis_prefix, AgentDirectory.load(path)).start()
        try:
            http, _ = await gateway.sign_in("xiaomei", "xiaomei-password")
            good = path.read_text(encoding="utf-8")
            path.write_text("agents: [not: [closed", encoding="utf-8")
            broken = (await http.get("/agent/api/me")).status_code
            path.write_text(good, encoding="utf-8")
            fixed = (await gateway.sign_in("xiaomei", "xiaomei-password"))[1].status_code
            await http.aclose()
            return broken, fixed
        finally:
            await gateway.stop()

    assert run(scenario()) == (401, 200)


def test_sessions_live_in_redis_under_the_prefix(redis_prefix):
    other_prefix = f"xiaoertest{uuid.uuid4().hex[:10]}"

    async def scenario():
        # the same secret everywhere, so only where the session is kept tells them apart
        first = await StaffGateway(redis_prefix, session_secret=SECRET).start()
        second = await StaffGateway(redis_prefix, session_secret=SECRET).start()
        elsewhere = await StaffGateway(other_prefix, session_secret=SECRET).start()
        try:
            http, _ = await first.sign_in()
            cookie = http.cookies[COOKIE]
            await http.aclose()
            stored = redis.Redis.from_url(REDIS_URL, decode_responses=True)
            [key] = session_keys(redis_prefix)
            record, ttl = stored.hgetall(key), stored.ttl(key)
            stored.close()
            return await me(second, cookie), await me(elsewhere, cookie), key, record, ttl
        finally:
            for gateway in (first, second, elsewhere):
                await gateway.stop()

    try:
        on_the_replica, on_another_prefix, key, record, ttl = run(scenario())
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key_left in client.scan_iter(f"{other_prefix}:*"):
            client.delete(key_left)
        client.close()
    assert on_the_replica == 200 and on_another_prefix == 401
    assert key.startswith(f"{redis_prefix}:staff_session:")
    assert record["login"] == "demo" and record["role"] == "agent" and int(record["created"]) > 0
    assert MAX_AGE - 60 < ttl <= MAX_AGE


def start_in_production(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XIAOER_")}
    env.update({"XIAOER_ENV": "production", "PORT": str(free_port()), "XIAOER_STORE": "memory",
                "XIAOER_INTERNAL_TOKEN": "token", **extra})
    return subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("secret", [None, "too-short-a-secret"])
def test_production_refuses_to_start_without_a_long_session_secret(secret):
    started = start_in_production({"XIAOER_SESSION_SECRET": secret} if secret else {})
    assert started.returncode != 0
    assert "XIAOER_ENV=production needs XIAOER_SESSION_SECRET, at least 32" in started.stderr


def test_the_production_secret_is_the_configured_one_and_the_demo_makes_one(redis_prefix):
    with pytest.raises(ConfigError, match="XIAOER_ENV must be one of"):
        Settings.from_env({"XIAOER_ENV": "prod"})
    assert Settings.from_env({"XIAOER_ENV": "production", "XIAOER_SESSION_SECRET": SECRET}).production
    assert not Settings.from_env({}).production and Settings.from_env({}).session_secret == ""

    async def scenario():
        demo = await StaffGateway(redis_prefix).start()
        production = await StaffGateway(redis_prefix, environment="production", session_secret=SECRET).start()
        try:
            http, _ = await demo.sign_in()
            cookie = http.cookies[COOKIE]
            await http.aclose()
            # the demo's made secret (kept in Redis) is not the production one
            return await me(demo, cookie), await me(production, cookie)
        finally:
            await demo.stop()
            await production.stop()

    assert run(scenario()) == (200, 401)


def set_cookie(response) -> str:
    return response.headers["set-cookie"].lower()


def test_the_cookie_is_secure_over_https_and_a_proxy_is_believed_only_when_trusted(redis_prefix):
    assert Settings.from_env({"XIAOER_TRUST_PROXY": "1"}).trust_proxy == 1
    with pytest.raises(ConfigError, match="XIAOER_TRUST_PROXY"):
        Settings.from_env({"XIAOER_TRUST_PROXY": "yes"})
    from_proxy = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}

    async def scenario():
        trusting = await StaffGateway(redis_prefix, trust_proxy=1).start()
        plain = await StaffGateway(redis_prefix).start()
        try:
            results = {}
            for name, gateway, headers in [
                ("trusted proxy", trusting, from_proxy),
                ("trusted proxy, proto only", trusting, {"X-Forwarded-Proto": "https"}),
                ("trusted proxy over http", trusting, {**from_proxy, "X-Forwarded-Proto": "http"}),
                ("untrusted", plain, from_proxy),
                ("direct", plain, {}),
            ]:
                http, response = await gateway.sign_in(**headers)
                assert response.status_code == 200, (name, response.text)
                await http.aclose()
                results[name] = "secure" in set_cookie(response)
            return results, trusting.app.config.PROXIES_COUNT, plain.app.config.PROXIES_COUNT
        finally:
            await trusting.stop()
            await plain.stop()

    results, trusting_count, plain_count = run(scenario())
    assert results == {"trusted proxy": True, "trusted proxy, proto only": True, "trusted proxy over http": False,
                       "untrusted": False, "direct": False}
    assert trusting_count == 1 and not plain_count


def test_reminder_metrics_need_a_staff_session(redis_prefix):
    async def scenario():
        gateway = await StaffGateway(redis_prefix).start()
        try:
            async with gateway.client() as anonymous:
                nobody = await anonymous.get("/api/metrics/reminders")
                forged = await anonymous.get("/api/metrics/reminders", cookies={COOKIE: "demo"})
            results = {}
            for login, area in [("demo", "agent"), ("coach", "trainer")]:
                http, _ = await gateway.sign_in(login, area=area)
                results[login] = await http.get("/api/metrics/reminders")
                await http.post(f"/{area}/api/logout")
                results[login + " signed out"] = (await http.get("/api/metrics/reminders")).status_code
                await http.aclose()
            return nobody, forged, results
        finally:
            await gateway.stop()

    nobody, forged, results = run(scenario())
    assert nobody.status_code == 401 and "error" in nobody.json()
    assert forged.status_code == 401
    for login in ("demo", "coach"):
        assert results[login].status_code == 200 and "variants" in results[login].json(), login
        assert results[login + " signed out"] == 401


def test_the_demo_tool_signs_in_for_the_metrics_and_out_again(redis_prefix, capsys, monkeypatch):
    async def scenario():
        gateway = await StaffGateway(redis_prefix).start()
        try:
            tool = demo_orders.main  # a blocking client: in a thread, off the gateway's loop
            signed = await asyncio.to_thread(tool, ["--url", gateway.url, "metrics", "--login", "demo",
                                                    "--password", PASSWORD])
            wrong = await asyncio.to_thread(tool, ["--url", gateway.url, "metrics", "--login", "demo",
                                                   "--password", "wrong-password"])
            return signed, wrong, session_keys(redis_prefix)
        finally:
            await gateway.stop()

    signed, wrong, keys = run(scenario())
    out = capsys.readouterr().out
    assert signed == 0 and '"variants"' in out
    assert wrong == 1
    assert keys == [], "the tool's session ended"
    monkeypatch.delenv("XIAOER_STAFF_LOGIN", raising=False)
    assert demo_orders.main(["metrics"]) == 2, "no login: it says what it needs"
