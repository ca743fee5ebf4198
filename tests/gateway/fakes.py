"""A stand-in for the Rasa server, for gateway tests that are not about understanding."""

from __future__ import annotations

from bot.infra.rasa import RasaUnavailable


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
