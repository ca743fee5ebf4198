"""A buyer client's memory of its conversations' tokens, for the tools and tests that talk to
the buyer API over httpx (LiveBot, bench, the replay, the e2e and browser tests).

Each conversation's first answer (every answer to a message, in fact) carries the token in
the ``X-Conversation-Token`` header; a later message, the history and the socket need it back
(bot/chat/keys.py). ``TokenJar.hooks()`` are httpx event hooks that do both, so a client made
with them is used like a client of the API before tokens:

    jar = TokenJar()
    with httpx.Client(base_url=url, event_hooks=jar.hooks()) as http: ...
    async with httpx.AsyncClient(event_hooks=jar.hooks(asynchronous=True)) as http: ...
    socket.send(json.dumps(jar.first_frame(conversation_id)))   # the socket's first frame
"""

from __future__ import annotations

import re
from typing import Any

import httpx

TOKEN_HEADER = "X-Conversation-Token"  # bot/chat/keys.py
_CONVERSATION = re.compile(r"/api/conversations/([A-Za-z0-9_-]+)")


def conversation_of(url: str) -> str | None:
    """The conversation a buyer API path is about, or None (POST /api/conversations, others)."""
    found = _CONVERSATION.search(url)
    return found.group(1) if found else None


class TokenJar:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def token(self, conversation_id: str) -> str | None:
        return self.tokens.get(conversation_id)

    def keep(self, conversation_id: str | None, token: str | None) -> None:
        if conversation_id and token:
            self.tokens[conversation_id] = token

    def first_frame(self, conversation_id: str) -> dict[str, Any]:
        return {"conversation_token": self.tokens.get(conversation_id)}

    def new_conversation(self, body: dict[str, Any]) -> str:
        """Keep the token of an id POST /api/conversations gave; returns the id."""
        self.keep(body["conversation_id"], body.get("conversation_token"))
        return body["conversation_id"]

    def send(self, request: httpx.Request) -> None:
        token = self.tokens.get(conversation_of(request.url.path) or "")
        if token and TOKEN_HEADER not in request.headers:  # a test may send its own (a wrong one)
            request.headers[TOKEN_HEADER] = token

    def received(self, response: httpx.Response) -> None:
        self.keep(conversation_of(response.request.url.path), response.headers.get(TOKEN_HEADER))

    def hooks(self, asynchronous: bool = False) -> dict[str, list]:
        if not asynchronous:
            return {"request": [self.send], "response": [self.received]}

        async def send(request: httpx.Request) -> None:
            self.send(request)

        async def received(response: httpx.Response) -> None:
            self.received(response)

        return {"request": [send], "response": [received]}
