"""The shop's offers through the whole bot with the real model (shop/promotions.yml): every
kind of offer question is answered from the shop files, and a basket is priced after them."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.said import said_by


def ask(bot, text: str) -> list[str]:
    return [m["text"] for m in bot.say(f"offers-{uuid.uuid4().hex[:12]}", text)["messages"]]


@pytest.mark.parametrize("text,script,facts", [
    ("有什么活动吗", "utter_promotion", ("满199减15", "新客券10元", "9.8")),
    ("优惠券怎么领", "utter_promotion_coupon", ("新客券10元", "店铺首页点“领券”")),
    ("满减能叠加吗", "utter_promotion_stacking", ("可以同时用", "9.8折")),
    ("满减为什么没减啊", "utter_promotion_why_not", ("满199减15", "99")),
    ("双11什么时候开始", "utter_promotion_double11", ("11月11日0点", "10月24日晚8点")),
    ("两条连衣裙多少钱", "utter_basket_price", ("338", "308", "新客")),
    ("牛仔裤和T恤一起买多少钱", "utter_basket_price", ("套餐", "179")),
])
def test_each_offer_question_is_answered_from_the_shop_files(live_bot, text, script, facts):
    said = ask(live_bot, text)
    assert said and said_by(live_bot, script, said[0]), said
    for fact in facts:
        assert fact in said[0], fact
