"""Helpers for the hand-off tests: real gateways (in this process, on real ports) on the
real Redis, with a stand-in for Rasa that pauses and resumes like Rasa does.

The one test here checks the harness's key property: two gateways share live events.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from typing import Any

import httpx
from sanic import Sanic
from websockets.asyncio.client import connect

from bot.app import create_app
from bot.config import Settings
from bot.infra.rasa import RasaUnavailable
from bot.staff.people import Agent, AgentDirectory, hash_password
from tests.conftest import REDIS_URL
from tests.gateway.fakes import RemembersAnswers
from tools.conversation_tokens import TokenJar
from tools.stack import free_port

Sanic.test_mode = True
PASSWORD = "correct-horse-1"
INTERNAL_TOKEN = "harness-internal-token"  # what Rasa would send to /nlg
AGENTS = AgentDirectory([
    Agent("demo", "小美", hash_password(PASSWORD)),
    Agent("ajie", "阿杰", hash_password(PASSWORD)),
])
SHOP_TZ = dt.timezone(dt.timedelta(hours=8))
DAYTIME = dt.datetime(2026, 6, 1, 14, 0, tzinfo=SHOP_TZ)
NIGHT = dt.datetime(2026, 6, 1, 23, 30, tzinfo=SHOP_TZ)
TOKENS: dict[str, TokenJar] = {}  # Redis prefix (one per test) -> its buyers' tokens


def conversation() -> str:
    return f"conv-{uuid.uuid4().hex[:12]}"


def handoff(reason: str, text: str = "好的，马上为您转人工。") -> list[dict]:
    return [{"text": text}, {"custom": {"handoff": {"reason": reason, "intent": "request_human"}}}]


class PausingRasa(RemembersAnswers):
    """Rasa's REST channel and tracker API as the gateway sees them.

    Answers from a table (else echoes), pauses on a hand-off payload or a pause event,
    answers [] while paused but keeps logging, resumes on the resume events.
    """

    def __init__(self, answers: dict[str, list[dict]] | None = None, intents: dict[str, str] | None = None):
        super().__init__()
        self.answers = answers or {}
        self.intents = intents or {}
        self.events: dict[str, list[dict]] = {}
        self.slots: dict[str, dict[str, Any]] = {}
        self.paused: set[str] = set()
        self.appended: list[tuple[str, list[dict]]] = []
        self.executed: list[tuple[str, str]] = []
        self.tracker_reads: list[tuple[str, bool]] = []  # (conversation, with its events)
        self.down = False

    async def send(self, sender: str, text: str, message_id: str | None = None,
                   context: dict | None = None) -> list[dict]:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        intent = self.intents.get(text, "greet")
        metadata = {**(context or {}), **({"message_id": message_id} if message_id else {})}
        self.events.setdefault(sender, []).append(
            {"event": "user", "text": text, "metadata": metadata,
             "parse_data": {"intent": {"name": intent, "confidence": 0.93}, "entities": []}}
        )
        output = [] if sender in self.paused else self.answers.get(text, [{"text": f"echo:{text}"}])
        for item in output:
            if "handoff" in (item.get("custom") or {}):
                self.events[sender] += [{"event": "action", "name": "action_handoff"}, {"event": "pause"}]
                self.paused.add(sender)
        self.remember(sender, message_id, output)
        return output

    async def parse(self, text: str) -> dict:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        return {"text": text, "intent": {"name": self.intents.get(text, "greet"), "confidence": 0.93}, "entities": []}

    async def execute(self, conversation_id: str, action: str) -> list[dict]:
        """Runs an action while paused (a shop question in the line): answers with its name."""
        if self.down:
            raise RasaUnavailable("Rasa's tracker API did not answer")
        self.executed.append((conversation_id, action))
        return [{"recipient_id": conversation_id, "text": f"answer:{action}"}]

    async def tracker(self, conversation_id: str, events: bool = True) -> dict:
        if self.down:
            raise RasaUnavailable("Rasa's tracker API did not answer")
        self.tracker_reads.append((conversation_id, events))
        history = self.events.get(conversation_id, [])
        users = [e for e in history if e["event"] == "user"]
        return {
            "sender_id": conversation_id,
            "events": history if events else [],  # as Rasa's include_events=NONE
            "slots": dict(self.slots.get(conversation_id, {})),
            "latest_message": users[-1]["parse_data"] if users else {},
            "paused": conversation_id in self.paused,
        }

    async def append(self, conversation_id: str, events: list[dict]) -> None:
        if self.down:
            raise RasaUnavailable("Rasa's tracker API did not answer")
        self.appended.append((conversation_id, list(events)))
        self.events.setdefault(conversation_id, []).extend(events)
        for event in events:
            if event["event"] == "pause":
                self.paused.add(conversation_id)
            elif event["event"] == "resume":
                self.paused.discard(conversation_id)

    async def pause(self, conversation_id: str) -> None:
        await self.append(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        from bot.infra.rasa import RESUME_EVENTS

        await self.append(conversation_id, list(RESUME_EVENTS))

    async def ready(self) -> bool:
        return not self.down

    async def close(self) -> None:
        return None


class Gateway:
    """One gateway on a real port; several can share a prefix (replicas)."""

    def __init__(self, prefix: str, rasa: PausingRasa, now: dt.datetime = DAYTIME):
        self.prefix = prefix
        # the buyers' conversation tokens, kept as their widgets keep them: shared by the test's
        # gateways (its Redis prefix), across a restart too
        self.jar = TOKENS.setdefault(prefix, TokenJar())
        self.rasa = rasa
        self.now = now
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None

    async def start(self) -> "Gateway":
        settings = Settings(port=self.port, store="redis", redis_url=REDIS_URL, key_prefix=self.prefix,
                            internal_token=INTERNAL_TOKEN, webhook_secret="harness-webhook-secret")
        app = create_app(
            settings, rasa=self.rasa, tracker_api=self.rasa, agents=AGENTS,
            now=lambda: self.now, name=f"gw_{uuid.uuid4().hex[:8]}",
        )
        self.app = app
        server = await app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._server = server
        await asyncio.wait_for(app.ctx.hub.subscribed.wait(), 5)  # live events flow from here on
        return self

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server:
            await server.before_stop()
            for connection in list(server.connections):
                connection.close_if_idle()
            await server.close()
            await server.after_stop()

    def client(self, **kwargs) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10, event_hooks=self.jar.hooks(asynchronous=True), **kwargs)

    async def say(self, conversation_id: str, text: str) -> dict:
        async with self.client() as http:
            response = await http.post(f"/api/conversations/{conversation_id}/messages", json={"text": text})
            assert response.status_code == 200, response.text
            return response.json()

    async def agent(self, login: str = "demo") -> httpx.AsyncClient:
        """A signed-in console client (cookie and same-origin header set)."""
        http = self.client(headers={"Origin": self.url})
        response = await http.post("/agent/api/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return http

    def buyer_socket(self, conversation_id: str) -> "BuyerSocket":
        return BuyerSocket(self, conversation_id)

    def console_socket(self, cookie: str | None, origin: str | None = None):
        headers = {"Origin": origin or self.url}
        if cookie:
            headers["Cookie"] = f"xiaoer_agent={cookie}"
        return connect(f"ws://127.0.0.1:{self.port}/agent/ws", additional_headers=headers, open_timeout=5)


class BuyerSocket:
    """A buyer's socket, opened as the widget does: its first frame is the conversation's token
    (one not started yet: the token POST /api/conversations offers with an id, kept for the
    buyer's next message to claim), and it is entered once the gateway said it is ready (pushes
    reach it from then on). Entered, it stays open until closed or exited (a test may hold
    several without their context managers)."""

    def __init__(self, gateway: Gateway, conversation_id: str) -> None:
        self.gateway, self.conversation_id = gateway, conversation_id
        self.ws = None

    async def __aenter__(self):
        jar, conv = self.gateway.jar, self.conversation_id
        jar.keep(conv, jar.token(conv) or self.gateway.app.ctx.conversation_keys.offer(conv))
        self.ws = await connect(f"ws://127.0.0.1:{self.gateway.port}/ws/{conv}", open_timeout=5)
        await self.ws.send(json.dumps(jar.first_frame(conv)))
        assert json.loads(await asyncio.wait_for(self.ws.recv(), 5)) == {"ready": True}
        return self.ws

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()


@contextlib.asynccontextmanager
async def gateways(prefix: str, rasa: PausingRasa, count: int = 1, now: dt.datetime = DAYTIME):
    started = [await Gateway(prefix, rasa, now).start() for _ in range(count)]
    try:
        yield started
    finally:
        for gateway in started:
            await gateway.stop()


async def next_frame(ws, timeout: float = 5.0, where=None) -> dict:
    """The next frame that matches ``where`` (a dict of expected keys), within ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.01)))
        if not where or all(frame.get(k) == v for k, v in where.items()):
            return frame


def test_two_gateways_share_live_events(redis_prefix):
    """A push published on one gateway reaches a buyer socket held by the other."""

    async def scenario():
        async with gateways(redis_prefix, PausingRasa(), count=2) as (first, second):
            async with second.buyer_socket("conv-shared01") as ws:
                await asyncio.sleep(0.1)  # the socket's listener is registered
                await first.app.ctx.hub.publish("buyer:conv-shared01", {"push": True, "messages": [{"text": "hi"}]})
                return await next_frame(ws)

    assert asyncio.run(scenario()) == {"push": True, "messages": [{"text": "hi"}]}
