"""A stand-in for the Rasa server, for gateway tests that are not about understanding."""

from __future__ import annotations

from bot.infra.rasa import RasaUnavailable


class ScriptedRasa:
    """Answers each message from a table, records what it was sent."""

    def __init__(self, answers: dict[str, list[dict]] | None = None, down: bool = False) -> None:
        self.answers = answers or {}
        self.down = down
        self.received: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str) -> list[dict]:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        self.received.append((sender, text))
        return self.answers.get(text, [{"recipient_id": sender, "text": f"echo:{text}"}])

    async def parse(self, text: str) -> dict:
        if self.down:
            raise RasaUnavailable("Rasa did not answer: connection refused")
        return {"text": text, "intent": {"name": None, "confidence": 0.0}, "entities": []}

    async def ready(self) -> bool:
        return not self.down

    async def close(self) -> None:
        return None
