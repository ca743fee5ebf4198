"""Which items a buyer's words fit over a whole catalogue (xiaoer/item_choice.py), on the
generated 300-item export as the project's importer reads it, and on made-up items where the
ranking needs a case of its own."""

from __future__ import annotations

import pytest

from tests.imported_shop import XLSX_EXPORT, imported_shop
from xiaoer.item_choice import colour_note, fitting_items
from xiaoer.shop import load_shop
from xiaoer.shop.model import Colour, Item


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return load_shop(imported_shop(tmp_path_factory.mktemp("imported")))


def skus(fits):
    return [f.item.sku for f in fits]


def test_the_xlsx_export_gives_the_same_catalogue_as_the_csv(shop, tmp_path):
    from_xlsx = load_shop(imported_shop(tmp_path / "xlsx", XLSX_EXPORT))
    assert len(shop.items) == 300 and from_xlsx.items == shop.items


def test_a_kind_of_garment_and_a_colour_fit_many_items_those_in_stock_in_it_first(shop):
    fits = fitting_items(shop.items, "裤子有黑色吗", "黑色")
    trousers = [i for i in shop.items if i.category == "裤装"]
    assert {f.item.sku for f in fits} == {i.sku for i in trousers}  # every pair of trousers, nothing else
    in_stock = [f for f in fits if f.in_colour]
    assert in_stock and fits[:len(in_stock)] == in_stock  # in stock in black first ...
    assert [f.item for f in in_stock] == [i for i in trousers if i.in_stock("黑色")]  # ... in the catalogue's order
    sold_out = [f for f in fits if f.colour and not f.in_colour]
    assert fits.index(sold_out[0]) < fits.index(next(f for f in fits if not f.colour))  # made in black before not


def test_more_words_narrow_the_fit_to_the_items_that_have_them_all(shop):
    fits = fitting_items(shop.items, "冰丝阔腿裤有黑色吗", "黑色")
    assert len(fits) >= 2 and all("冰丝" in f.item.name and "阔腿裤" in f.item.name for f in fits)
    whole_name = fits[0].item.name.split("裤")[0] + "裤"  # "水洗冰丝阔腿裤": only that item has all of it
    assert skus(fitting_items(shop.items, f"{whole_name}有黑色吗", "黑色")) == [fits[0].item.sku]


@pytest.mark.parametrize("text", ["阔腿库有吗", "阔腿裤有吗"])
def test_a_pinyin_slip_in_the_garment_is_read_as_meant(shop, text):
    fits = fitting_items(shop.items, text)
    assert fits and all("阔腿裤" in f.item.name for f in fits)


@pytest.mark.parametrize("text", ["有黑色吗", "适合学生穿吗", "有库存吗", "多少钱", "我165 110斤穿什么码"])
def test_words_that_name_no_kind_of_garment_name_no_item(shop, text):
    assert fitting_items(shop.items, text, "黑色" if "黑色" in text else None) == []


def test_childrens_clothes_are_found_by_what_parents_call_them(shop):
    fits = fitting_items(shop.items, "孩子穿的羽绒服有吗")
    assert fits and all(f.item.category == "童装" and "羽绒服" in f.item.name for f in fits)


def item(sku, name, *colours, category="裤装"):
    return Item(sku, name, 100, 85, tuple(Colour(c, s) for c, s in colours), ("M",), category=category)


def test_the_ranking_words_then_in_stock_in_the_colour_then_made_in_it_then_the_catalogues_order():
    items = [
        item("A", "阔腿裤", ("白", True)),  # not made in black
        item("B", "阔腿裤", ("黑色", False)),  # made in black, sold out
        item("C", "阔腿裤", ("黑色", True)),  # in stock in black
        item("D", "高腰阔腿裤", ("白", True)),  # fits the words better than any
        item("E", "高腰阔腿裤", ("黑色", True)),
        item("F", "连衣裙", ("黑色", True), category="裙装"),
    ]
    assert skus(fitting_items(items, "高腰阔腿裤有黑色吗", "黑色")) == ["E", "D"]
    fits = fitting_items(items, "阔腿裤有黑色吗", "黑色")
    assert skus(fits) == ["C", "E", "B", "A", "D"]
    assert [colour_note(f, "黑色") for f in fits] == ["黑色有货", "黑色有货", "黑色已售罄", "没有黑色", "没有黑色"]
    assert colour_note(fitting_items(items, "连衣裙")[0], None) == "有货：黑色"


def test_the_gateway_keeps_a_choices_cards_with_the_question_at_most_three_and_only_safe_fields():
    from bot.infra.replies import split_rasa_output
    from xiaoer.cards import choice_card

    items = [item(f"KZ-{n}", f"阔腿裤{n}", ("黑色", True)) for n in range(1, 6)]
    cards = [choice_card(i, "黑色有货") for i in items]
    cards[0] = {**cards[0], "image": "javascript:alert(1)", "onclick": "x"}
    output = [{"text": "店里有几款都对得上…您问的是哪一款呀？", "buttons": [{"title": "阔腿裤1", "payload": "货号KZ-1"}]},
              {"custom": {"cards": cards}}]
    messages, controls = split_rasa_output(output)
    assert controls == [] and len(messages) == 1
    kept = messages[0]["cards"]
    assert [c["sku"] for c in kept] == ["KZ-1", "KZ-2", "KZ-3"]
    assert kept[0] == {"type": "product", "sku": "KZ-1", "title": "阔腿裤1", "price": 100, "colours": "黑色有货",
                       "payload": "货号KZ-1"}
