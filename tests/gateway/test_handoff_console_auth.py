"""Without a session, every console route and the console socket answer 401 or 403; a
signed-out session is refused even with a kept copy of its cookie."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import InvalidStatus

from bot.staff.demo import DEMO_FILE
from bot.staff.people import AgentConfigError, AgentDirectory, add_agent
from bot.staff.sessions import SessionSigner
from tests.gateway.test_handoff_harness import PASSWORD, PausingRasa, gateways

CONV = "conv-auth00001"


def run(coroutine):
    return asyncio.run(coroutine)


def console_routes(app) -> list[tuple[str, str]]:
    """Every route of the console blueprint, with a conversation id filled in."""
    routes = []
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith("/agent/") or route.extra.websocket:
            continue
        path = path.replace("<conversation_id:str>", CONV)
        for method in route.methods:
            routes.append((method, path))
    return sorted(set(routes))


def test_every_console_route_needs_a_session(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            routes = console_routes(gateway.app)
            results = {}
            async with gateway.client(headers={"Origin": gateway.url}) as anonymous:
                for method, path in routes:
                    response = await anonymous.request(method, path, json={"text": "hi", "outcome": "resolved"})
                    results[(method, path)] = (response.status_code, response.json().get("error"))
                forged = await anonymous.get("/agent/api/queue", cookies={"xiaoer_agent": "demo"})
                foreign = SessionSigner("another-secret").issue("demo")
                other_secret = await anonymous.get("/agent/api/queue", cookies={"xiaoer_agent": foreign})
                # signed with the right secret, but no session of that id on the server
                made_up = gateway.app.ctx.sessions.signer.issue("made-up-session-id")
                no_session = await anonymous.get("/agent/api/queue", cookies={"xiaoer_agent": made_up})
                page = await anonymous.get("/agent")
            return routes, results, forged.status_code, other_secret.status_code, no_session.status_code, page

    routes, results, forged, other_secret, no_session, page = run(scenario())
    assert len(routes) >= 9, routes
    for (method, path), (status, reason) in results.items():
        if path == "/agent/api/login":
            assert status == 401, (method, path)  # a wrong password
        else:
            assert status == 401 and reason == "请先登录客服工作台", (method, path, status)
    assert forged == 401 and other_secret == 401 and no_session == 401
    assert page.status_code == 401 and "登录" in page.text, "the page shows only the sign-in form"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_the_console_socket_needs_a_session_and_our_origin(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            statuses = []
            for cookie, origin in [(None, None), ("not-a-session", None), ("SIGNED", "http://evil.example")]:
                if cookie == "SIGNED":
                    agent = await gateway.agent()
                    cookie = agent.cookies["xiaoer_agent"]
                    await agent.aclose()
                with pytest.raises(InvalidStatus) as refused:
                    async with gateway.console_socket(cookie, origin):
                        pass
                statuses.append(refused.value.response.status_code)
            return statuses

    assert run(scenario()) == [401, 401, 403]


def test_sign_in_sets_a_safe_cookie_and_wrong_passwords_fail(redis_prefix):
    async def scenario():
        async with gateways(redis_prefix, PausingRasa()) as (gateway,):
            async with gateway.client(headers={"Origin": gateway.url}) as http:
                wrong = await http.post("/agent/api/login", json={"login": "demo", "password": "nope"})
                unknown = await http.post("/agent/api/login", json={"login": "nobody", "password": PASSWORD})
                cross_site = await http.post(
                    "/agent/api/login", json={"login": "demo", "password": PASSWORD},
                    headers={"Origin": "http://evil.example"},
                )
                right = await http.post("/agent/api/login", json={"login": "demo", "password": PASSWORD})
                me = await http.get("/agent/api/me")
                changed_elsewhere = await http.post(
                    f"/agent/api/cases/{CONV}/claim", headers={"Origin": "http://evil.example"}
                )
                copied = http.cookies["xiaoer_agent"]
                await http.post("/agent/api/logout")
                after_logout = await http.get("/agent/api/me")
                # the cookie kept from before the sign-out (copied elsewhere) is refused too
                copy_after_logout = await http.get("/agent/api/me", cookies={"xiaoer_agent": copied})
            return wrong, unknown, cross_site, right, me, changed_elsewhere, (after_logout, copy_after_logout)

    wrong, unknown, cross_site, right, me, changed_elsewhere, (after_logout, copy_after_logout) = run(scenario())
    assert wrong.status_code == 401 and unknown.status_code == 401
    assert wrong.json() == unknown.json(), "a wrong login and a wrong password look the same"
    assert cross_site.status_code == 403
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie, "plain http, no trusted proxy: not Secure"
    assert me.json()["agent"] == {"login": "demo", "name": "小美"}
    assert changed_elsewhere.status_code == 403
    assert after_logout.status_code == 401 and copy_after_logout.status_code == 401


def test_agents_file_keeps_only_argon2_hashes(tmp_path):
    path = tmp_path / "agents.yml"
    add_agent(path, "xiaomei", "小美", "a-long-password")
    text = path.read_text(encoding="utf-8")
    assert "a-long-password" not in text and "$argon2id$" in text
    directory = AgentDirectory.load(path)
    assert directory.verify("xiaomei", "a-long-password").name == "小美"
    assert directory.verify("xiaomei", "wrong-password") is None
    add_agent(path, "xiaomei", "小美", "a-new-password")
    assert AgentDirectory.load(path).verify("xiaomei", "a-long-password") is None
    with pytest.raises(AgentConfigError, match="at least"):
        add_agent(path, "ajie", "阿杰", "short")


@pytest.mark.parametrize("content,problem", [
    ("agents: [{login: demo, name: 小美, password_hash: plain}]", "argon2"),
    ("agents: [{login: 'Bad Login', password_hash: $argon2id$x}]", "login"),
    ("agents: demo", "list"),
])
def test_a_broken_agents_file_is_refused_with_the_reason(tmp_path, content, problem):
    path = tmp_path / "agents.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AgentConfigError, match=problem):
        AgentDirectory.load(path)


def test_the_shipped_demo_agent_signs_in_with_the_documented_password():
    """The local demo's logins (make run), as README.md documents them."""
    directory = AgentDirectory.load(DEMO_FILE)
    assert directory.verify("demo", "xiaoer-demo").name == "小美"
    assert directory.verify("ajie", "xiaoer-demo2").name == "阿杰"
