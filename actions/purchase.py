"""A buyer who is ordering ("那就拍个黑色L", "行 雾蓝xl") or has ordered ("好的我拍了"): a
short, warm confirmation of item, colour, size and price, and the next step. What is still
missing (the item, a colour or size) is asked for; what the shop does not have is said."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.catalog import stock_reply
from actions.scenario import ScenarioAction
from actions.shop_data import current_item, latest_text, latest_value, number, shop
from xiaoer.dialogue import FAREWELL, purchase_signal
from xiaoer.shop import Item, Shop


def purchase_reply(
    shop: Shop, item: Item | None, colour: str | None, size: str | None, bought: bool,
    agreed_price: float | None = None, concessions: list[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The script and its values for a buyer who orders ``item`` (``bought``: already did);
    what the haggle gave (free shipping, a gift) is confirmed with the price."""
    ship_hours = shop.ship_hours()
    if bought and item is None:  # ordered already: no need to know which item to thank them
        return "utter_purchase_done", {"item_name": "", "spec": "", "ship_hours": ship_hours}
    if item is None:
        return "utter_ask_which_item", {}
    if colour and item.colour(colour) is None or size and not item.has_size(size) \
            or colour and not item.in_stock(colour):
        return stock_reply(shop, item, colour, size)
    spec = "".join(part for part in (colour, f"{size}码" if size else None) if part)
    price = agreed_price if agreed_price else item.price
    given = concessions or []
    deal = (["包邮"] if "free_shipping" in given else []) + [f"送{c.split(':', 1)[1]}" for c in given if c.startswith("gift:")]
    base = {"item_name": item.name, "spec": spec, "price": f"{price:g}", "ship_hours": ship_hours,
            "deal_part": f"（{'，'.join(deal)}）" if deal else ""}
    if bought:
        return "utter_purchase_done", {"item_name": item.name, "spec": spec, "ship_hours": ship_hours}
    missing = [name for name, value in (("颜色", colour), ("尺码", size)) if not value]
    if missing:
        return "utter_purchase_ask_spec", {
            **base, "missing": "和".join(missing),
            "colors": "、".join(item.in_stock_colours), "sizes": "、".join(item.sizes),
        }
    return "utter_purchase_confirm", base


class ActionPurchase(ScenarioAction):
    scenario = "purchase"
    action_name = "action_purchase"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        item = current_item(tracker)
        size = latest_value(tracker, "size") or tracker.get_slot("recommended_size")
        script, values = purchase_reply(
            shop(), item, latest_value(tracker, "color"), size,
            bought=purchase_signal(latest_text(tracker)) == "bought",
            agreed_price=number(tracker.get_slot("agreed_price")),
            concessions=list(tracker.get_slot("concessions") or []),
        )
        dispatcher.utter_message(response=script, **values)
        if script not in ("utter_purchase_confirm", "utter_purchase_done"):
            return []
        if FAREWELL.search(latest_text(tracker)):  # "那我拍了，拜拜": the farewell after a deal too
            dispatcher.utter_message(response="utter_goodbye_deal", vip_zhe=shop().vip.zhe)
        return [SlotSet("deal", True)]
