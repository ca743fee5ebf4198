"""The item a buyer points at in the text: each link shape and labelled item number, and the
numbers that are not items (order numbers, phone numbers, prices, links to other pages)."""

from __future__ import annotations

import dataclasses

import pytest

from xiaoer.entities import extract_entities
from xiaoer.item_links import (
    CODE,
    ITEM_ID,
    SHORT_LINK,
    ItemReference,
    item_reference,
    item_references,
)
from xiaoer.shop import load_shop


@pytest.mark.parametrize("text,expected", [
    # Taobao and Tmall: the "id" query parameter of an item page
    ("https://item.taobao.com/item.htm?id=123456789012", ItemReference(ITEM_ID, "123456789012", "taobao")),
    ("item.taobao.com/item.htm?spm=a1z10.1-c.w4004&id=645712345678有黑色吗",
     ItemReference(ITEM_ID, "645712345678", "taobao")),
    ("https://detail.tmall.com/item.htm?spm=a220m.1000858&id=600012345678&skuId=4455667788990 这个还有吗",
     ItemReference(ITEM_ID, "600012345678", "taobao")),
    ("https://detail.m.tmall.com/item.htm?id=600012345678", ItemReference(ITEM_ID, "600012345678", "taobao")),
    ("https://h5.m.taobao.com/awp/core/detail.htm?id=123456789012&ft=t",
     ItemReference(ITEM_ID, "123456789012", "taobao")),
    ("https://detail.tmall.com/item.htm?spm=x&amp;id=600012345678", ItemReference(ITEM_ID, "600012345678", "taobao")),
    ("HTTPS://ITEM.TAOBAO.COM/item.htm?id=123456789012", ItemReference(ITEM_ID, "123456789012", "taobao")),
    # JD: the number in the page's path
    ("https://item.jd.com/100012345678.html", ItemReference(ITEM_ID, "100012345678", "jd")),
    ("看下这个 item.m.jd.com/product/100012345678.html?sid=abc 多少钱", ItemReference(ITEM_ID, "100012345678", "jd")),
    # short share links: cannot be read offline
    ("【淘宝】https://m.tb.cn/h.5XyZabc?tk=AbCd 「高腰牛仔裤」", ItemReference(SHORT_LINK, "https://m.tb.cn/h.5XyZabc?tk=AbCd", "taobao")),
    ("https://3.cn/10-AbCdEf", ItemReference(SHORT_LINK, "https://3.cn/10-AbCdEf", "jd")),
    # typed item numbers, with their labels
    ("宝贝ID 123456789012", ItemReference(ITEM_ID, "123456789012")),
    ("宝贝id：645712345678 有M码吗", ItemReference(ITEM_ID, "645712345678")),
    ("商品编号是100012345678", ItemReference(ITEM_ID, "100012345678")),
    ("货号JN-2801有黑色吗", ItemReference(CODE, "JN-2801")),
    ("商家编码: DR-1066", ItemReference(CODE, "DR-1066")),
    ("商品编号JN-2801", ItemReference(CODE, "JN-2801")),  # the shop's code under the platform's label
])
def test_each_shape_is_read(text, expected):
    assert item_reference(text) == expected


@pytest.mark.parametrize("text", [
    "订单号123456789012到哪了",  # an order number: 12-20 digits, with or without its label
    "订单号是 202611035566",
    "我的订单编号3158224097611",
    "123456789012",  # a bare 12-digit number is how buyers send order numbers
    "我电话13812345678",  # a phone number
    "139元能便宜吗", "¥139", "118包邮吗",  # prices
    "宝贝ID发你了", "货号是多少",  # a label without a number
    "https://shop123456789.taobao.com/?spm=a1z10",  # a shop, not an item
    "https://s.taobao.com/search?q=牛仔裤&id=123456789012",  # a search page
    "https://buyertrade.taobao.com/trade/detail/trade_item_detail.htm?bizOrderId=3158224097611",  # an order
    "https://details.jd.com/normal/item.action?orderid=123456789012",  # a JD order
    "https://item.taobao.com/item.htm?spm=a1z10",  # an item page without its id
    "https://www.example.com/item.htm?id=123456789012",  # not a platform
])
def test_numbers_that_are_not_items(text):
    assert item_reference(text) is None


def test_a_link_and_a_code_in_one_message_come_in_the_order_written():
    text = "货号DR-1066和这个 https://item.jd.com/100012345678.html 哪个好"
    assert item_references(text) == [ItemReference(CODE, "DR-1066"), ItemReference(ITEM_ID, "100012345678", "jd")]


def test_an_item_id_inside_a_link_is_read_once():
    assert item_references("https://item.taobao.com/item.htm?item_id=1&id=123456789012") == [
        ItemReference(ITEM_ID, "123456789012", "taobao")]


def with_item_ids(shop, retired=()):
    """The demo shop as if imported: each item with a platform id; ``retired`` skus no longer listed."""
    items = [dataclasses.replace(i, item_id=f"6000000{i.sku[-4:]}0", retired=i.sku in retired) for i in shop.items]
    return dataclasses.replace(shop, items=tuple(i for i in items if not i.retired),
                               retired_items=tuple(i for i in items if i.retired))


def test_the_shop_finds_an_item_by_its_platform_id_or_its_merchant_code():
    shop = with_item_ids(load_shop("shop"))
    assert shop.item_by_reference("600000010660") is shop.item("DR-1066")
    assert shop.item_by_reference("jn-2801") is shop.item("JN-2801")  # a merchant code, any case
    assert shop.item_by_reference("123456789012") is None


def test_a_retired_item_is_found_and_is_marked_retired():
    shop = with_item_ids(load_shop("shop"), retired={"JN-2801"})
    assert shop.item("JN-2801") is None  # never offered
    jeans = shop.item_by_reference("600000028010")
    assert jeans.sku == "JN-2801" and jeans.retired and shop.item_by_reference("JN-2801") is jeans


@pytest.mark.parametrize("text,order_ids", [
    ("https://item.taobao.com/item.htm?id=123456789012 有黑色吗", []),  # the item's id
    ("https://item.jd.com/100012345678.html", []),
    ("订单号123456789012 https://item.taobao.com/item.htm?id=645712345678", ["123456789012"]),
    ("https://buyertrade.taobao.com/trade/detail/trade_item_detail.htm?bizOrderId=3158224097611", ["3158224097611"]),
    ("我的订单号是202611035566", ["202611035566"]),
])
def test_the_id_in_an_item_link_is_no_order_number(text, order_ids):
    assert [e["value"] for e in extract_entities(text) if e["entity"] == "order_id"] == order_ids
