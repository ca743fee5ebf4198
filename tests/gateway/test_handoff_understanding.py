"""What the agent sees of the bot's understanding, and the suggested replies (plain functions)."""

from __future__ import annotations

import pytest
from sanic import Sanic

from bot.app import create_app
from bot.config import ROOT, Settings
from bot.handoff.suggestions import suggest
from bot.handoff.understanding import annotate, buyer_slots, item_and_order, turns
from bot.infra.store import MemoryStore
from bot.staff.people import Agent, AgentDirectory, hash_password
from tests.gateway.fakes import BuyerClient, ScriptedRasa
from xiaoer.scripts import ScriptCorpus
from xiaoer.shop import load_shop

Sanic.test_mode = True
CATALOG = load_shop(ROOT / "shop").catalog_for_nlu()


def user(text, intent, confidence=0.9, entities=()):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": e, "value": v} for e, v in entities]}}


EVENTS = [
    {"event": "action", "name": "action_session_start"},
    {"event": "action", "name": "action_listen"},
    user("165cm 110斤穿什么码", "ask_size", 0.97, [("height", 165), ("weight", 55)]),
    {"event": "slot", "name": "height", "value": 165},
    {"event": "action", "name": "action_size"},
    {"event": "bot", "text": "建议M码"},
    {"event": "action", "name": "action_listen"},
    user("转人工", "request_human"),
    {"event": "action", "name": "action_handoff"},
    {"event": "slot", "name": "handoff_reason", "value": "buyer_asked"},
    {"event": "pause"},
    user("还在吗", "greet"),
    {"event": "resume"},
    {"event": "action", "name": "action_listen"},
    user("有色差吗", "color_difference"),
    {"event": "action", "name": "utter_color_difference"},
]


def test_turns_say_what_the_bot_understood_and_did():
    result = turns(EVENTS)
    assert [(t["text"], t["intent"], t["while_paused"]) for t in result] == [
        ("165cm 110斤穿什么码", "ask_size", False),
        ("转人工", "request_human", False),
        ("还在吗", "greet", True),
        ("有色差吗", "color_difference", False),
    ]
    assert result[0]["entities"] == [{"entity": "height", "value": 165}, {"entity": "weight", "value": 55}]
    assert result[0]["slots"] == {"height": 165} and result[0]["actions"] == ["action_size"]
    assert result[0]["intent_zh"] == "问尺码" and result[0]["confidence"] == 0.97
    assert result[1]["slots"] == {}, "bookkeeping slots are not shown as understanding"
    assert result[2]["actions"] == []


def test_annotate_matches_buyer_messages_in_order_and_skips_the_rest():
    log = [
        {"sender": "buyer", "text": "转人工"},
        {"sender": "bot", "text": "好的"},
        {"sender": "agent", "text": "您好"},
        {"sender": "buyer", "text": "没进Rasa的消息"},
        {"sender": "buyer", "text": "有色差吗"},
    ]
    annotated = annotate(log, turns(EVENTS))
    assert annotated[0]["understood"]["intent"] == "request_human"
    assert "understood" not in annotated[1] and "understood" not in annotated[3]
    assert annotated[4]["understood"]["intent"] == "color_difference"


@pytest.mark.parametrize("texts,slots,expected", [
    (["我买的牛仔裤", "订单号123456789012"], {}, ("JN-2801", "123456789012")),
    (["连衣裙有色差吗", "那T恤呢"], {}, ("TS-0520", None)),  # the latest item wins
    (["牛仔裤"], {"sku": "DR-1066", "order_id": "999999999999"}, ("DR-1066", "999999999999")),
    (["在吗"], {}, (None, None)),
])
def test_item_and_order(texts, slots, expected):
    assert item_and_order(texts, slots, CATALOG) == expected


def test_buyer_slots_leave_out_bookkeeping_and_empty_values():
    slots = {"height": 165, "size": None, "handoff_reason": "x", "session_started_metadata": {}, "concessions": []}
    assert buyer_slots(slots) == {"height": 165}


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "s.yml").write_text(
        "utter_size:\n"
        "  questions: [穿什么码, 尺码怎么选]\n"
        "  variants: ['您{height}cm，建议{size}码', '告诉我身高体重，我帮您选码']\n"
        "utter_ship:\n"
        "  questions: [什么时候发货, 几天能到]\n"
        "  variants: ['付款后48小时内发货']\n"
        "utter_handoff:\n"
        "  questions: [转人工]\n"
        "  variants: ['这就为您转人工']\n"
        "utter_only_with_order:\n"
        "  questions: [我的快递到哪了]\n"
        "  variants: ['订单{order_id}已发出']\n",
        encoding="utf-8",
    )
    return ScriptCorpus(tmp_path)


@pytest.mark.parametrize("message,values,first,texts", [
    ("165穿什么码呀", {"height": 165, "size": "M"}, "utter_size", ["您165cm，建议M码", "告诉我身高体重，我帮您选码"]),
    ("165穿什么码呀", {}, "utter_size", ["告诉我身高体重，我帮您选码"]),  # unfillable variant skipped
    ("什么时候发货", {}, "utter_ship", ["付款后48小时内发货"]),
    ("我的快递到哪了", {"order_id": "123456789012"}, "utter_only_with_order", ["订单123456789012已发出"]),
    ("我的快递到哪了", {}, None, None),  # no variant can be filled: not suggested
    ("转人工", {}, None, None),  # hand-off scripts are no help to the agent
    ("", {}, None, None),
])
def test_suggestions(corpus, message, values, first, texts):
    suggestions = suggest(corpus, message, values)
    if first is None:
        assert all(s["script_id"] not in ("utter_handoff", "utter_only_with_order") for s in suggestions)
    else:
        assert suggestions[0]["script_id"] == first and suggestions[0]["texts"] == texts


def test_console_works_on_the_memory_store_too():
    """`make run` without Redis: the queue and live events live in the gateway process."""
    agents = AgentDirectory([Agent("demo", "小美", hash_password("correct-horse-1"))])
    rasa = ScriptedRasa({"转人工": [{"text": "好的"}, {"custom": {"handoff": {"reason": "buyer_asked"}}}]})
    app = create_app(Settings(store="memory"), store=MemoryStore(), rasa=rasa, agents=agents)
    client = BuyerClient(app)
    headers = {"content-type": "application/json"}
    _, reply = client.post("/api/conversations/memory-conv-1/messages", content='{"text": "转人工"}', headers=headers)
    assert reply.json["mode"] == "waiting" and reply.json["notices"]
    _, login = client.post("/agent/api/login", json={"login": "demo", "password": "correct-horse-1"})
    cookies = {"xiaoer_agent": login.cookies["xiaoer_agent"]}
    _, queue = client.get("/agent/api/queue", cookies=cookies)
    assert [c["conversation_id"] for c in queue.json["waiting"]] == ["memory-conv-1"]
    _, claim = client.post("/agent/api/cases/memory-conv-1/claim", cookies=cookies)
    assert claim.status == 200 and claim.json["claimed_now"] is True
    _, history = client.get("/api/conversations/memory-conv-1")
    assert history.json["mode"] == "human"


@pytest.mark.parametrize("buyer_texts,expected", [
    (["衣服质量太差了", "还在吗"], "衣服质量太差了"),
    (["什么时候发货", "好的"], "什么时候发货"),
    (["能发顺丰吗"], "能发顺丰吗"),
    (["在吗"], "在吗"),
    ([], ""),
])
def test_suggestions_answer_the_latest_message_that_asks_something(buyer_texts, expected):
    from bot.handoff.suggestions import question_to_answer

    assert question_to_answer(buyer_texts) == expected
