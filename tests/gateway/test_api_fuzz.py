"""A fuzz run of the gateway's whole HTTP surface: every route the app registers, with
random path values, bodies, content types and headers, signed out and signed in as an agent,
against a real gateway on a real port and the real Redis. Nothing may answer 5xx (a 503 for
Rasa being down is the one honest 5xx, and the fake Rasa here is up), and every API error is
JSON with a reason. Bounded: a fixed number of examples, no deadline per example."""

from __future__ import annotations

import asyncio
import collections
import json
import re
import threading
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.test_handoff_harness import AGENTS, PASSWORD, Gateway, PausingRasa

EXAMPLES = 400
PARAM = re.compile(r"<(\w+)(?::[^>]*)?>")


class GatewayThread:
    """The harness's gateway served from a thread of its own, so hypothesis can drive it
    with plain blocking requests."""

    def __init__(self, prefix: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.gateway = Gateway(prefix, PausingRasa())

    def __enter__(self) -> Gateway:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.gateway.start(), self.loop).result(30)
        return self.gateway

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.gateway.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def routes(app) -> list[tuple[str, str]]:
    """(method, path pattern) of every HTTP route, websockets and static files left out."""
    found = set()
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if path.startswith("/static") or route.extra.websocket:
            continue
        for method in route.methods:
            found.add((method, path))
    return sorted(found)


path_values = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{8,20}", fullmatch=True),  # well-formed ids
    st.text(max_size=80),  # anything, unicode, slashes, surrogates escaped by quote()
    st.sampled_from(["..", "%00", "x" * 300, "conv-fuzz-0001", "order_paid", "order_created"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=6),
    max_leaves=20,
)
json_objects = st.dictionaries(
    st.sampled_from(["text", "login", "password", "outcome", "message_id", "order_id", "response",
                     "tracker", "arguments", "variants", "intent", "examples", "script_id", "x"]),
    json_values, max_size=6,
)
bodies = st.one_of(
    json_objects.map(lambda o: json.dumps(o).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.just(b'{"text": "\\ud800"}'),
    st.just(b""),
)
content_types = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/json; charset=gbk", ""])


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    import uuid

    with GatewayThread(f"xiaoerfuzz{uuid.uuid4().hex[:8]}") as served:
        yield served


@pytest.fixture(scope="module")
def clients(gateway):
    anonymous = httpx.Client(base_url=gateway.url, timeout=10, headers={"Origin": gateway.url})
    agent = httpx.Client(base_url=gateway.url, timeout=10, headers={"Origin": gateway.url})
    login = sorted(a.login for a in AGENTS.with_role("agent")._agents.values())[0]
    assert agent.post("/agent/api/login", json={"login": login, "password": PASSWORD}).status_code == 200
    yield {"anonymous": anonymous, "agent": agent}
    anonymous.close()
    agent.close()


def test_no_request_gets_a_server_error(gateway, clients):
    table = routes(gateway.app)
    assert ("POST", "/api/conversations/<conversation_id:str>/messages") in table or any(
        "messages" in p for _, p in table), table

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(route=st.sampled_from(table), values=st.lists(path_values, min_size=3, max_size=3),
           body=bodies, content_type=content_types, who=st.sampled_from(["anonymous", "agent"]),
           query=st.dictionaries(st.sampled_from(["token", "limit", "q", "page"]), st.text(max_size=30), max_size=2))
    def one_request(route, values, body, content_type, who, query):
        method, pattern = route
        filled = iter(values)
        path = PARAM.sub(lambda m: quote(next(filled), safe=""), pattern)
        headers = {"content-type": content_type} if content_type else {}
        response = clients[who].request(method, path, content=body if method in ("POST", "PUT", "PATCH") else None,
                                        headers=headers, params=query)
        seen[response.status_code] += 1
        assert response.status_code < 500, (method, path, body[:200], response.status_code, response.text[:300])
        if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
            assert "error" in response.json(), (method, path, response.text[:300])

    seen: collections.Counter = collections.Counter()
    one_request()
    # the run reached the handlers, not only the router's 404s and 405s
    assert sum(seen.values()) >= EXAMPLES and seen[200] + seen[201] > 0 and seen[400] > 0, seen
