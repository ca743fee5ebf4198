"""The shop (loaded once, lazily) and what the buyer's latest message and slots say."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

from xiaoer.shop import Item, Shop, load_shop

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def shop() -> Shop:
    return load_shop(os.environ.get("XIAOER_SHOP_DIR", ROOT / "shop"))


def entities(tracker: Tracker, name: str) -> list[dict[str, Any]]:
    return [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == name]


def this_message(tracker: Tracker, name: str, role: str | None = None) -> Any:
    """The value the buyer gave in the latest message, if any."""
    found = [e for e in entities(tracker, name) if e.get("role") == role]
    return found[-1].get("value") if found else None


def latest_value(tracker: Tracker, name: str) -> Any:
    """The value the buyer just gave, else what the conversation already knows (the slot)."""
    value = this_message(tracker, name)
    return value if value is not None else tracker.get_slot(name)


def number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def current_item(tracker: Tracker) -> Item | None:
    """The item the buyer is talking about: named now, or earlier in the conversation, or
    the only item made in the colour they name ("有雾蓝xl吗": only the dress is 雾蓝)."""
    sku = latest_value(tracker, "sku")
    if sku:
        return shop().item(str(sku))
    colour = latest_value(tracker, "color")
    bundles = set(shop().bargaining.bundles)  # a bundle shares its items' colours
    made_in = [item for item in shop().items
               if colour and item.sku not in bundles and item.colour(str(colour)) is not None]
    return made_in[0] if len(made_in) == 1 else None


def buyer_texts(events: list[dict[str, Any]]) -> list[str]:
    """What the buyer wrote, in order (the latest message last)."""
    return [e.get("text") or "" for e in events if e.get("event") == "user"]


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""
