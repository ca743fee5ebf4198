"""The one fuzzy question matcher (xiaoer/matching.py), used by the FAQ and the agent's suggestions."""

from __future__ import annotations

import pytest

from xiaoer.matching import listed_questions, nearness, tokens
from xiaoer.scripts import Script


@pytest.mark.parametrize("text,expected", [
    ("亲,几天能到呀?", ["几天", "能", "到"]),
    ("可以发顺丰吗", ["可以", "发", "顺丰"]),  # 吗 is in every question: no evidence
    ("你好 在吗", ["你好"]),
    ("！！！", []),
    ("", []),
])
def test_tokens_drop_particles_pronouns_and_punctuation(text, expected):
    assert tokens(text) == expected


def test_the_shop_vocabulary_keeps_item_names_whole():
    assert tokens("高腰直筒牛仔裤有货吗") == ["高腰直筒牛仔裤", "有货"]


@pytest.mark.parametrize("message,question,near", [
    ("亲 几天能到呢", "几天能到", True),
    ("能到几天", "几天能到", True),  # word order matters little
    ("请问一下你们发什么快递呀", "发什么快递", True),  # the question inside a longer message
    ("这条裙子是什么面料", "发什么快递", False),
    ("在吗", "能发顺丰吗", False),
])
def test_nearness(message, question, near):
    assert (nearness(message, question) >= 80) is near


def test_listed_questions_come_with_their_script_and_tokens():
    scripts = [Script("utter_shipping", ("默认中通。",), questions=("发什么快递", " ")), Script("utter_x", ("好",))]
    [question] = listed_questions(scripts)
    assert (question.text, question.script_id, question.tokens) == ("发什么快递", "utter_shipping", "发 什么 快递")
