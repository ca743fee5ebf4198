"""A big catalogue is read through indexes, not a scan per message (make bench: the lookup and
the NLU cost the same at 4 and 3,000 items): each index answers what reading every item
answers, on the generated 300-item export imported with the project's importer."""

from __future__ import annotations

import random

import pytest

from tests.imported_shop import imported_shop
from xiaoer import entities
from xiaoer.entities import extract_entities
from xiaoer.item_choice import (
    covering_pieces,
    fitting_items,
    item_words,
    names_a_kind,
    searched_text,
)
from xiaoer.shop import load_shop
from xiaoer.shop.model import colour_key
from xiaoer.shop.text_index import TextIndex, positions

MESSAGES = ["裤子有黑色吗", "冰丝阔腿裤有黑色吗", "男款卫衣", "阔腿库还有吗", "孩子110穿什么码", "小白鞋37码",
            "女款羽绒服白鸭绒的有吗", "适合学生穿吗", "有黑色吗", "在吗", "碎花连衣裙", "连帽卫衣女"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return load_shop(imported_shop(tmp_path_factory.mktemp("imported")))


def title_fragments(shop, count=150, seed=7):
    """Pieces of the items' names with what buyers add, as they type them."""
    rng = random.Random(seed)
    found = []
    for item in rng.sample(shop.items, count):
        start, end = sorted(rng.sample(range(len(item.name) + 1), 2))
        found.append(item.name[start:end] + rng.choice(["有吗", "还有货吗", "多少钱", "裤子", "女", ""]))
    return found


def test_an_item_by_its_code_or_platform_id_is_the_one_reading_the_catalogue_finds(shop):
    for item in shop.items:
        assert shop.item(item.sku) is item and shop.item(f" {item.sku.lower()} ") is item
        assert shop.item_by_reference(item.item_id) is item and shop.item_by_reference(item.sku.lower()) is item
    assert shop.item("KZ-0000") is None and shop.item_by_reference("600000000000") is None


def test_the_items_made_in_a_colour_are_those_reading_the_catalogue_finds(shop):
    asked = {c.name for i in shop.items for c in i.colours} | {"黑", "白", "米白色", "紫罗兰"}
    for colour in asked:
        made = tuple(i for i in shop.items if any(colour_key(c.name) == colour_key(colour) for c in i.colours))
        assert shop.items_made_in(colour) == made, colour
    assert shop.items_made_in("黑") == shop.items_made_in("黑色") != ()  # 黑 and 黑色 alike
    assert shop.items_made_in("紫罗兰") == ()


def test_the_index_finds_the_texts_containing_a_piece_as_reading_them_does():
    texts = ["高腰直筒牛仔裤|牛仔裤|裤子", "碎花连衣裙|裙子", "纯棉短袖t恤|t恤", "", "裤"]
    index = TextIndex(texts)
    pieces = {t[a:b] for t in texts for a in range(len(t)) for b in range(a + 1, len(t) + 1)} | {"裙裤", "牛仔裙", "x"}
    for piece in pieces:
        assert list(positions(index.containing(piece))) == [n for n, t in enumerate(texts) if piece in t], piece
    assert list(positions(index.containing(""))) == [0, 1, 2, 3, 4]


def test_the_items_words_fit_are_those_reading_every_item_finds(shop):
    for text in MESSAGES + title_fragments(shop):
        for colour in (None, "黑色"):
            searched = searched_text(text, [colour] if colour else [])
            read = {}
            for item in shop.items:  # every item read in turn, as the choice is defined
                pieces = covering_pieces(searched, item_words(item))
                if names_a_kind(pieces):
                    read[item.sku] = sum(len(p) for p in pieces)
            best = max(read.values(), default=0)
            fits = fitting_items(shop.items, text, colour)
            assert {f.item.sku for f in fits} == {sku for sku, covered in read.items() if covered == best}, text
            assert all(f.covered == best for f in fits)


def test_catalogue_words_are_found_as_one_regex_of_them_finds_them(shop):
    codes, names, colours = entities._catalog_tables(shop.catalog_for_nlu())
    texts = MESSAGES + title_fragments(shop) + ["T恤有吗", "t恤T恤", "aT恤b", "emsT恤", "Tshirt", "İ字裤"]
    for words in (names, colours):
        regex, word_list = entities._lexicon(words), entities._WordList(words)
        for text in texts:
            assert [m.span() for m in word_list.finditer(text)] == [m.span() for m in regex.finditer(text)], text


def test_a_changed_catalogue_is_read_again():
    catalog = {"items": [{"sku": "WY-0001", "name": "连帽卫衣", "aliases": [], "colors": ["黑色"], "sizes": ["M"]}]}
    assert [e["value"] for e in extract_entities("连帽卫衣有吗", catalog) if e["entity"] == "sku"] == ["WY-0001"]
    changed = {"items": [{**catalog["items"][0], "sku": "WY-0002"}]}
    assert [e["value"] for e in extract_entities("连帽卫衣有吗", changed) if e["entity"] == "sku"] == ["WY-0002"]
