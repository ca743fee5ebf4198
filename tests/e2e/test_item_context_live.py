"""The right item through the whole bot with the real model: a chat opened on the jeans' page
("context": {"item": "JN-2801"}) is about the jeans when the buyer names no item, about the
dress when they name it; a pasted link the shop has no item for is asked about politely."""

from __future__ import annotations

import uuid

from tests.e2e.said import said_by

ON_THE_JEANS_PAGE = {"item": "JN-2801"}  # the jeans' merchant code, as the widget would send it


def texts(reply: dict) -> list[str]:
    return [m["text"] for m in reply["messages"]]


def test_on_the_jeans_page_the_buyer_gets_the_jeans_answers_without_naming_them(live_bot):
    conversation = f"page-{uuid.uuid4().hex[:12]}"
    said = texts(live_bot.say(conversation, "有黑色吗", ON_THE_JEANS_PAGE))
    assert said and said_by(live_bot, "utter_stock_available", said[0]), said
    assert "高腰直筒牛仔裤" in said[0] and "黑色" in said[0]
    # (the model reads a bare "多少钱" as a haggle, with or without a page: the answer is the jeans' haggle)
    said = texts(live_bot.say(conversation, "多少钱", ON_THE_JEANS_PAGE))
    assert said and "高腰直筒牛仔裤" in said[0], said
    assert not any(said_by(live_bot, "utter_ask_which_item", text) for text in said), said
    said = texts(live_bot.say(conversation, "什么面料的", ON_THE_JEANS_PAGE))
    assert any("98%棉、2%氨纶" in text for text in said), said
    # Rasa has the page's item in each message's metadata, and the conversation keeps the jeans
    tracker = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()
    pages = [(e.get("metadata") or {}).get("item") for e in tracker["events"] if e.get("event") == "user"]
    assert pages == ["JN-2801"] * 3 and tracker["slots"]["sku"] == "JN-2801"


def test_on_the_jeans_page_the_dress_named_is_the_dress(live_bot):
    said = texts(live_bot.say(f"page-{uuid.uuid4().hex[:12]}", "那条连衣裙多少钱", ON_THE_JEANS_PAGE))
    assert any("169" in text and "连衣裙" in text for text in said), said
    assert not any("牛仔裤" in text for text in said), said


def test_a_pasted_link_to_an_item_the_shop_does_not_have_is_asked_about_politely(live_bot):
    conversation = f"link-{uuid.uuid4().hex[:12]}"
    live_bot.say(conversation, "牛仔裤有黑色吗")  # the conversation was about the jeans
    said = texts(live_bot.say(conversation, "https://item.taobao.com/item.htm?id=699999999999 这个有黑色吗"))
    assert said and said_by(live_bot, "utter_item_not_in_shop", said[0]), said
    assert not any("牛仔裤" in text for text in said), said
    # the link's digits are the item's id, not an order number for the order questions to come
    tracker = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()
    assert tracker["slots"]["order_id"] is None and tracker["slots"]["sku"] is None
