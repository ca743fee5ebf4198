"""Rasa's REST output as the buyer's messages: at most a few bubbles, each text once, a card
with the text it belongs to, and the custom control payloads (a hand-off) apart."""

from __future__ import annotations

import logging
from typing import Any

from xiaoer.cards import clean_card

log = logging.getLogger(__name__)


# A reply is a few bubbles on a phone, never a flood: whatever the dialogue predicts (a form
# that keeps asking back has produced ten in one turn), the buyer sees at most this many,
# each text once.
MAX_MESSAGES_PER_REPLY = 3
MAX_CARDS = 3  # the candidates a choice shows; more fit and the text says so


def split_rasa_output(*outputs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rasa's REST output (one per question the message asked) as (messages for the buyer,
    custom control payloads). Each question keeps its first message within the cap. A card
    (xiaoer/cards.py), or a choice's cards, goes with the text said just before it, as Rasa sends a message's text
    and its custom payload one after the other."""
    answers, controls = [], []
    for output in outputs:
        messages: list[dict[str, Any]] = []
        for item in output:
            if item.get("text") or item.get("buttons"):
                messages.append({"text": item.get("text") or "", "buttons": item.get("buttons") or []})
            custom = item.get("custom")
            if not isinstance(custom, dict):
                continue
            if "card" in custom:
                card = clean_card(custom["card"])
                if card and messages and "card" not in messages[-1]:
                    messages[-1]["card"] = card
                custom = {k: v for k, v in custom.items() if k != "card"}
            if "cards" in custom:  # a choice: up to MAX_CARDS candidates under one question
                cards = [c for c in map(clean_card, custom["cards"] if isinstance(custom["cards"], list) else []) if c]
                if cards and messages and "cards" not in messages[-1]:
                    messages[-1]["cards"] = cards[:MAX_CARDS]
                custom = {k: v for k, v in custom.items() if k != "cards"}
            if custom:
                controls.append(custom)
        answers.append(messages)
    firsts = {id(m[0]) for m in answers if m}
    ordered = [m for messages in answers for m in messages]
    # the first message of every answer, then the rest in order, shown in the order said
    ranked = sorted(ordered, key=lambda m: 0 if id(m) in firsts else 1)
    kept = {id(m) for m in at_most(ranked, MAX_MESSAGES_PER_REPLY)}
    return [m for m in ordered if id(m) in kept], controls


def at_most(messages: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` messages, each text once."""
    kept, seen = [], set()
    for message in messages:
        if message["text"] and message["text"] in seen:
            continue
        seen.add(message["text"])
        kept.append(message)
    if len(kept) > limit:
        log.warning("a reply of %d messages was cut to %d", len(kept), limit)
    return kept[:limit]
