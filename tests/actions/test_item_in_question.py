"""Which item a message is about (actions/shop_data.item_in_question): a link or item number
in it, else an item it names, else the page the chat was opened on (the messages' metadata),
else the conversation's item; and what the bot says when the buyer points at an item it
cannot offer. On a shop whose jeans and dress carry the platform's item ids and whose dress
is retired, in Rasa's environment."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalog import ActionCheckStock
from actions.shop_data import CONVERSATION, LINK, PAGE, WORDS, item_in_question
from actions.sizing import ValidateSizeForm
from tests.actions.shops import actions_use_shop, copy_of_demo_shop

JEANS_ID, DRESS_ID = "600000002801", "600000001066"  # the dress is retired in this shop


@pytest.fixture(autouse=True, scope="module")
def imported_shop(tmp_path_factory):
    """The demo shop as imported from a platform: item ids, and the dress no longer listed."""
    folder = copy_of_demo_shop(tmp_path_factory.mktemp("shop"))
    catalog = folder / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    text = text.replace("  - sku: JN-2801\n", f'  - sku: JN-2801\n    item_id: "{JEANS_ID}"\n', 1)
    text = text.replace("  - sku: DR-1066\n", f'  - sku: DR-1066\n    item_id: "{DRESS_ID}"\n    retired: true\n', 1)
    catalog.write_text(text, encoding="utf-8")
    with actions_use_shop(folder) as shop:
        yield shop


def user(text, *, item=None, named=None, intent="ask_stock"):
    """A buyer's message as Rasa's tracker keeps it: ``item`` the page's (metadata), ``named``
    the sku the NLU found in the words."""
    entities = [{"entity": "sku", "value": named}] if named else []
    return {"event": "user", "text": text, "metadata": {"message_id": "m" * 8, **({"item": item} if item else {})},
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities}}


def tracker(*events, slots=None):
    latest = events[-1]["parse_data"] | {"text": events[-1]["text"], "metadata": events[-1]["metadata"]}
    return Tracker("buyer-1", dict(slots or {}), latest, list(events), False, None, {}, "action_listen")


def which(*events, slots=None):
    question = item_in_question(tracker(*events, slots=slots))
    return (question.item.sku if question.item else None), question.source


LINK_TO_JEANS = f"https://item.taobao.com/item.htm?id={JEANS_ID}"


@pytest.mark.parametrize("events,slots,expected", [
    # a pasted link beats the words, the page and the conversation
    ([user(f"{LINK_TO_JEANS} T恤有黑色吗", item="TS-0520", named="TS-0520")], {"sku": "TS-0520"}, ("JN-2801", LINK)),
    ([user("货号JN-2801有黑色吗", item="TS-0520")], {"sku": "TS-0520"}, ("JN-2801", LINK)),
    # on the jeans page, "那件T恤" means the T-shirt
    ([user("那件T恤有黑色吗", item="JN-2801", named="TS-0520")], {"sku": "TS-0520"}, ("TS-0520", WORDS)),
    # nothing named: the page, by merchant code or by the platform's id, over an older item
    ([user("有黑色吗", item="JN-2801")], {"sku": "TS-0520"}, ("JN-2801", PAGE)),
    ([user("有黑色吗", item=JEANS_ID)], {}, ("JN-2801", PAGE)),
    # an item named since the buyer came to this page: the conversation goes on about it
    ([user("T恤多少钱", item="JN-2801", named="TS-0520"), user("有黑色吗", item="JN-2801")], {"sku": "TS-0520"},
     ("TS-0520", CONVERSATION)),
    # ... until the buyer opens another page
    ([user("T恤多少钱", item="JN-2801", named="TS-0520"), user("这个有黑色吗", item="SET-01")], {"sku": "TS-0520"},
     ("SET-01", PAGE)),
    # a page the catalogue does not know yet: the conversation's item
    ([user("有黑色吗", item="700000000001")], {"sku": "TS-0520"}, ("TS-0520", CONVERSATION)),
    # no page (an integration without context): as before
    ([user("有黑色吗")], {"sku": "TS-0520"}, ("TS-0520", CONVERSATION)),
    ([user("有黑色吗")], {}, (None, "")),
])
def test_the_most_explicit_item_wins(events, slots, expected):
    assert which(*events, slots=slots) == expected


def test_a_link_to_a_retired_item_gives_no_item_but_says_so():
    question = item_in_question(tracker(user(f"https://detail.tmall.com/item.htm?id={DRESS_ID}有M码吗", item="JN-2801"),
                                        slots={"sku": "JN-2801"}))
    assert question.item is None and question.retired.sku == "DR-1066" and question.points_elsewhere


def test_a_short_link_is_read_from_its_share_text_or_not_at_all():
    share = "【淘宝】https://m.tb.cn/h.5XyZabc?tk=AbCd 「纯棉短袖T恤」"
    assert which(user(share, item="JN-2801", named="TS-0520")) == ("TS-0520", WORDS)
    question = item_in_question(tracker(user("https://m.tb.cn/h.5XyZabc", item="JN-2801"), slots={"sku": "JN-2801"}))
    assert question.item is None and question.short_link  # not the page's jeans: the link is another item


def ask(action, *events, slots=None):
    dispatcher = CollectingDispatcher()
    out = asyncio.run(action.run(dispatcher, tracker(*events, slots=slots), {}))
    slot_events = {e["name"]: e["value"] for e in out if e.get("event") == "slot"}
    return dispatcher.messages, slot_events


def test_asked_on_the_jeans_page_the_answer_is_about_the_jeans_and_the_conversation_keeps_them():
    messages, slots = ask(ActionCheckStock(), user("有黑色吗", item="JN-2801"))
    assert messages[0]["response"] == "utter_stock_available" and messages[0]["item_name"] == "高腰直筒牛仔裤"
    assert slots["sku"] == "JN-2801"


def test_a_link_to_a_retired_item_is_told_so_with_similar_items_and_the_old_item_is_dropped():
    messages, slots = ask(ActionCheckStock(), user(f"宝贝ID {DRESS_ID} 还有货吗"), slots={"sku": "JN-2801"})
    assert [m["response"] for m in messages] == ["utter_item_retired"]
    assert messages[0]["item_name"] == "碎花连衣裙" and "纯棉短袖T恤（59元）" in messages[0]["similar_part"]
    assert slots["sku"] is None and slots["expecting"] == "sku"  # the next "牛仔裤" answers which item


@pytest.mark.parametrize("text,script", [
    ("https://item.taobao.com/item.htm?id=699999999999 有货吗", "utter_item_not_in_shop"),
    ("商品编号100012345678有货吗", "utter_item_not_in_shop"),
    ("https://m.tb.cn/h.5XyZabc 有货吗", "utter_item_short_link"),
])
def test_an_item_the_bot_cannot_find_is_asked_about_politely(text, script):
    messages, slots = ask(ActionCheckStock(), user(text), slots={"sku": "JN-2801"})
    assert [m["response"] for m in messages] == [script] and messages[0]["buttons"] == []
    assert slots["sku"] is None and slots["expecting"] == "sku"


def test_the_sizing_form_takes_the_item_from_the_page_instead_of_asking():
    t = tracker(user("我165 100斤穿什么码", item="JN-2801", intent="ask_size"),
                slots={"height": 165.0, "weight": 50.0, "requested_slot": None})
    extracted = asyncio.run(ValidateSizeForm().extract_sku(CollectingDispatcher(), t, {}))
    assert extracted == {"sku": "JN-2801"}
