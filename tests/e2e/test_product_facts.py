"""Product facts through the whole bot with the real model: every fact field of
shop/catalog.yml answers the question a buyer types; a fact the catalog lacks is not made up;
changing a fact changes the answer after a restart of the action server, with no retraining."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import REDIS_URL
from tests.e2e.said import said_by
from tools.stack import running_bot
from xiaoer.shop import load_shop
from xiaoer.shop.model import FACT_FIELDS

SHOP = load_shop("shop")
# One question per fact field, typed as buyers type, and the item it is about.
QUESTIONS = {
    "fabric": ("牛仔裤什么面料的", "JN-2801"),
    "thickness": ("连衣裙厚不厚", "DR-1066"),
    "stretch": ("牛仔裤有弹力吗", "JN-2801"),
    "lining": ("连衣裙有内衬吗", "DR-1066"),
    "see_through": ("T恤透不透", "TS-0520"),
    "fit": ("连衣裙显瘦吗", "DR-1066"),
    "care": ("T恤怎么洗 能机洗吗", "TS-0520"),
    "pilling": ("T恤会起球吗", "TS-0520"),
    "colour_fastness": ("牛仔裤会掉色吗", "JN-2801"),
    "season": ("连衣裙适合什么季节穿", "DR-1066"),
    "origin": ("T恤产地是哪里", "TS-0520"),
    "authenticity": ("牛仔裤是正品吗", "JN-2801"),
    "packaging": ("连衣裙有包装盒吗", "DR-1066"),
    "model_size": ("T恤模特穿的什么码", "TS-0520"),
}


def ask(bot, text: str) -> list[str]:
    reply = bot.say(f"facts-{uuid.uuid4().hex[:12]}", text)
    return [m["text"] for m in reply["messages"]]


def test_every_fact_field_has_a_question():
    assert set(QUESTIONS) == set(FACT_FIELDS)


@pytest.mark.parametrize("field", sorted(QUESTIONS))
def test_each_fact_is_answered_from_the_catalog(live_bot, field):
    text, sku = QUESTIONS[field]
    said = ask(live_bot, text)
    assert said and said_by(live_bot, "utter_product_fact", said[0]), said
    assert SHOP.item(sku).facts[field] in said[0]


def test_a_fact_the_catalog_lacks_is_not_made_up_and_a_person_is_offered(live_bot):
    said = ask(live_bot, "牛仔裤透不透")  # the jeans' facts say nothing about see-through
    assert said_by(live_bot, "utter_product_fact_unknown", said[0]), said


def test_a_changed_fact_is_answered_after_a_restart_without_retraining(tmp_path):
    with running_bot(tmp_path, REDIS_URL) as bot:
        catalog = bot.shop_dir / "catalog.yml"
        before = SHOP.item("JN-2801").facts["stretch"]
        catalog.write_text(catalog.read_text(encoding="utf-8").replace(before, "弹力很大，跑跳都不受限"),
                           encoding="utf-8")
        bot.stop(["actions"])
        bot.start(["actions"])
        bot.wait_ready()
        said = ask(bot, "牛仔裤有弹力吗")
        assert "弹力很大，跑跳都不受限" in said[0], said
        assert httpx.get(f"{bot.url}/health", timeout=5).status_code == 200
