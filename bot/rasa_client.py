"""Talks to the Rasa server over its REST channel."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the buyer's message is kept and can be sent again."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The bot's replies to one buyer message: dicts with text, buttons or custom."""
        try:
            response = await self._client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa did not answer: {exc!r}") from exc
        return response.json() or []

    async def ready(self) -> bool:
        try:
            response = await self._client.get("/status", timeout=3)
            return response.status_code == 200 and bool(response.json().get("model_id"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()
