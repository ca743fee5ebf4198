"""The whole bot, with the model trained on the demo shop, answering for a shop whose catalogue
is the generated 300-item export imported with the project's importer (and nothing else): stock
of a colour, a price, a sold-out colour, sizing on an item of each chart, the item of the page
the chat was opened on, a pasted Taobao link, and "裤子有黑色吗", which fits dozens of trousers,
getting a choice of three cards whose tap gets the stock answer. No retraining: the entity rules
read the imported catalogue when the model loads, and the actions read the words against it."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import REDIS_URL
from tests.e2e.said import said_by
from tests.imported_shop import imported_shop
from tools.stack import running_bot
from xiaoer.shop import load_shop


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("imported-live")
    imported_shop(workdir / "shop")  # LiveBot runs on its workdir's shop when the test made one
    with running_bot(workdir, REDIS_URL) as bot:
        yield bot


@pytest.fixture(scope="module")
def shop(bot):
    return load_shop(bot.shop_dir)


def conversation() -> str:
    return f"imp-{uuid.uuid4().hex[:12]}"


def texts(reply: dict) -> list[str]:
    return [m["text"] for m in reply["messages"]]


def named(shop, chart: str, sold_out: bool = False):
    """An item of the chart whose shortest alias names it alone (what a buyer would type),
    with a colour in stock and, if asked, a colour sold out."""
    for item in shop.items:
        if item.size_chart != chart or not item.aliases or not item.in_stock_colours:
            continue
        if sold_out and all(c.in_stock for c in item.colours):
            continue
        return item, min(item.aliases, key=len)
    raise LookupError(chart)


def test_the_stock_of_a_colour_of_an_item_named_in_the_message(bot, shop):
    item, name = named(shop, "outerwear")
    colour = item.in_stock_colours[0]
    said = texts(bot.say(conversation(), f"{name}有{colour}吗"))
    assert said and said_by(bot, "utter_stock_available", said[0]), said
    assert item.name in said[0] and colour in said[0]


def test_the_price_of_an_item_named_in_the_message(bot, shop):
    item, name = named(shop, "dress")
    said = texts(bot.say(conversation(), f"{name}多少钱"))
    assert any(item.name in text and f"{item.price:g}" in text for text in said), said


def test_a_sold_out_colour_is_said_with_the_colours_there_are(bot, shop):
    item, name = named(shop, "tee", sold_out=True)
    gone = next(c.name for c in item.colours if not c.in_stock)
    said = texts(bot.say(conversation(), f"{name}有{gone}吗"))
    assert said and said_by(bot, "utter_stock_sold_out", said[0]), said
    assert gone in said[0] and item.in_stock_colours[0] in said[0]


@pytest.mark.parametrize("chart,asked", [
    ("tee", "{name} 我165 110斤穿什么码"),
    ("jeans", "{name} 我165 110斤穿什么码"),
    ("dress", "{name} 我165 110斤穿什么码"),
    ("outerwear", "{name} 我165 110斤穿什么码"),
    ("children", "{name} 孩子身高120穿什么码"),
    ("shoes", "{name} 脚长24厘米穿多大码"),
])
def test_sizing_on_an_item_of_each_chart(bot, shop, chart, asked):
    item, name = named(shop, chart)
    said = "\n".join(texts(bot.say(conversation(), asked.format(name=name))))
    assert item.name in said, said
    sizes = re.findall(r"(?:拿|选|穿)([0-9A-Z]+)码", said)
    assert sizes and set(sizes) <= set(item.sizes), said


def test_an_item_opened_from_its_page(bot, shop):
    item = next(i for i in shop.items if i.in_stock_colours and i.size_chart == "jeans")
    colour = item.in_stock_colours[0]
    said = texts(bot.say(conversation(), f"有{colour}吗", {"item": item.item_id}))
    assert said and said_by(bot, "utter_stock_available", said[0]), said
    assert item.name in said[0] and colour in said[0]


def test_a_pasted_taobao_link_finds_its_item(bot, shop):
    item = next(i for i in shop.items if i.size_chart == "shoes" and i.in_stock())
    said = texts(bot.say(conversation(), f"https://item.taobao.com/item.htm?id={item.item_id} 这个还有货吗"))
    assert said and item.name in said[0], said


def test_trousers_in_black_get_a_choice_with_cards_and_a_tap_gets_the_stock(bot, shop):
    talk = conversation()
    reply = bot.say(talk, "裤子有黑色吗")
    choice = reply["messages"][0]
    assert said_by(bot, "utter_choose_item", choice["text"]), choice
    cards = choice["cards"]
    in_black = [i for i in shop.items if i.category == "裤装" and i.in_stock("黑色")]
    assert [c["sku"] for c in cards] == [i.sku for i in in_black[:3]]
    assert all(c["colours"] == "黑色有货" and c["title"] in choice["text"] for c in cards)
    assert "链接" in choice["text"]  # dozens fit: the buyer may send the link or the name instead
    tapped = cards[1]
    said = texts(bot.say(talk, tapped["payload"]))
    assert said and said_by(bot, "utter_stock_available", said[0]), said
    assert tapped["title"] in said[0] and "黑色" in said[0]
    tracker = bot.rasa("GET", f"/conversations/{talk}/tracker").json()
    assert tracker["slots"]["sku"] == tapped["sku"]


def test_sizing_trousers_among_dozens_asks_which_first_and_the_tap_gets_the_size(bot, shop):
    talk = conversation()
    choice = bot.say(talk, "裤子我165 110斤穿什么码")["messages"][0]
    assert said_by(bot, "utter_choose_item", choice["text"]) and len(choice["cards"]) == 3, choice
    tapped = choice["cards"][0]
    item = next(i for i in shop.items if i.sku == tapped["sku"])
    said = "\n".join(texts(bot.say(talk, tapped["payload"])))
    assert item.name in said and re.search(r"(拿|选)(S|M|L|XL|XXL)码", said), said
