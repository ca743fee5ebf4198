"""Cards: built from the shop's files, and cleaned so nothing a page could run gets through."""

import pytest

from xiaoer.cards import clean_card, order_card, product_card
from xiaoer.shop import load_shop

SHOP = load_shop("shop")


def test_a_product_card_has_the_catalog_picture_name_and_price():
    card = product_card(SHOP.item("JN-2801"))
    assert card == {"type": "product", "sku": "JN-2801", "title": "高腰直筒牛仔裤", "price": 139,
                    "image": "/static/products/jn-2801.svg"}
    assert clean_card(card) == card


def test_an_order_card_shows_the_parcel_only_once_shipped_and_never_the_phone_or_address():
    order = {"order_id": "A123456789012", "item": "纯棉短袖T恤", "colour": "白", "size": "M", "quantity": 2,
             "status": "paid", "tracking_number": "", "courier": "中通", "phone": "13800001234", "address": "杭州"}
    card = order_card(order)
    assert card["status_zh"] == "已付款，待发货" and "tracking_number" not in card
    assert "phone" not in card and "address" not in card
    shipped = order_card({**order, "status": "shipped", "tracking_number": "ZT1"})
    assert shipped["courier"] == "中通" and shipped["tracking_number"] == "ZT1"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "http://evil.example/x.png",
                                  "/static/../agents.yml", "https://a.example/x\" onerror=\"x", "//evil.example/x"])
def test_links_a_page_could_run_or_leave_by_are_dropped(link):
    card = clean_card({"type": "product", "title": "T恤", "price": 59, "image": link, "url": link})
    assert card == {"type": "product", "title": "T恤", "price": 59}


def test_unknown_types_fields_and_wrong_kinds_are_dropped():
    assert clean_card({"type": "script", "title": "x"}) is None
    assert clean_card({"type": "product", "price": 1}) is None  # no title: nothing to show
    assert clean_card({"type": "order", "title": "T恤", "quantity": True, "onclick": "x", "status": "x" * 500}) == {
        "type": "order", "title": "T恤"}
