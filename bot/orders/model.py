"""Orders from the shop platform: what an order is, the events that change it, and the
interface a platform implements (:class:`ShopAdapter`). Plain data and checks, no I/O."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from bot.infra.requests import CONVERSATION_ID

if TYPE_CHECKING:
    from xiaoer.shop import Shop

ORDER_ID = re.compile(r"[A-Za-z0-9_-]{4,64}\Z")
STATUSES = ("unpaid", "paid", "cancelled", "shipped", "delivered")
# Which status each event moves an order to, and from which statuses it may come.
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "order_paid": ("paid", ("unpaid",)),
    "order_cancelled": ("cancelled", ("unpaid", "paid")),
    "order_shipped": ("shipped", ("paid",)),
    "order_delivered": ("delivered", ("shipped",)),
}
EVENTS = ("order_created", *TRANSITIONS)



class OrderError(ValueError):
    """An event body the platform must fix; the message says what is wrong."""


class UnknownOrder(LookupError):
    """No order with this id."""


class OrderConflict(ValueError):
    """The event does not fit the order's status (paying a cancelled order)."""


@dataclass(frozen=True)
class Order:
    order_id: str
    conversation_id: str  # the buyer's conversation in the widget
    sku: str
    item: str
    size: str
    colour: str
    quantity: int
    contact: str
    phone: str
    address: str
    courier: str
    remarks: str = ""
    status: str = "unpaid"
    created_at: float = 0.0
    paid_at: float | None = None
    tracking_number: str = ""

    def confirmation_values(self) -> dict[str, Any]:
        values = asdict(self)
        values["remarks"] = self.remarks or "无"
        return values


class ShopAdapter(Protocol):
    """What a shop platform implements so the bot can look orders up."""

    async def get_order(self, order_id: str) -> Order | None: ...


def text_field(body: Mapping[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise OrderError(f'"{name}" is required and must be a non-empty string')
    value = str(value).strip()
    if len(value) > limit:
        raise OrderError(f'"{name}" is {len(value)} characters; the limit is {limit}')
    return value


def parse_new_order(body: Any, shop: "Shop", created_at: float) -> Order:
    """An ``order_created`` body as an unpaid :class:`Order`; raises OrderError."""
    if not isinstance(body, dict):
        raise OrderError("the body must be a JSON object describing the order")
    order_id = text_field(body, "order_id", limit=64)
    if not ORDER_ID.match(order_id):
        raise OrderError('"order_id" must be 4-64 letters, digits, "-" or "_"')
    conversation_id = text_field(body, "conversation_id", limit=64)
    if not CONVERSATION_ID.match(conversation_id):
        raise OrderError('"conversation_id" must be 8-64 letters, digits, "-" or "_"')
    sku = text_field(body, "sku", limit=40)
    item = shop.item(sku)
    # The platform is the source of truth for what was sold; our catalog only names it.
    name = item.name if item else text_field(body, "item", required=False) or sku
    quantity = body.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 999:
        raise OrderError('"quantity" must be a whole number from 1 to 999')
    return Order(
        order_id=order_id,
        conversation_id=conversation_id,
        sku=item.sku if item else sku,
        item=name,
        size=text_field(body, "size", limit=20),
        colour=text_field(body, "colour", limit=20),
        quantity=quantity,
        contact=text_field(body, "contact", limit=40),
        phone=text_field(body, "phone", limit=30),
        address=text_field(body, "address", limit=300),
        courier=text_field(body, "courier", required=False, limit=20) or shop.shipping.default_courier,
        remarks=text_field(body, "remarks", required=False, limit=300),
        status="unpaid",
        created_at=created_at,
    )
