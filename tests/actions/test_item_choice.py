"""The right item in a 300-item shop (the generated export, imported with the project's
importer): words that fit several items get a choice of up to three cards to tap, and the tap
answers the question asked; a page, a link, the conversation's item or words that fit one item
decide it without asking; stock, price, bargaining and sizing take the item from the same place
(actions/shop_data.item_in_question). Messages carry the entities the model's extractor finds
in them with this shop's catalogue (xiaoer.entities), as Rasa would send them."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bargaining import ActionBargain
from actions.catalog import ActionCheckStock, ActionProductInfo
from actions.purchase import ActionPurchase
from actions.sizing import ActionRecommendSize, ValidateSizeForm
from tests.actions.shops import actions_use_shop
from tests.imported_shop import imported_shop
from xiaoer.entities import extract_entities


@pytest.fixture(autouse=True, scope="module")
def shop(tmp_path_factory):
    with actions_use_shop(imported_shop(tmp_path_factory.mktemp("shop"))) as shop:
        yield shop


def user(shop, text, intent="ask_stock", page=None):
    entities = extract_entities(text, shop.catalog_for_nlu())
    return {"event": "user", "text": text, "metadata": {"message_id": "m" * 8, **({"item": page} if page else {})},
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities}}


def run(action, *events, slots=None):
    latest = events[-1]["parse_data"] | {"text": events[-1]["text"], "metadata": events[-1]["metadata"]}
    tracker = Tracker("buyer-1", dict(slots or {}), latest, list(events), False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    out = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in out if e.get("event") == "slot"}


def trousers_in_black(shop):
    return [i for i in shop.items if i.category == "裤装" and i.in_stock("黑色")]


def test_trousers_in_black_get_a_choice_of_three_cards_the_ones_in_black_first(shop):
    messages, slots = run(ActionCheckStock(), user(shop, "裤子有黑色吗"))
    assert [m["response"] for m in messages] == ["utter_choose_item"]
    choice = messages[0]
    first_three = trousers_in_black(shop)[:3]  # in stock in black, in the catalogue's order
    cards = choice["custom"]["cards"]
    assert [c["sku"] for c in cards] == [i.sku for i in first_three]
    assert all(c["type"] == "product" and c["colours"] == "黑色有货" and c["payload"] == f"货号{c['sku']}" for c in cards)
    assert [b["payload"] for b in choice["buttons"]] == [c["payload"] for c in cards]
    assert all(i.name in choice["options"] for i in first_three)
    more = len([i for i in shop.items if i.category == "裤装"]) - 3
    assert f"另外还有{more}款" in choice["more_part"] and "链接" in choice["more_part"]
    assert "sku" not in slots and slots["expecting"] == "sku" and slots["pending"] == "ask_stock"


def test_tapping_a_card_answers_the_stock_of_black_for_that_item_without_asking_again(shop):
    chosen = trousers_in_black(shop)[1]
    question = user(shop, "裤子有黑色吗")
    tap = user(shop, f"货号{chosen.sku}", intent="nlu_fallback")
    asked = {"expecting": "sku", "pending": "ask_stock", "topic": "ask_stock", "color": "黑色"}
    expecting = {"event": "slot", "name": "expecting", "value": "sku"}
    # whatever the classifier makes of a bare item number, the conversation takes it as the answer
    messages, slots = run(ActionProductInfo(), question, expecting, tap, slots=asked)
    assert [m["response"] for m in messages] == ["utter_stock_available"]
    assert messages[0]["item_name"] == chosen.name and messages[0]["color"] == "黑色"
    assert slots["sku"] == chosen.sku and slots["expecting"] is None


def test_on_a_trousers_page_or_about_a_pair_already_the_words_do_not_ask(shop):
    page_item = trousers_in_black(shop)[5]
    messages, slots = run(ActionCheckStock(), user(shop, "裤子有黑色吗", page=page_item.item_id))
    assert messages[0]["response"] == "utter_stock_available" and messages[0]["item_name"] == page_item.name
    messages, _ = run(ActionCheckStock(), user(shop, "裤子有黑色吗"), slots={"sku": page_item.sku})
    assert messages[0]["response"] == "utter_stock_available" and messages[0]["item_name"] == page_item.name
    # about a dress, trousers are still a choice
    dress = next(i for i in shop.items if i.category == "裙装")
    messages, _ = run(ActionCheckStock(), user(shop, "裤子有黑色吗"), slots={"sku": dress.sku})
    assert messages[0]["response"] == "utter_choose_item"


def test_words_that_fit_one_item_answer_for_it_and_the_conversation_keeps_it(shop):
    meant = next(i for i in shop.items if "冰丝阔腿裤男" in i.name)  # no alias says it: the words fit it best
    message = user(shop, "冰丝阔腿裤男款的有黑色吗")
    assert not [e for e in message["parse_data"]["entities"] if e["entity"] == "sku"]
    messages, slots = run(ActionCheckStock(), message)
    assert messages[0]["response"] == "utter_stock_available" and messages[0]["item_name"] == meant.name
    assert slots["sku"] == meant.sku


def test_a_sold_out_colour_of_an_item_named_is_said_with_what_else_there_is(shop):
    item = next(i for i in shop.items if i.aliases and any(not c.in_stock for c in i.colours) and i.in_stock_colours)
    sold_out = next(c.name for c in item.colours if not c.in_stock)
    messages, _ = run(ActionCheckStock(), user(shop, f"{item.aliases[0]}有{sold_out}吗"))
    assert messages[0]["response"] == "utter_stock_sold_out" and messages[0]["color"] == sold_out
    assert item.in_stock_colours[0] in messages[0]["alternatives"]


@pytest.mark.parametrize("action,intent,text", [
    (ActionBargain(), "bargain", "冰丝阔腿裤便宜点吧"),
    (ActionProductInfo(), "ask_product_info", "冰丝阔腿裤什么面料"),
    (ActionPurchase(), "purchase", "冰丝阔腿裤拍个黑色M"),
])
def test_price_facts_and_ordering_offer_the_same_choice(shop, action, intent, text):
    messages, slots = run(action, user(shop, text, intent=intent))
    assert [m["response"] for m in messages] == ["utter_choose_item"], messages
    assert all("冰丝" in c["title"] and "阔腿裤" in c["title"] for c in messages[0]["custom"]["cards"])
    assert slots["expecting"] == "sku"


def test_sizing_takes_the_item_the_words_fit_and_sizes_by_its_chart(shop):
    item = next(i for i in shop.items if "冰丝阔腿裤男" in i.name)
    message = user(shop, "冰丝阔腿裤男款 我165 110斤穿什么码", intent="ask_size")
    latest = message["parse_data"] | {"text": message["text"], "metadata": message["metadata"]}
    tracker = Tracker("buyer-1", {"requested_slot": None}, latest, [message], False, None, {}, "action_listen")
    assert asyncio.run(ValidateSizeForm().extract_sku(CollectingDispatcher(), tracker, {})) == {"sku": item.sku}
    messages, _ = run(ActionRecommendSize(), message, slots={"sku": item.sku, "height": 165.0, "weight": 55.0})
    assert messages[0]["item_name"] == item.name and messages[0]["size"] in item.sizes


def test_sizing_trousers_among_dozens_offers_the_choice_first_and_the_tap_gets_the_size(shop):
    question = user(shop, "裤子我165 110斤穿什么码", intent="ask_size")
    body = {"height": 165.0, "weight": 55.0}
    latest = question["parse_data"] | {"text": question["text"], "metadata": question["metadata"]}
    tracker = Tracker("buyer-1", {**body, "requested_slot": None}, latest, [question], False, None, {}, "action_listen")
    assert asyncio.run(ValidateSizeForm().required_slots([], CollectingDispatcher(), tracker, {})) == []
    messages, slots = run(ActionRecommendSize(), question, slots=body)
    assert [m["response"] for m in messages] == ["utter_choose_item"]
    assert slots["expecting"] == "sku" and slots["pending"] == "ask_size" and "recommended_size" not in slots
    chosen = next(i for i in shop.items if i.sku == messages[0]["custom"]["cards"][0]["sku"])
    tap = user(shop, messages[0]["buttons"][0]["payload"], intent="out_of_scope")
    expecting = {"event": "slot", "name": "expecting", "value": "sku"}
    messages, slots = run(ActionCheckStock(), question, expecting, tap,
                          slots={**body, "expecting": "sku", "pending": "ask_size", "topic": "ask_size"})
    assert messages[0]["response"] == "utter_size_same" and messages[0]["item_name"] == chosen.name
    assert slots["recommended_size"] in chosen.sizes and slots["sku"] == chosen.sku
