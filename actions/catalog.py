"""Stock and product questions, answered from the catalog."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import ScenarioAction
from actions.shop_data import current_item, shop, this_message
from xiaoer.shop import Item, Shop


def stock_reply(shop: Shop, item: Item | None, colour: str | None, size: str | None) -> tuple[str, dict[str, Any]]:
    """In stock, sold out (with what else to offer), or not made in that colour/size."""
    if item is None:
        return "utter_ask_which_item", {}
    base = {"item_name": item.name, "price": f"{item.price:g}"}
    if size and not item.has_size(size):
        return "utter_stock_no_such_size", {**base, "size": size, "sizes": "、".join(item.sizes)}
    if colour and item.colour(colour) is None:
        return "utter_stock_no_such_colour", {**base, "color": colour, "colors": "、".join(item.colour_names)}
    if colour and not item.in_stock(colour) or not item.in_stock():
        others = [f"同款还有{'、'.join(item.in_stock_colours)}可选"] if item.in_stock_colours else []
        similar = [f"{s.name}（{s.price:g}元）" for s in shop.similar_items(item)[:2]]
        if similar:
            others.append(f"也可以看看{'、'.join(similar)}")
        sold_out = colour or item.name
        return "utter_stock_sold_out", {**base, "color": sold_out, "alternatives": "，".join(others) or "也可以看看店里的其他新款"}
    colours = f"{colour}" if colour else "、".join(item.in_stock_colours)
    return "utter_stock_available", {**base, "color": colours, "size_part": f"{size}码" if size else "各个尺码"}


def product_reply(item: Item | None) -> tuple[str, dict[str, Any]]:
    if item is None:
        return "utter_ask_which_item", {}
    return "utter_product_info", {
        "item_name": item.name, "price": f"{item.price:g}", "material": item.material or "优质面料",
        "selling_points": "，".join(item.selling_points) or "做工扎实、版型好穿",
        "colors": "、".join(item.in_stock_colours), "sizes": "、".join(item.sizes),
    }


class ActionCheckStock(ScenarioAction):
    scenario = "ask_stock"
    action_name = "action_check_stock"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        colour = this_message(tracker, "color")
        size = this_message(tracker, "size")
        script, values = stock_reply(shop(), current_item(tracker), colour, size)
        dispatcher.utter_message(response=script, **values)
        return []


class ActionProductInfo(ScenarioAction):
    scenario = "ask_product_info"
    action_name = "action_product_info"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        script, values = product_reply(current_item(tracker))
        dispatcher.utter_message(response=script, **values)
        return []
