"""Facts about an item from the catalog (xiaoer/product_facts.py), without Rasa."""

from __future__ import annotations

import pytest

from xiaoer.product_facts import (
    asked_facts,
    asks_to_compare,
    fact_answer,
    is_fact_question,
)
from xiaoer.shop import load_shop
from xiaoer.shop.model import FACT_FIELDS

SHOP = load_shop("shop")


@pytest.mark.parametrize("text,fields", [
    ("牛仔裤有弹力吗", ["stretch"]),
    ("T恤透不透", ["see_through"]),
    ("会掉色吗", ["colour_fastness"]),
    ("怎么洗 能机洗吗", ["care"]),
    ("是正品吗 有包装盒吗", ["authenticity", "packaging"]),
    ("连衣裙有内衬吗 厚不厚", ["lining", "thickness"]),
    ("模特穿的什么码", ["model_size"]),
    ("什么面料的 会起球吗", ["fabric", "pilling"]),
    ("适合什么季节穿", ["season"]),
    ("产地是哪里", ["origin"]),
    ("穿着显瘦吗", ["fit"]),
    ("有货吗", []),
])
def test_which_facts_a_message_asks(text, fields):
    assert asked_facts(text) == fields


@pytest.mark.parametrize("text,asking", [
    ("会掉色吗", True), ("掉不掉色", True), ("掉色了", False), ("洗了一次就掉色", False),
    ("收到起球了", False), ("透不透啊", True),
])
def test_a_question_is_told_from_a_report(text, asking):
    assert is_fact_question(text) is asking


def test_every_fact_field_has_words_that_ask_for_it():
    from xiaoer.product_facts import FACT_CUES

    assert {name for name, _ in FACT_CUES} == set(FACT_FIELDS)


def test_known_facts_come_from_the_catalog_and_missing_ones_are_not_made_up():
    jeans = SHOP.item("JN-2801")
    answer = fact_answer(jeans, ["stretch", "see_through"])
    assert answer.known == (jeans.facts["stretch"],)
    assert answer.missing == ("see_through",), "the jeans' catalog says nothing about see-through"


def test_compare_words():
    assert asks_to_compare("T恤和连衣裙有什么区别") and not asks_to_compare("T恤多少钱")


def test_a_misspelt_fact_is_a_clear_error(tmp_path):
    import shutil

    shutil.copytree("shop", tmp_path / "shop")
    catalog = tmp_path / "shop" / "catalog.yml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("      stretch: 有微弹", "      strech: 有微弹"),
                       encoding="utf-8")
    from xiaoer.shop import ShopConfigError

    with pytest.raises(ShopConfigError) as error:
        load_shop(tmp_path / "shop")
    assert "strech" in str(error.value)
