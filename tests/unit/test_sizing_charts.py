"""Sizing by each chart's own measures: shoes by foot length (or the usual shoe size, never
by height and weight), children's clothes by the child's height or age; and reading those
from the buyer's words (xiaoer/entities.py), without Rasa."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xiaoer.dialogue import is_bare_answer
from xiaoer.entities import (
    child_age_years,
    child_height_cm,
    foot_length_cm,
    usual_size_number,
)
from xiaoer.shop import ShopConfigError, load_shop
from xiaoer.sizing import (
    chart_range,
    recommend_size,
    said_for_chart,
    size_for_foot,
    size_measurements,
)

REPO = Path(__file__).resolve().parents[2]
# Three items on the new charts, as a shop importing shoes and children's clothes has them.
ITEMS = """
  - sku: XZ-0001
    name: 软底小白鞋
    aliases: [小白鞋]
    category: 鞋靴
    price: 129
    colors: [白色]
    sizes: [35, 36, 37, 38, 39, 40]
    size_chart: shoes
  - sku: XZ-0002
    name: 男款跑步鞋
    aliases: [跑步鞋]
    category: 鞋靴
    price: 259
    colors: [黑色]
    sizes: [39, 40, 41, 42, 43, 44]
    size_chart: shoes
  - sku: TZ-0001
    name: 儿童加绒卫衣
    aliases: [儿童卫衣]
    category: 童装
    price: 89
    colors: [粉色]
    sizes: [100, 110, 120, 130, 140]
    size_chart: children
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    for path in (REPO / "shop").glob("*.yml"):
        shutil.copy(path, folder)
    with open(folder / "catalog.yml", "a", encoding="utf-8") as catalog:
        catalog.write(ITEMS)
    return load_shop(folder)


# --------------------------------------------------------------------------- reading the words

@pytest.mark.parametrize("text,cm", [
    ("脚长24.5", 24.5), ("脚长245mm", 24.5), ("24.5cm的脚", 24.5), ("我脚长24.5穿多大码", 24.5),
    ("脚长二十四点五公分", 24.5), ("脚是25厘米", 25), ("脚245", 24.5), ("平时穿240", 24), ("240码", 24),
    ("24.5", None), ("脚宽10", None), ("一脚蹬38码", None), ("脚长50", None), ("165 50kg", None),
])
def test_foot_length_in_a_message(text, cm):
    assert foot_length_cm(text) == cm


@pytest.mark.parametrize("text,cm", [("24.5", 24.5), ("245", 24.5), ("嗯 24.5左右吧", 24.5), ("25cm", 25),
                                     ("38", None), ("24.5 这双有黑色吗", None)])
def test_a_foot_length_given_alone(text, cm):
    assert foot_length_cm(text, alone=True) == cm


@pytest.mark.parametrize("text,alone,size", [
    ("平时穿38码", False, "38"), ("我穿39", False, "39"), ("一般穿110的", False, "110"), ("平时38码", False, "38"),
    ("穿38码合适吗", False, None), ("买2件", False, None), ("38码", False, None),
    ("38码", True, "38"), ("38", True, "38"), ("38.5码", True, "38.5"),
])
def test_a_usual_numbered_size(text, alone, size):
    assert usual_size_number(text, alone=alone) == size


@pytest.mark.parametrize("text,cm", [
    ("孩子110", 110), ("宝宝身高120穿多大", 120), ("110cm", 110), ("女儿一米二", 120), ("儿子1米25", 125),
    ("1.2米", 120), ("孩子现在大概130", 130), ("孩子5岁", None), ("孩子110斤", None), ("孩子一百一十斤", None),
    ("高腰直筒牛仔裤", None), ("110", None),
])
def test_a_childs_height(text, cm):
    assert child_height_cm(text) == cm


def test_a_childs_height_given_alone():
    assert child_height_cm("110", alone=True) == 110
    assert child_height_cm("嗯 孩子110左右吧", alone=True) == 110
    assert child_height_cm("110块可以吗", alone=True) is None


@pytest.mark.parametrize("text,years", [("5岁", 5), ("孩子5岁穿多大", 5), ("三岁半", 3.5), ("18个月", 1.5),
                                        ("十二周岁", 12), ("5件", None), ("30岁", None)])
def test_a_childs_age(text, years):
    assert child_age_years(text) == years


@pytest.mark.parametrize("expecting,text,bare", [
    ("foot_length", "24.5", True), ("foot_length", "脚长245mm", True), ("foot_length", "38码", True),
    ("foot_length", "这双有黑色吗", False),
    ("child_size", "5岁", True), ("child_size", "孩子110", True), ("child_size", "110", True),
    ("child_size", "有粉色吗", False),
])
def test_the_answer_to_a_foot_or_child_question_is_a_bare_answer(expecting, text, bare):
    assert is_bare_answer(text, [], expecting) is bare


def test_details_come_from_the_newest_message_that_has_them(shop):
    shoes = shop.size_chart(shop.item("XZ-0001"))
    assert said_for_chart(shoes, ["脚长24.5 这双鞋穿多大", "那这双呢"]) == {"foot_cm": 24.5}
    assert said_for_chart(shoes, ["平时穿38码", "脚长25"]) == {"foot_cm": 25}
    assert said_for_chart(shoes, ["脚长24.5", "38"]) == {"usual_size": "38"}
    assert said_for_chart(shoes, ["38", "这双"]) == {}, "a bare number counts only as the latest answer"
    assert said_for_chart(shoes, ["平时穿28"]) == {}, "a jeans size is no shoe size"
    children = shop.size_chart(shop.item("TZ-0001"))
    assert said_for_chart(children, ["孩子5岁穿多大", "这件卫衣"]) == {"child_age": 5}
    assert said_for_chart(children, ["孩子5岁穿多大", "110"]) == {"child_height": 110, "usual_size": "110"}
    assert said_for_chart(shop.size_chart(shop.item("JN-2801")), ["脚长24.5"]) == {}


# --------------------------------------------------------------------------- the charts

def test_each_chart_says_how_it_sizes(shop):
    charts = shop.sizing.charts
    assert (charts["shoes"].sized_by, charts["children"].sized_by) == ("foot", "child")
    assert {charts[name].sized_by for name in ("jeans", "dress", "tee", "outerwear")} == {"body"}


@pytest.mark.parametrize("years,size", [(1, "90"), (2, "90"), (3, "100"), (4.5, "110"), (5, "110"), (6, "120"),
                                        (14, "160"), (0.5, None), (15, None)])
def test_the_childrens_chart_reference_ages(shop, years, size):
    assert shop.sizing.charts["children"].size_for_age(years) == size


@pytest.mark.parametrize("foot,size", [(22, "35"), (22.5, "35"), (24.2, "39"), (24.5, "39"), (27, "44"),
                                       (21.9, None), (27.1, None)])
def test_shoes_take_the_smallest_size_whose_foot_length_fits(shop, foot, size):
    assert size_for_foot(shop.sizing.charts["shoes"], foot) == size


def test_ages_must_name_sizes_of_the_chart(tmp_path):
    for path in (REPO / "shop").glob("*.yml"):
        shutil.copy(path, tmp_path)
    sizing = (tmp_path / "sizing.yml").read_text(encoding="utf-8")
    (tmp_path / "sizing.yml").write_text(sizing.replace("ages: {90: 1-2,", "ages: {80: 0-1, 90: 1-2,"), encoding="utf-8")
    with pytest.raises(ShopConfigError, match="ages: size 80 is not in this chart"):
        load_shop(tmp_path)


# --------------------------------------------------------------------------- shoes

@pytest.mark.parametrize("sku,kwargs,size,basis", [
    ("XZ-0001", dict(foot_cm=24.5), "39", "foot"),
    ("XZ-0001", dict(foot_cm=24.2), "39", "foot"),
    ("XZ-0001", dict(foot_cm=24.5, usual_size="37"), "39", "foot"),  # the measured foot over the habit
    ("XZ-0001", dict(usual_size="38"), "38", "shoe_usual"),
    ("XZ-0001", dict(usual_size="38.5"), None, "ask_foot"),  # between two sizes: measure
    ("XZ-0001", dict(usual_size="M"), None, "ask_foot"),  # a clothing size is no shoe size
    ("XZ-0001", dict(usual_size="42"), None, "out_of_chart"),  # the chart has it, this item not
    ("XZ-0001", dict(foot_cm=26), None, "out_of_chart"),
    ("XZ-0002", dict(foot_cm=27), "44", "foot"),
    ("XZ-0002", dict(foot_cm=27.5), None, "out_of_chart"),
    ("XZ-0001", dict(height=170, weight=65), None, "shoe_not_by_body"),
    ("XZ-0001", dict(height=170), None, "shoe_not_by_body"),
    ("XZ-0001", {}, None, "ask_foot"),
])
def test_shoes_by_foot_length(shop, sku, kwargs, size, basis):
    advice = recommend_size(shop, shop.item(sku), **kwargs)
    assert (advice.size, advice.basis) == (size, basis)
    assert advice.args["chart"] == "鞋码表"


def test_the_shoe_advice_says_the_chart_and_the_fit(shop):
    advice = recommend_size(shop, shop.item("XZ-0001"), foot_cm=24.2)
    assert advice.args == {"item_name": "软底小白鞋", "chart": "鞋码表", "size": "39", "foot": "24.2", "fits": "24.5"}


def test_a_foot_beyond_the_item_says_the_items_range(shop):
    advice = recommend_size(shop, shop.item("XZ-0001"), foot_cm=26)
    assert advice.args["body"] == "脚长26cm" and advice.args["range"] == "35-40码 适合脚长22-25cm"
    assert chart_range(shop.sizing.charts["shoes"], shop.item("XZ-0002").sizes) == "39-44码 适合脚长24-27cm"


def test_a_shoes_largest_size_is_its_foot_length(shop):
    largest = size_measurements(shop, shop.item("XZ-0002"), "最大码多大")
    assert (largest.basis, largest.args["size"], largest.args["foot"], largest.args["which"]) == ("shoe_measures", "44", "27", "最大")
    smallest = size_measurements(shop, shop.item("XZ-0001"), "最小的码多大")
    assert (smallest.args["size"], smallest.args["foot"], smallest.args["which"]) == ("35", "22.5", "最小")


# --------------------------------------------------------------------------- children's

@pytest.mark.parametrize("kwargs,size,basis", [
    (dict(child_height=110), "110", "child_height"),
    (dict(child_height=115), "120", "child_height"),  # on the edge: the larger, room to grow
    (dict(child_height=110, child_age=8), "110", "child_height"),  # the height over the age
    (dict(usual_size="120"), "120", "child_usual"),
    (dict(child_age=5), "110", "child_age"),
    (dict(child_age=6), "120", "child_age"),
    (dict(child_height=80), None, "out_of_chart"),
    (dict(child_age=2), None, "out_of_chart"),  # 90 is on the chart, not in this item
    (dict(height=165, weight=50), None, "ask_child"),  # an adult's height and weight size no child
    ({}, None, "ask_child"),
])
def test_childrens_clothes_by_height_or_age(shop, kwargs, size, basis):
    advice = recommend_size(shop, shop.item("TZ-0001"), **kwargs)
    assert (advice.size, advice.basis) == (size, basis)
    assert advice.args["chart"] == "童装尺码表"


def test_the_childrens_advice_gives_the_sizes_heights(shop):
    by_age = recommend_size(shop, shop.item("TZ-0001"), child_age=5)
    assert by_age.args == {"item_name": "儿童加绒卫衣", "chart": "童装尺码表", "size": "110", "age": "5", "heights": "105-115"}
    out = recommend_size(shop, shop.item("TZ-0001"), child_height=80)
    assert out.args["body"] == "孩子身高80cm" and out.args["range"] == "100-140码 适合身高95-145cm"


# --------------------------------------------------------------------------- the other charts

@pytest.mark.parametrize("sku,kwargs,size,basis", [
    ("JN-2801", dict(height=165, weight=55), "L", "same"),
    ("JN-2801", dict(height=160, weight=58), "L", "larger"),
    ("JN-2801", dict(waist=69.9), "L", "measurement"),
    ("JN-2801", dict(foot_cm=24.5, child_height=110), None, "need_more"),  # not their measures
])
def test_clothes_for_adults_keep_their_rules(shop, sku, kwargs, size, basis):
    advice = recommend_size(shop, shop.item(sku), **kwargs)
    assert (advice.size, advice.basis) == (size, basis)
