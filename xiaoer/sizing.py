"""Size recommendation: one size, and why, from the shop's size charts.

Rules (DESIGN.md, seed 000): by height and weight, the larger of the two sizes wins;
by the buyer's usual size, the chart's usual-size table; by waist or hip in cm, the
smallest garment that fits the body plus the chart's ease (5 cm). A buyer outside the
chart is told so instead of being given a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xiaoer.shop import Item, Shop, SizeChart

MEASURE_NAMES = {"waist": "腰围", "hip": "臀围"}


@dataclass(frozen=True)
class SizeAdvice:
    size: str | None
    # which script explains it: same / larger / usual / measurement / height_only / out_of_chart / need_more
    basis: str
    args: dict[str, Any] = field(default_factory=dict)


def _fmt(value: float) -> str:
    return f"{value:g}"


def _chart(shop: Shop, item: Item | None) -> SizeChart | None:
    if item is None:
        return next(iter(shop.sizing.charts.values()), None)
    if item.is_set:  # a set is sized by the part with the most detailed chart (the jeans)
        charts = [shop.size_chart(part) for part in shop.components(item)]
        charts = [chart for chart in charts if chart]
        return max(charts, key=lambda chart: len(chart.usual_sizes), default=None)
    return shop.size_chart(item)


def _larger(order: tuple[str, ...], a: str, b: str) -> str:
    return a if order.index(a) >= order.index(b) else b


def recommend_size(
    shop: Shop,
    item: Item | None,
    height: float | None = None,
    weight: float | None = None,
    usual_size: str | None = None,
    waist: float | None = None,
    hip: float | None = None,
    weight_unknown: bool = False,
) -> SizeAdvice:
    """One size and why. ``weight_unknown``: the buyer does not know their weight ("没称过"),
    so the height alone decides, and the reply says how to be surer."""
    chart = _chart(shop, item)
    item_name = item.name if item else "这款"
    base = {"item_name": item_name}
    if chart is None:
        return SizeAdvice(None, "need_more", base)
    sizes = item.sizes if item else chart.sizes

    if usual_size:
        size = chart.size_for_usual(usual_size)
        if size and size in sizes:
            return SizeAdvice(size, "usual", {**base, "usual_size": usual_size, "size": size})

    measured = [(kind, value) for kind, value in (("waist", waist), ("hip", hip)) if value]
    measured = [(k, v) for k, v in measured if k in chart.measurement_kinds]
    if measured:
        picks = [(kind, value, chart.size_for_measurement(kind, value)) for kind, value in measured]
        if all(size for _, _, size in picks):
            kind, value, size = max(picks, key=lambda pick: chart.sizes.index(pick[2]))
            if size in sizes:
                garment = chart.measurements_cm[size][kind]
                return SizeAdvice(size, "measurement", {
                    **base, "size": size, "measure_name": MEASURE_NAMES[kind], "measure": _fmt(value),
                    "ease": _fmt(chart.ease_cm), "garment": _fmt(garment),
                })
        return SizeAdvice(None, "out_of_chart", {**base, "body": "、".join(
            f"{MEASURE_NAMES[k]}{_fmt(v)}cm" for k, v in measured), "range": chart_range(chart, sizes)})

    if height is not None and weight is None and weight_unknown:
        size = chart.size_for_height(height)
        if size and size in sizes:
            return SizeAdvice(size, "height_only", {**base, "size": size, "height": _fmt(height)})
    if height is None or weight is None:
        return SizeAdvice(None, "need_more", base)
    by_height, by_weight = chart.size_for_height(height), chart.size_for_weight(weight)
    body = f"{_fmt(height)}cm、{_fmt(weight)}kg"
    if not by_height or not by_weight:
        return SizeAdvice(None, "out_of_chart", {**base, "body": body, "range": chart_range(chart, sizes)})
    size = _larger(chart.sizes, by_height, by_weight)
    if size not in sizes:
        return SizeAdvice(None, "out_of_chart", {**base, "body": body, "range": chart_range(chart, sizes)})
    args = {**base, "size": size, "height": _fmt(height), "weight": _fmt(weight),
            "height_size": by_height, "weight_size": by_weight}
    if by_height == by_weight:
        return SizeAdvice(size, "same", args)
    args["larger_by"] = "身高" if size == by_height else "体重"
    return SizeAdvice(size, "larger", args)


def chart_range(chart: SizeChart, sizes: tuple[str, ...]) -> str:
    """The chart's span for the buyer: "S-XXL 适合身高150-182cm、体重40-76kg"."""
    body = [r for r in chart.body if r.size in sizes] or list(chart.body)
    return (f"{body[0].size}-{body[-1].size} 适合身高{_fmt(body[0].height_cm[0])}-{_fmt(body[-1].height_cm[1])}cm、"
            f"体重{_fmt(body[0].weight_kg[0])}-{_fmt(body[-1].weight_kg[1])}kg")


# A fit the buyer prefers, said after the advice ("想穿宽松点", "喜欢修身的").
LOOSER = re.compile(r"宽松|大一码|大一号|大一点|oversize|宽大|松一点")
TIGHTER = re.compile(r"修身|紧身|贴身|小一码|小一号|小一点")


def preferred_size(sizes: tuple[str, ...], advised: str, text: str) -> tuple[str, str] | None:
    """(size, "looser"/"tighter") one step from the advised size when the buyer asks for a
    looser or closer fit and the item has that size; else None."""
    step = 1 if LOOSER.search(text) else -1 if TIGHTER.search(text) else 0
    if not step or advised not in sizes:
        return None
    index = sizes.index(advised) + step
    if not 0 <= index < len(sizes):
        return None
    return sizes[index], "looser" if step > 0 else "tighter"


# "最大码是多大": the garment measurements of the item's largest size.
LARGEST = re.compile(r"最大(的)?(码|号|尺码)|最大.{0,2}多大|最小(的)?(码|号|尺码)")
GARMENT_NAMES = {"chest": "胸围", "waist": "腰围", "hip": "臀围", "length": "衣长"}


def size_measurements(shop: Shop, item: Item, text: str) -> dict[str, str] | None:
    """The largest (or smallest) size's garment measurements, when the buyer asks for them."""
    match = LARGEST.search(text)
    chart = _chart(shop, item)
    if not match or chart is None or not item.sizes:
        return None
    size = item.sizes[0] if match.group().startswith("最小") else item.sizes[-1]
    measures = chart.measurements_cm.get(size) or {}
    if not measures:
        return None
    length = "裙长" if "裙" in item.name else "裤长" if "裤" in item.name else "衣长"
    names = {**GARMENT_NAMES, "length": length}
    text_of = "、".join(f"{names.get(k, k)}{_fmt(v)}cm" for k, v in measures.items())
    return {"item_name": item.name, "size": size, "measures": text_of}
