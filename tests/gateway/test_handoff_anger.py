"""The anger and urgency lexicon (xiaoer/anger.py), as a table."""

from __future__ import annotations

import pytest

from xiaoer.anger import assess_anger, is_angry


@pytest.mark.parametrize("text,angry", [
    # one strong word is enough
    ("我要投诉你们", True),
    ("再不处理我就给差评", True),
    ("我要打12315", True),
    ("你们就是骗子", True),
    ("黑店！", True),
    ("我要去消协举报", True),
    # mild words, urgency and shouting need a second sign
    ("质量太差了", False),
    ("质量太差了！！！", True),
    ("什么破衣服，垃圾", True),
    ("到底什么时候发货", False),
    ("到底什么时候发货？？？", True),
    ("快点发货，我着急穿", False),  # urgency counts once: a hurry is not anger
    ("无语，等了三天还没发货，到底怎么回事", True),
    # negated words do not count
    ("放心，不会给差评的", False),
    ("我没说要投诉", False),
    ("衣服不差，挺好的", False),
    # ordinary buyer messages
    ("在吗", False),
    ("165cm 110斤穿什么码", False),
    ("我想退货", False),
    ("订单号2023123151234567", False),  # 12315 inside a number is not the hotline
    ("", False),
    ("好的！！", False),
])
def test_anger_table(text, angry):
    assert is_angry(text) is angry, assess_anger(text)


def test_assessment_names_the_words_that_counted():
    anger = assess_anger("你们是骗子吧，太差了")
    assert anger.angry and anger.words == ("骗子", "太差")
    assert anger.score == 3


def test_longer_word_wins_over_the_word_inside_it():
    assert assess_anger("垃圾店").words == ("垃圾店",)
