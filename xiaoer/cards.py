"""Cards beside a reply's text: a product (picture, name, price, link; as a candidate of a
choice also its colours and what a tap sends) or an order (item, colour, size, quantity, status). One contract: the actions build cards with these functions,
the gateway keeps only what :func:`clean_card` accepts, the widget and the console draw them.
The text always says the same, for channels that show no cards."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from xiaoer.shop.model import Item

# A picture or link the gateway serves itself (/static/...) or an https address: nothing a
# page could run (no javascript:, no data:, no quotes to break out of an attribute).
SAFE_LINK = re.compile(r"(/static/[A-Za-z0-9_./-]+|https://[^\s\"'<>`\\]+)\Z")

ORDER_STATUS_ZH = {
    "unpaid": "待付款",
    "paid": "已付款，待发货",
    "shipped": "已发货",
    "delivered": "已签收",
    "cancelled": "已取消",
}

# type -> the fields a card of that type may carry, and which are numbers
FIELDS: dict[str, dict[str, type]] = {
    # colours and payload: a candidate of a choice (choice_card), tapped to say "this one"
    "product": {"sku": str, "title": str, "price": float, "image": str, "url": str, "colours": str, "payload": str},
    "order": {"order_id": str, "title": str, "colour": str, "size": str, "quantity": int, "status": str,
              "status_zh": str, "courier": str, "tracking_number": str, "image": str},
}
LINKS = ("image", "url")
MAX_TEXT = 200


def safe_link(value: str) -> bool:
    return bool(SAFE_LINK.match(value)) and ".." not in value


def product_card(item: "Item") -> dict[str, Any]:
    card: dict[str, Any] = {"type": "product", "sku": item.sku, "title": item.name, "price": item.price}
    card.update({key: getattr(item, key) for key in LINKS if getattr(item, key)})
    return card


def choice_payload(item: "Item") -> str:
    """What tapping a candidate sends as the buyer's message: the item's number, which every
    part of the bot reads as that item (xiaoer/item_links: 货号…)."""
    return f"货号{item.sku}"


def choice_card(item: "Item", colours: str) -> dict[str, Any]:
    """One item of a choice ("您问的是哪一款？"): its product card, what it has in the colours
    asked about, and what a tap sends."""
    return {**product_card(item), "colours": colours, "payload": choice_payload(item)}


def order_card(order: Mapping[str, Any], image: str = "") -> dict[str, Any]:
    """The buyer's own order as a card (never the phone or the address)."""
    status = str(order.get("status") or "")
    card: dict[str, Any] = {
        "type": "order", "order_id": str(order.get("order_id") or ""), "title": str(order.get("item") or ""),
        "colour": str(order.get("colour") or ""), "size": str(order.get("size") or ""),
        "quantity": int(order.get("quantity") or 1), "status": status, "status_zh": ORDER_STATUS_ZH.get(status, status),
    }
    if status == "shipped" and order.get("tracking_number"):
        card.update(courier=str(order.get("courier") or ""), tracking_number=str(order["tracking_number"]))
    if image:
        card["image"] = image
    return card


def clean_card(card: Any) -> dict[str, Any] | None:
    """The card with only the fields its type allows, each of the right kind; None when it is
    not a card at all. A field that fails is left out, not guessed."""
    if not isinstance(card, Mapping) or card.get("type") not in FIELDS:
        return None
    kept: dict[str, Any] = {"type": card["type"]}
    for key, kind in FIELDS[card["type"]].items():
        value = card.get(key)
        if value is None or isinstance(value, bool):
            continue
        if kind is str and isinstance(value, str) and 0 < len(value) <= MAX_TEXT:
            if key not in LINKS or safe_link(value):
                kept[key] = value
        elif kind is float and isinstance(value, (int, float)) and value >= 0:
            kept[key] = value
        elif kind is int and isinstance(value, int) and value > 0:
            kept[key] = value
    return kept if kept.get("title") else None
