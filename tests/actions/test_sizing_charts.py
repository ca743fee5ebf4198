"""The sizing action on a shop that sells shoes and children's clothes: the demo Taobao
export (shop/demo_exports/taobao-300.csv) imported into a shop folder of its own, as a
shop owner would (tools/import_catalogue.py), in Rasa's environment."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNotUnderstood
from actions.sizing import ActionRecommendSize, ValidateSizeForm
from tests.actions.shops import REPO, actions_use_shop, copy_of_demo_shop
from tests.actions.test_dialogue_state import Conversation, said
from tools.import_catalogue import import_catalogue


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = copy_of_demo_shop(tmp_path_factory.mktemp("shop"))
    import_catalogue(REPO / "shop" / "demo_exports" / "taobao-300.csv", folder)
    with actions_use_shop(folder) as imported:
        yield imported


def first(shop, chart, smallest):
    return next(item for item in shop.items if item.size_chart == chart and item.sizes[0] == smallest)


@pytest.fixture(scope="module")
def womens_shoe(shop):
    return first(shop, "shoes", "35")  # 35-40


@pytest.fixture(scope="module")
def mens_shoe(shop):
    return first(shop, "shoes", "39")  # 39-44


@pytest.fixture(scope="module")
def childrens(shop):
    return first(shop, "children", "100")  # 100-140


def talk_about(item) -> Conversation:
    """A conversation opened on the item's page (the page sets the item)."""
    talk = Conversation()
    talk.slots["sku"] = item.sku
    return talk


def form_needs(talk: Conversation, intent: str, text: str) -> list[str]:
    """The slots the sizing form would still ask for after this message."""
    message = said(intent, text)
    slots = talk.slots | {e["entity"]: e["value"] for e in message["parse_data"]["entities"]}
    tracker = Tracker("buyer-1", slots, message["parse_data"] | {"text": text}, [*talk.events, message],
                      False, None, {}, "action_listen")
    required = asyncio.run(ValidateSizeForm().required_slots([], CollectingDispatcher(), tracker, {}))
    return [name for name in required if slots.get(name) is None]


def one_reply(talk: Conversation, intent: str, text: str, action=ActionRecommendSize) -> dict:
    (message,) = talk.say(intent, text, action)
    return message


@pytest.mark.parametrize("text", ["脚长24.5穿多大", "我脚长245mm，穿几码", "24.5cm的脚穿多大码"])
def test_shoes_by_foot_length(shop, womens_shoe, text):
    talk = talk_about(womens_shoe)
    assert form_needs(talk, "ask_size", text) == [], "the form asks no height or weight for shoes"
    reply = one_reply(talk, "ask_size", text)
    assert reply["response"] == "utter_size_by_foot"
    assert (reply["size"], reply["foot"], reply["fits"], reply["chart"]) == ("39", "24.5", "24.5", "鞋码表")
    assert talk.slots["recommended_size"] == "39"


def test_shoes_by_the_usual_shoe_size(shop, womens_shoe):
    reply = one_reply(talk_about(womens_shoe), "ask_size", "平时穿38码")
    assert reply["response"] == "utter_size_shoe_usual" and (reply["size"], reply["fits"]) == ("38", "24")


def test_shoes_given_height_and_weight_ask_for_the_foot_and_its_answer_sizes_them(shop, womens_shoe):
    talk = talk_about(womens_shoe)
    assert form_needs(talk, "ask_size", "我170 65kg 这双鞋穿几码") == []
    asked = one_reply(talk, "ask_size", "我170 65kg 这双鞋穿几码")
    assert asked["response"] == "utter_size_shoe_not_by_body" and asked["chart"] == "鞋码表"
    assert talk.slots["expecting"] == "foot_length"
    # the bare answer, whatever the classifier makes of it, resumes the sizing
    answer = one_reply(talk, "nlu_fallback", "24", ActionNotUnderstood)
    assert answer["response"] == "utter_size_by_foot" and answer["size"] == "38"


def test_a_shoe_question_without_a_foot_asks_how_to_measure_it(shop, womens_shoe):
    talk = talk_about(womens_shoe)
    asked = one_reply(talk, "ask_size", "这双鞋我穿多大")
    assert asked["response"] == "utter_size_ask_foot"
    answer = one_reply(talk, "complaint", "脚长245mm", ActionNotUnderstood)
    assert answer["response"] == "utter_size_by_foot" and answer["size"] == "39"


def test_a_foot_beyond_the_item_is_told_so(shop, womens_shoe):
    reply = one_reply(talk_about(womens_shoe), "ask_size", "脚长26穿多大")
    assert reply["response"] == "utter_size_out_of_chart"
    assert (reply["body"], reply["range"]) == ("脚长26cm", "35-40码 适合脚长22-25cm")


def test_the_largest_shoe_size_is_its_foot_length(shop, mens_shoe):
    reply = one_reply(talk_about(mens_shoe), "ask_size", "最大码多大")
    assert reply["response"] == "utter_size_shoe_measures"
    assert (reply["which"], reply["size"], reply["foot"]) == ("最大", "44", "27")


@pytest.mark.parametrize("text,size,height", [("孩子110穿多大", "110", "110"), ("宝宝身高120穿几码", "120", "120")])
def test_childrens_clothes_by_the_childs_height(shop, childrens, text, size, height):
    talk = talk_about(childrens)
    assert form_needs(talk, "ask_size", text) == []
    reply = one_reply(talk, "ask_size", text)
    assert reply["response"] == "utter_size_child_by_height" and reply["chart"] == "童装尺码表"
    assert (reply["size"], reply["height"]) == (size, height)


def test_childrens_clothes_by_the_childs_age(shop, childrens):
    reply = one_reply(talk_about(childrens), "ask_size", "孩子5岁穿多大")
    assert reply["response"] == "utter_size_child_by_age"
    assert (reply["size"], reply["age"], reply["heights"]) == ("110", "5", "105-115")


def test_a_childrens_question_asks_the_height_and_a_bare_age_answers_it(shop, childrens):
    talk = talk_about(childrens)
    asked = one_reply(talk, "ask_size", "这件童装穿多大码")
    assert asked["response"] == "utter_size_ask_child" and talk.slots["expecting"] == "child_size"
    answer = one_reply(talk, "out_of_scope", "6岁", ActionNotUnderstood)
    assert answer["response"] == "utter_size_child_by_age" and answer["size"] == "120"


def test_adult_clothes_keep_their_rules(shop):
    jeans = shop.item("JN-2801")
    talk = talk_about(jeans)
    assert form_needs(talk, "ask_size", "牛仔裤穿多大") == ["height", "weight"]
    reply = one_reply(talk, "ask_size", "165 55kg 牛仔裤穿多大")
    assert reply["response"] == "utter_size_same" and reply["size"] == "L"
    coat = next(item for item in shop.items if item.size_chart == "outerwear" and "XL" in item.sizes)
    reply = one_reply(talk_about(coat), "ask_size", "172 50kg穿什么码")
    assert reply["response"] == "utter_size_larger" and reply["size"] == "XL"
