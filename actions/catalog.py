"""Stock and product questions, answered from the catalog: what is in stock, what an item
is, its facts (fabric, stretch, care, ...: shop/catalog.yml ``facts``), two items compared."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scenario import ScenarioAction
from actions.shop_data import buyer_texts, current_item, latest_text, shop, this_message
from xiaoer.cards import product_card
from xiaoer.dialogue import without_items
from xiaoer.product_facts import asked_facts, asks_to_compare, fact_answer
from xiaoer.shop import Item, Shop
from xiaoer.shop.model import FACT_FIELDS


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


def asked_spec(tracker: Tracker) -> tuple[str | None, str | None]:
    """The colour and size asked about: in this message, or, when it only says which item the
    bot asked about ("货号KZ-1433", a choice tapped), in the question before it ("裤子有黑色吗")."""
    colour, size = this_message(tracker, "color"), this_message(tracker, "size")
    if tracker.get_slot("expecting") == "sku" and colour is None and size is None:
        return tracker.get_slot("color"), tracker.get_slot("size")
    return colour, size


class ActionCheckStock(ScenarioAction):
    scenario = "ask_stock"
    action_name = "action_check_stock"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        colour, size = asked_spec(tracker)
        script, values = stock_reply(shop(), current_item(tracker), colour, size)
        dispatcher.utter_message(response=script, **values)
        return []


COMPARED_FACTS = ("fabric", "fit", "thickness", "season")  # what tells two items apart


def fact_replies(item: Item | None, fields: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The catalog's answers to the facts asked, and a kind word plus a person for any it
    does not have (never a made-up answer)."""
    if item is None:
        return [("utter_ask_which_item", {})]
    answer = fact_answer(item, fields)
    replies: list[tuple[str, dict[str, Any]]] = []
    if answer.known:
        replies.append(("utter_product_fact", {"item_name": item.name, "facts": "；".join(answer.known)}))
    if answer.missing:
        asked = "、".join(FACT_FIELDS[f] for f in answer.missing)
        replies.append(("utter_product_fact_unknown", {"item_name": item.name, "asked": asked}))
    return replies


def compare_reply(first: Item, second: Item) -> tuple[str, dict[str, Any]]:
    def summary(item: Item) -> str:
        facts = [item.facts[f] for f in COMPARED_FACTS if f in item.facts]
        return "，".join([f"{item.price:g}元"] + facts[:3])
    return "utter_product_compare", {
        "first_name": first.name, "first_facts": summary(first),
        "second_name": second.name, "second_facts": summary(second),
    }


class ActionProductInfo(ScenarioAction):
    scenario = "ask_product_info"
    action_name = "action_product_info"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text, entities = latest_text(tracker), tracker.latest_message.get("entities") or []
        named = list(dict.fromkeys(e["value"] for e in entities if e.get("entity") == "sku"))
        items = [i for i in (shop().item(str(sku)) for sku in named) if i is not None]
        if asks_to_compare(text) and len(items) >= 2:
            script, values = compare_reply(items[0], items[1])
            dispatcher.utter_message(response=script, **values)
            return []
        # the facts asked now, or before the bot asked which item ("透不透" -> "哪一款？" -> "T恤")
        earlier = buyer_texts(tracker.events)[-2:-1]
        fields = asked_facts(without_items(text, entities)) or (
            asked_facts(earlier[0]) if earlier and tracker.get_slot("expecting") == "sku" else [])
        item = current_item(tracker)
        if fields:
            for script, values in fact_replies(item, fields):
                dispatcher.utter_message(response=script, **values)
            return []
        script, values = product_reply(item)
        # what the item is, with its card (picture, price, link) where the channel shows cards
        dispatcher.utter_message(response=script, **values, json_message={"card": product_card(item)} if item else None)
        return []
