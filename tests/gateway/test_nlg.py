"""The NLG endpoint as Rasa calls it: response name, arguments, tracker."""

from __future__ import annotations

import json

from sanic import Sanic

from bot.app import create_app
from bot.chat.nlg import LAST_RESORT, fill_values
from bot.config import Settings
from bot.infra.store import MemoryStore
from tests.gateway.fakes import ScriptedRasa

Sanic.test_mode = True


TOKEN = "test-internal-token"


def nlg_request(client, response, arguments=None, slots=None, sender="buyer-nlg-01", token=TOKEN):
    body = {"response": response, "arguments": arguments or {}, "tracker": {"sender_id": sender, "slots": slots or {}}, "channel": {"name": "rest"}}
    query = f"?token={token}" if token is not None else ""
    return client.post(f"/nlg{query}", content=json.dumps(body), headers={"content-type": "application/json"})


def make_client(tmp_path):
    (tmp_path / "s.yml").write_text(
        "utter_size:\n  variants: ['建议{size}码，{shop_name}尺码偏标准。', '选{size}码就好。']\n"
        "utter_one: 只有一种说法\n",
        encoding="utf-8",
    )
    settings = Settings(store="memory", scripts_dir=tmp_path, internal_token=TOKEN)
    return create_app(settings, store=MemoryStore(), rasa=ScriptedRasa()).test_client


def test_arguments_fill_the_script(tmp_path):
    _, response = nlg_request(make_client(tmp_path), "utter_size", {"size": "L"})
    assert response.json["text"] in {"建议L码，禾木服饰尺码偏标准。", "选L码就好。"}


def test_consecutive_calls_alternate_variants(tmp_path):
    client = make_client(tmp_path)
    texts = [nlg_request(client, "utter_size", {"size": "M"})[1].json["text"] for _ in range(6)]
    assert all(a != b for a, b in zip(texts, texts[1:]))


def test_single_variant_script_repeats_when_it_must(tmp_path):
    client = make_client(tmp_path)
    texts = [nlg_request(client, "utter_one")[1].json["text"] for _ in range(3)]
    assert texts == ["只有一种说法"] * 3


def test_missing_script_answers_politely_not_500(tmp_path):
    _, response = nlg_request(make_client(tmp_path), "utter_no_such_script")
    assert response.status == 200 and response.json["text"] == LAST_RESORT


def test_arguments_win_over_slots_and_slots_over_shop_values():
    values = fill_values({"size": "L"}, {"size": "M", "color": "黑色", "empty": None}, {"shop_name": "禾木", "color": "白"})
    assert values == {"size": "L", "color": "黑色", "shop_name": "禾木"}


def test_a_conversation_hears_every_variant_before_one_comes_again(tmp_path):
    (tmp_path / "s.yml").write_text("utter_three:\n  variants: ['一', '二', '三']\n", encoding="utf-8")
    client = create_app(Settings(store="memory", scripts_dir=tmp_path, internal_token=TOKEN), store=MemoryStore(), rasa=ScriptedRasa()).test_client
    texts = [nlg_request(client, "utter_three")[1].json["text"] for _ in range(9)]
    for start in (0, 3, 6):
        assert sorted(texts[start:start + 3]) == ["一", "三", "二"], texts
    assert all(a != b for a, b in zip(texts, texts[1:]))


def test_only_rasa_with_the_shared_token_may_ask_for_replies(tmp_path):
    client = make_client(tmp_path)
    for token in (None, "", "wrong-token"):
        _, response = nlg_request(client, "utter_size", {"size": "L"}, token=token)
        assert response.status == 403 and "Rasa only" in response.json["error"], token
    _, response = nlg_request(client, "utter_size", {"size": "L"})
    assert response.status == 200


def test_a_gateway_without_a_token_keeps_nlg_closed(tmp_path):
    client = create_app(Settings(store="memory", scripts_dir=tmp_path), store=MemoryStore(), rasa=ScriptedRasa()).test_client
    _, response = nlg_request(client, "utter_one", token="")
    assert response.status == 503 and "XIAOER_INTERNAL_TOKEN" in response.json["error"]


def test_a_sender_id_that_is_not_a_conversation_id_is_refused(tmp_path):
    _, response = nlg_request(make_client(tmp_path), "utter_one", sender="x:*:evil")
    assert response.status == 400 and "conversation_id" in response.json["error"]
