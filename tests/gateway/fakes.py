"""A stand-in for the Rasa server, for gateway tests that are not about understanding, and a
buyer's client that keeps its conversations' tokens."""

from __future__ import annotations

import inspect
import json

from bot.infra.rasa import RasaUnavailable
from tools.conversation_tokens import TOKEN_HEADER, TokenJar, conversation_of


class RemembersAnswers:
    """As Rasa's tracker does: each answer kept under the message_id its message came with."""

    def __init__(self) -> None:
        self.down = False
        self.answered: dict[tuple[str, str], list[list[dict]]] = {}

    def remember(self, sender: str, message_id: str | None, output: list[dict]) -> None:
        if message_id:
            self.answered.setdefault((sender, message_id), []).append(output)

    async def answers_to(self, sender: str, message_id: str) -> list[list[dict]]:
        if self.down:
            raise RasaUnavailable("Rasa's tracker API did not answer")
        return list(self.answered.get((sender, message_id), []))


class ScriptedRasa(RemembersAnswers):
    """Answers each message from a table, records what it was sent."""

    def __init__(self, answers: dict[str, list[dict]] | None = None, down: bool = False) -> None:
        super().__init__()
        self.answers = answers or {}
        self.down = down
        self.received: list[tuple[str, str]] = []
        self.metadata: list[dict] = []  # each message's metadata, as Rasa's tracker keeps it

    async def send(self, sender: str, text: str, message_id: str | None = None,
                   context: dict | None = None) -> list[dict]:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        self.received.append((sender, text))
        self.metadata.append({**(context or {}), **({"message_id": message_id} if message_id else {})})
        output = self.answers.get(text, [{"recipient_id": sender, "text": f"echo:{text}"}])
        self.remember(sender, message_id, output)
        return output

    async def parse(self, text: str) -> dict:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        return {"text": text, "intent": {"name": None, "confidence": 0.0}, "entities": []}

    async def ready(self) -> bool:
        return not self.down

    async def close(self) -> None:
        return None


class BuyerClient:
    """A buyer's client over Sanic's test client (``app.test_client`` or ``app.asgi_client``)
    that does what the widget does with conversation tokens (bot/chat/keys.py): keeps each
    conversation's token from its answers, sends it back on later calls, and opens the socket
    with it as its first frame (a conversation not started yet: the token POST
    /api/conversations would have offered with its id). Anything else is the client's own."""

    def __init__(self, app, client=None) -> None:
        self.app = app
        self.client = client if client is not None else app.test_client
        self.jar = TokenJar()

    def __getattr__(self, name):
        return getattr(self.client, name)

    @property
    def asgi(self) -> "BuyerClient":
        """The same buyer over the app's ASGI client (its calls are awaited; one event loop)."""
        other = BuyerClient(self.app, self.app.asgi_client)
        other.jar = self.jar
        return other

    def token(self, conversation_id: str) -> str | None:
        """The conversation's token; for one not started yet the one POST /api/conversations
        offers with an id, kept, so that the next message claims it (as the widget's does).
        None before the app first started (a first message then claims a token of its own)."""
        keys = getattr(self.app.ctx, "conversation_keys", None)
        if keys is not None and not self.jar.token(conversation_id):
            self.jar.keep(conversation_id, keys.offer(conversation_id))
        return self.jar.token(conversation_id)

    def _call(self, method: str, url: str, **kwargs):
        conversation_id = conversation_of(url)
        token = self.token(conversation_id) if conversation_id else None
        headers = dict(kwargs.pop("headers", None) or {})
        if token and not any(name.lower() == TOKEN_HEADER.lower() for name in headers):
            headers[TOKEN_HEADER] = token
        result = getattr(self.client, method)(url, headers=headers, **kwargs)
        if not inspect.isawaitable(result):
            return self._keep(url, result)

        async def finish():
            return self._keep(url, await result)
        return finish()

    def _keep(self, url: str, result):
        _, response = result
        self.jar.keep(conversation_of(url), response.headers.get(TOKEN_HEADER))
        return result

    def get(self, url: str, **kwargs):
        return self._call("get", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self._call("post", url, **kwargs)

    def websocket(self, url: str, mimic, **kwargs):
        conversation_id = url.rstrip("/").rsplit("/", 1)[-1]

        async def with_token(ws) -> None:
            await ws.send(json.dumps({"conversation_token": self.token(conversation_id)}))
            assert json.loads(await ws.recv()) == {"ready": True}
            await mimic(ws)
        return self.client.websocket(url, mimic=with_token, **kwargs)
