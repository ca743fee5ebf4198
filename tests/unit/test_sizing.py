"""Size recommendations against the demo shop's charts (DESIGN.md, seed 000)."""

from __future__ import annotations

import pytest

from xiaoer.shop import load_shop
from xiaoer.sizing import recommend_size

SHOP = load_shop("shop")


@pytest.mark.parametrize("sku,kwargs,size,basis", [
    # height and weight agree
    ("JN-2801", dict(height=165, weight=55), "L", "same"),
    ("TS-0520", dict(height=152, weight=42), "S", "same"),
    ("JN-2801", dict(height=178, weight=70), "XXL", "same"),
    # they disagree: the larger wins
    ("JN-2801", dict(height=160, weight=58), "L", "larger"),
    ("JN-2801", dict(height=172, weight=50), "XL", "larger"),
    ("DR-1066", dict(height=158, weight=45), "M", "larger"),
    # edges between sizes take the larger one
    ("JN-2801", dict(height=164, weight=53), "L", "larger"),
    # usual size (jeans waist number or a letter)
    ("JN-2801", dict(usual_size="26"), "S", "usual"),
    ("JN-2801", dict(usual_size="28"), "L", "usual"),
    ("JN-2801", dict(usual_size="30"), "XXL", "usual"),
    ("SET-01", dict(usual_size="27"), "M", "usual"),
    ("TS-0520", dict(usual_size="M"), "M", "usual"),
    # waist / hip in cm plus 5 cm ease
    ("JN-2801", dict(waist=66.6), "M", "measurement"),
    ("JN-2801", dict(waist=69.9), "L", "measurement"),
    ("JN-2801", dict(waist=66.6, hip=96), "XL", "measurement"),
    # outside the chart: no guess
    ("JN-2801", dict(height=190, weight=70), None, "out_of_chart"),
    ("JN-2801", dict(height=160, weight=90), None, "out_of_chart"),
    ("DR-1066", dict(height=178, weight=70), None, "out_of_chart"),
    ("JN-2801", dict(waist=95), None, "out_of_chart"),
    # not enough to go on
    ("JN-2801", dict(height=165), None, "need_more"),
])
def test_recommendation(sku, kwargs, size, basis):
    advice = recommend_size(SHOP, SHOP.item(sku), **kwargs)
    assert (advice.size, advice.basis) == (size, basis)


def test_the_reason_names_both_sizes_when_they_differ():
    advice = recommend_size(SHOP, SHOP.item("JN-2801"), height=160, weight=58)
    assert advice.args["height_size"] == "M" and advice.args["weight_size"] == "L"
    assert advice.args["larger_by"] == "体重"


def test_out_of_chart_says_what_the_chart_covers():
    advice = recommend_size(SHOP, SHOP.item("DR-1066"), height=178, weight=70)
    assert advice.args["range"] == "S-XL 适合身高150-176cm、体重40-68kg"
    assert advice.args["body"] == "178cm、70kg"


def test_unknown_usual_size_falls_back_to_height_and_weight():
    advice = recommend_size(SHOP, SHOP.item("JN-2801"), usual_size="99", height=165, weight=55)
    assert advice.size == "L"


def test_without_a_weight_the_height_alone_decides_when_the_buyer_does_not_know_it():
    shop = load_shop("shop")
    dress = shop.item("DR-1066")
    advice = recommend_size(shop, dress, height=158, weight_unknown=True)
    assert advice.basis == "height_only" and advice.size == "M"
    assert recommend_size(shop, dress, height=158).basis == "need_more", "otherwise the weight is asked for"


@pytest.mark.parametrize("text,expected", [
    ("想穿宽松点呢", ("XL", "looser")),
    ("喜欢修身一点的", ("M", "tighter")),
    ("那就L吧", None),
])
def test_a_preferred_fit_moves_one_size_from_the_advice(text, expected):
    from xiaoer.sizing import preferred_size

    assert preferred_size(("S", "M", "L", "XL", "XXL"), "L", text) == expected


def test_no_size_beyond_the_chart():
    from xiaoer.sizing import preferred_size

    assert preferred_size(("S", "M", "L", "XL"), "XL", "宽松点") is None


def test_the_largest_sizes_measurements_when_asked():
    from xiaoer.sizing import size_measurements

    shop = load_shop("shop")
    largest = size_measurements(shop, shop.item("DR-1066"), "那最大码是多大")
    assert largest.basis == "measures"
    assert largest.args == {"item_name": "碎花连衣裙", "size": "XL", "measures": "腰围80cm、臀围106cm、胸围98cm、裙长118cm"}
    assert size_measurements(shop, shop.item("DR-1066"), "M码合适吗") is None
