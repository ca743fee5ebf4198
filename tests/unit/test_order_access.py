"""Who may see an order: the phone's last four digits, read from what buyers type."""

import pytest

from xiaoer.order_access import order_view, phone_last4, phone_matches


@pytest.mark.parametrize("text, digits", [
    ("1234", "1234"), ("尾号1234", "1234"), ("手机后四位是 5678", "5678"), ("后4位0021哦", "0021"),
    (" 9999 ", "9999"), ("手机号码后四位6688", "6688"),
])
def test_four_digits_with_a_few_words_are_the_phone(text, digits):
    assert phone_last4(text) == digits


@pytest.mark.parametrize("text", ["123", "12345", "1234元", "1234块能卖吗", "订单号1234", "身高165体重50", "",
                                  "我的手机号是13800001234", "1234cm"])
def test_other_numbers_are_not(text):
    assert phone_last4(text) is None


def test_the_last_four_digits_of_the_phone_must_match():
    assert phone_matches("138-0000-1234", "1234")
    assert not phone_matches("13800001234", "4321")
    assert not phone_matches("", "1234") and not phone_matches("12", "0012")


def test_the_bot_never_keeps_the_phone():
    order = {"order_id": "A1", "phone": "13800001234", "contact": "王小明", "status": "paid", "item": "T恤"}
    view = order_view(order)
    assert "phone" not in view and "contact" not in view and view["status"] == "paid"
