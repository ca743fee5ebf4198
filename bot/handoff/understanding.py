"""What the bot understood, read from Rasa's tracker, for the agent console and the queue.

Plain functions over the tracker's JSON (``GET /conversations/{id}/tracker``): the turns
(each buyer message with its intent, confidence, entities, the slots it set and what the
bot did), the gateway's log annotated with them, and a case's short summary (intent,
slots, item, order).
"""

from __future__ import annotations

from typing import Any, Iterable

from xiaoer.contract import FALLBACK_INTENT, FALLBACK_WORDS, HANDOFF_REASONS, INTENTS
from xiaoer.entities import extract_entities

# What staff read for an intent or a reason (xiaoer/contract.py).
INTENT_NAMES_ZH = {**INTENTS, FALLBACK_INTENT: FALLBACK_WORDS}
REASON_NAMES_ZH = HANDOFF_REASONS
# Slots that are bookkeeping, not something the buyer told us.
INTERNAL_SLOTS = {"handoff_reason", "session_started_metadata", "requested_slot"}
# What the console reads of a long tracker (Rasa's tracker API gives the whole history):
# the events from the TURNS_SHOWN-th last buyer message on, and never more than EVENTS_SHOWN.
TURNS_SHOWN = 200
EVENTS_SHOWN = 2000


def buyer_slots(slots: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (slots or {}).items() if v not in (None, "", []) and k not in INTERNAL_SLOTS}


def recent_events(
    events: list[dict[str, Any]], buyer_messages: int = TURNS_SHOWN, limit: int = EVENTS_SHOWN
) -> list[dict[str, Any]]:
    """The tail of a tracker's events that the console reads: from the ``buyer_messages``-th last
    buyer message on, at most ``limit`` events. A pause in force where it is cut is kept
    in front, so the turns after it still show as said while paused."""
    start = max(0, len(events) - limit)
    seen = 0
    for index in range(len(events) - 1, start - 1, -1):
        if events[index].get("event") == "user":
            seen += 1
            if seen == buyer_messages:
                start = index
                break
    if start == 0:
        return events
    tail = events[start:]
    for event in reversed(events[:start]):  # only the latest pause or resume before the cut
        if event.get("event") == "pause":
            return [{"event": "pause"}, *tail[max(0, len(tail) + 1 - limit):]]
        if event.get("event") == "resume":
            break
    return tail


def turns(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each buyer message Rasa saw, with what it understood and did until the next one."""
    result: list[dict[str, Any]] = []
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind == "resume":
            paused = False
        elif kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            result.append({
                "text": event.get("text") or "",
                "intent": intent.get("name"),
                "intent_zh": INTENT_NAMES_ZH.get(intent.get("name") or "", intent.get("name")),
                "confidence": round(float(intent.get("confidence") or 0), 3),
                "entities": [
                    {"entity": e.get("entity"), "value": e.get("value")}
                    for e in parse.get("entities") or []
                ],
                "slots": {},
                "actions": [],
                "while_paused": paused,
            })
        elif result and kind == "slot" and event.get("name") not in INTERNAL_SLOTS:
            result[-1]["slots"][event.get("name")] = event.get("value")
        elif result and kind == "action" and event.get("name") not in (None, "action_listen"):
            result[-1]["actions"].append(event.get("name"))
    return result


def annotate(log: list[dict[str, Any]], rasa_turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gateway's log with each buyer message's turn attached, matched by text in order
    from the latest back: both end now, and either may start earlier (the console shows the
    log's tail and the tracker's recent_events), so an older message never takes a newer turn."""
    pending = list(reversed(rasa_turns))
    annotated = [dict(message) for message in log]
    for message in reversed(annotated):
        if message.get("sender") == "buyer":
            for index, turn in enumerate(pending):
                if turn["text"] == message.get("text"):
                    message["understood"] = turn
                    del pending[: index + 1]
                    break
    return annotated


def item_and_order(
    buyer_texts: list[str], slots: dict[str, Any], catalog: dict | None
) -> tuple[str | None, str | None]:
    """The sku and order number the buyer talks about: slots first, then the latest mention."""
    sku = slots.get("sku") or slots.get("item")
    order_id = slots.get("order_id")
    for text in reversed(buyer_texts):
        if sku and order_id:
            break
        for entity in extract_entities(text, catalog):
            if entity["entity"] == "sku" and not sku:
                sku = entity["value"]
            elif entity["entity"] == "order_id" and not order_id:
                order_id = entity["value"]
    return (str(sku) if sku else None), (str(order_id) if order_id else None)


def case_summary(
    tracker: dict[str, Any] | None,
    buyer_texts: list[str],
    shop: Any,
    intent: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A case's short summary: the buyer's intent and last words, slots, item, order, and the
    order changes the buyer asked for (field, old and new value: a person applies them)."""
    tracker = tracker or {}
    latest = tracker.get("latest_message") or {}
    intent = (latest.get("intent") or {}).get("name") or intent
    slots = buyer_slots(tracker.get("slots"))
    sku, order_id = item_and_order(buyer_texts, slots, shop.catalog_for_nlu())
    item = shop.item(sku) if sku else None
    return {
        "intent": intent,
        "intent_zh": INTENT_NAMES_ZH.get(intent or "", intent),
        "text": buyer_texts[-1] if buyer_texts else "",
        "slots": slots,
        "item": {"sku": item.sku, "name": item.name, "price": item.price} if item else None,
        "order_id": order_id,
        "changes": changes or [],
    }
