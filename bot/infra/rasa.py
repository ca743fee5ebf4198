"""Talks to the Rasa server: its REST channel (a buyer's message in, the bot's replies out)
and its tracker API (``--enable-api``, bound to 127.0.0.1): read a conversation, pause, resume."""

from __future__ import annotations

from typing import Any

import httpx

from bot.infra import metrics


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the buyer's message is kept and can be sent again."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        metrics.RASA_ERRORS.labels("slow" if isinstance(self, RasaSlow) else "unavailable").inc()


class RasaSlow(RasaUnavailable):
    """Rasa did not answer while the buyer waited (XIAOER_RASA_TIMEOUT). It has the message,
    and the gateway goes on waiting for its answer, which follows: logged, pushed to the
    buyer's widget, and given to a repeat of the message."""


# How much longer than the buyer's wait the gateway goes on waiting for one answer of Rasa's.
# Rasa has the message: a call given up would leave a repeat to reach Rasa a second time.
LATE_ANSWER_FACTOR = 4


def token_params(token: str) -> dict[str, str]:
    """Rasa's HTTP API (``--auth-token``) takes its token as the ``token`` query parameter."""
    return {"token": token} if token else {}


def answers_in_events(events: list[dict[str, Any]], message_id: str) -> list[list[dict[str, Any]]]:
    """From a tracker's events, the bot's answer to each user message sent with
    ``message_id`` (in its metadata), as the REST channel would have returned it."""
    answers: list[list[dict[str, Any]]] = []
    collecting = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            collecting = ((event.get("metadata") or {}).get("message_id") == message_id)
            if collecting:
                answers.append([])
        elif kind == "bot" and collecting:
            data = event.get("data") or {}
            answers[-1].append({"text": event.get("text"),
                                **{k: data[k] for k in ("buttons", "image", "attachment", "custom") if data.get(k)}})
    return answers


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, params=token_params(token))

    async def send(self, sender: str, text: str, message_id: str | None = None,
                   context: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The bot's replies to one buyer message: dicts with text, buttons or custom. The
        client's ``message_id`` and ``context`` (``item``: the page the chat was opened on) go
        with it into Rasa's tracker (the REST channel keeps a message's ``metadata``): there
        ``answers_to`` finds the message again and the actions read the page's item."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        metadata = {**(context or {}), **({"message_id": message_id} if message_id else {})}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._client.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa did not answer: {exc!r}") from exc
        return response.json() or []

    async def answers_to(self, sender: str, message_id: str) -> list[list[dict[str, Any]]]:
        """Rasa's answers to the parts of a message it already has, in order (none: [])."""
        try:
            response = await self._client.get(f"/conversations/{sender}/tracker")
            response.raise_for_status()
            events = response.json().get("events") or []
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise RasaUnavailable(f"Rasa's tracker API did not answer: {exc!r}") from exc
        return answers_in_events(events, message_id)

    async def parse(self, text: str) -> dict[str, Any]:
        """The NLU's reading of a text (intent, confidence, entities), without a conversation."""
        try:
            response = await self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa did not answer: {exc!r}") from exc
        return response.json() or {}

    async def ready(self) -> bool:
        try:
            response = await self._client.get("/status", timeout=3)
            return response.status_code == 200 and bool(response.json().get("model_id"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()

# Handing back: clear the hand-off reason (so the next hand-off records its own), resume,
# and put Rasa back to listening. Without action_listen the first prediction after a
# resume runs on a tracker whose last event is the buyer's paused message, and Rasa
# loops on its fallback instead of answering (seen with 3.6.21).
RESUME_EVENTS = (
    {"event": "slot", "name": "handoff_reason", "value": None},
    {"event": "resume"},
    {"event": "action", "name": "action_listen"},
)


class RasaTrackerApi:
    def __init__(self, base_url: str, timeout: float = 10.0, token: str = "") -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, params=token_params(token))

    async def tracker(self, conversation_id: str, events: bool = True) -> dict[str, Any]:
        """The tracker: slots, paused, latest_message and, unless ``events=False``, every
        event (with each message's parse_data). Without events a long conversation's tracker
        is a few hundred bytes instead of its whole history (read on every message in line)."""
        params = None if events else {"include_events": "NONE"}
        try:
            response = await self._client.get(f"/conversations/{conversation_id}/tracker", params=params)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa's tracker API did not answer: {exc!r}") from exc

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        try:
            response = await self._client.post(
                f"/conversations/{conversation_id}/tracker/events", json=list(events)
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa's tracker API did not answer: {exc!r}") from exc

    async def execute(self, conversation_id: str, action: str) -> list[dict[str, Any]]:
        """Run one action on the conversation as it stands (also while it is paused) and
        return what it said: how the bot answers a shop question while a person is awaited."""
        try:
            response = await self._client.post(f"/conversations/{conversation_id}/execute", json={"name": action})
            response.raise_for_status()
            return list(response.json().get("messages") or [])
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa's tracker API did not answer: {exc!r}") from exc

    async def pause(self, conversation_id: str) -> None:
        await self.append(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        await self.append(conversation_id, list(RESUME_EVENTS))

    async def close(self) -> None:
        await self._client.aclose()
