"""Who may see an order, and what of it the bot sees. Plain rules, shared by the gateway
(which tells the bot about the conversation's own orders) and the action server (which
checks a buyer who names another order by the phone's last four digits).

An order is shown to a conversation only when the shop linked it (the order was placed from
it) or the buyer gave its number and the last four digits of the phone it was placed with.
Wrong digits are counted per order: after ``MAX_FAILED_CHECKS`` in ``CHECK_WINDOW_S`` a
person checks instead, so four digits cannot be guessed by trying.
"""

from __future__ import annotations

import hmac
import re
from typing import Any, Mapping

MAX_FAILED_CHECKS = 2
CHECK_WINDOW_S = 24 * 3600

# "1234", "尾号1234", "手机后四位是 1234", "后4位1234哦": four digits and a few words around them
_LAST4 = re.compile(r"^[^\d]{0,8}?(\d{4})[^\d]{0,4}$")
_NOT_PHONE_WORDS = re.compile(r"[元块斤码]|单号|订单|cm|kg", re.I)


def order_key(prefix: str, order_id: str) -> str:
    """The order store's Redis key for one order (bot/orders/store.py)."""
    return f"{prefix}:order:{order_id}"


def failed_checks_key(prefix: str, order_id: str) -> str:
    return f"{prefix}:order_checks_failed:{order_id}"


def phone_last4(text: str) -> str | None:
    """The four digits a buyer gives as their phone's last four, or None ("1234元" is a price)."""
    text = re.sub(r"后\s*[4四]\s*位", "后四位", text.strip())
    match = _LAST4.match(text)
    if match is None or _NOT_PHONE_WORDS.search(text.replace("号码", "")):
        return None
    return match.group(1)


def phone_matches(phone: str, last4: str) -> bool:
    digits = re.sub(r"\D", "", phone or "")
    return len(digits) >= 4 and hmac.compare_digest(digits[-4:], last4)


def order_view(order: Mapping[str, Any]) -> dict[str, Any]:
    """What the bot keeps of the buyer's own order (the ``linked_order`` slot): never the phone."""
    return {key: order.get(key) for key in (
        "order_id", "status", "sku", "item", "size", "colour", "quantity", "courier", "tracking_number", "address",
    )}
