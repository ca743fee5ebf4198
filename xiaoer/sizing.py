"""Size recommendation: one size, and why, from the shop's size charts.

Rules (DESIGN.md, seed 000): by height and weight, the larger of the two sizes wins;
by the buyer's usual size, the chart's usual-size table; by waist or hip in cm, the
smallest garment that fits the body plus the chart's ease (5 cm). A buyer outside the
chart is told so instead of being given a guess.

Each chart sizes by its own measures (``SizeChart.sized_by``): shoes by the foot length
(the smallest size whose foot_length is at least the foot, ease 0) or the buyer's usual
shoe size, never by height and weight; children's clothes by the child's height, else the
size the child wears now, else the age (the chart's reference ages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from xiaoer.entities import (
    child_age_years,
    child_height_cm,
    foot_length_cm,
    usual_size_number,
)
from xiaoer.shop import Item, Shop, SizeChart
from xiaoer.shop.model import FOOT_LENGTH

MEASURE_NAMES = {"waist": "腰围", "hip": "臀围"}


@dataclass(frozen=True)
class SizeAdvice:
    size: str | None
    # which script explains it: same / larger / usual / measurement / height_only / out_of_chart /
    # need_more; shoes: foot / shoe_usual / ask_foot / shoe_not_by_body; children's:
    # child_height / child_usual / child_age / ask_child; asked measurements: measures / shoe_measures
    basis: str
    args: dict[str, Any] = field(default_factory=dict)


def _fmt(value: float) -> str:
    return f"{value:g}"


def chart_for(shop: Shop, item: Item | None) -> SizeChart | None:
    """The chart an item is sized by (with no item, the shop's first)."""
    if item is None:
        return next(iter(shop.sizing.charts.values()), None)
    if item.is_set:  # a set is sized by the part with the most detailed chart (the jeans)
        charts = [shop.size_chart(part) for part in shop.components(item)]
        charts = [chart for chart in charts if chart]
        return max(charts, key=lambda chart: len(chart.usual_sizes), default=None)
    return shop.size_chart(item)


def sized_by(shop: Shop, item: Item | None) -> str:
    """How the item's chart sizes a buyer: "body", "foot" or "child" (SizeChart.sized_by)."""
    chart = chart_for(shop, item)
    return chart.sized_by if chart else "body"


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
    foot_cm: float | None = None,
    child_height: float | None = None,
    child_age: float | None = None,
) -> SizeAdvice:
    """One size and why. ``weight_unknown``: the buyer does not know their weight ("没称过"),
    so the height alone decides, and the reply says how to be surer. ``foot_cm`` sizes
    shoes; ``child_height`` and ``child_age`` children's clothes (on other charts they are
    not used, as height and weight are not used on those two)."""
    chart = chart_for(shop, item)
    item_name = item.name if item else "这款"
    base = {"item_name": item_name}
    if chart is None:
        return SizeAdvice(None, "need_more", base)
    sizes = item.sizes if item else chart.sizes
    if chart.sized_by == "foot":
        return _shoe_advice(chart, sizes, base, foot_cm, usual_size, body_given=height is not None or weight is not None)
    if chart.sized_by == "child":
        return _child_advice(chart, sizes, base, child_height, child_age, usual_size)

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


def _foot_lengths(chart: SizeChart, sizes: Sequence[str]) -> list[tuple[str, float]]:
    return [(size, chart.measurements_cm[size][FOOT_LENGTH]) for size in chart.sizes if size in sizes]


def _shortest_foot(chart: SizeChart, size: str) -> float:
    """The shortest foot ``size`` fits: just over the next smaller size's foot_length; for the
    chart's smallest size, one step (the gap to the next size) below its own."""
    lengths = [length for _, length in _foot_lengths(chart, chart.sizes)]
    index = chart.sizes.index(size)
    if index:
        return lengths[index - 1]
    return lengths[0] - (lengths[1] - lengths[0] if len(lengths) > 1 else 0)


def size_for_foot(chart: SizeChart, foot_cm: float) -> str | None:
    """The chart's rule for shoes: the smallest size whose foot_length is at least the foot
    (plus the chart's ease, 0 for shoes: a shoe's foot_length is the longest foot it fits);
    None for a foot longer than the largest size or shorter than the chart fits."""
    if not chart.sizes or foot_cm < _shortest_foot(chart, chart.sizes[0]):
        return None
    return chart.size_for_measurement(FOOT_LENGTH, foot_cm)


def _shoe_advice(chart: SizeChart, sizes: tuple[str, ...], base: dict[str, Any], foot_cm: float | None,
                 usual_size: str | None, body_given: bool) -> SizeAdvice:
    args = {**base, "chart": chart.title}
    if foot_cm is not None:
        size = size_for_foot(chart, foot_cm)
        if size is None or size not in sizes:
            return SizeAdvice(None, "out_of_chart", {**args, "body": f"脚长{_fmt(foot_cm)}cm", "range": chart_range(chart, sizes)})
        return SizeAdvice(size, "foot", {**args, "size": size, "foot": _fmt(foot_cm),
                                         "fits": _fmt(chart.measurements_cm[size][FOOT_LENGTH])})
    shoe_size = _shoe_number(usual_size)
    if shoe_size is not None:
        size = chart.size_for_usual(usual_size)
        if size in sizes:
            return SizeAdvice(size, "shoe_usual", {**args, "size": size, "usual_size": _fmt(shoe_size),
                                                   "fits": _fmt(chart.measurements_cm[size][FOOT_LENGTH])})
        numbers = [_shoe_number(s) for s in sizes]
        if None not in numbers and numbers and not numbers[0] <= shoe_size <= numbers[-1]:
            return SizeAdvice(None, "out_of_chart", {**args, "body": f"鞋码{_fmt(shoe_size)}码",
                                                     "range": chart_range(chart, sizes)})
    # a size between the chart's (38.5), or none said: the foot length decides
    return SizeAdvice(None, "shoe_not_by_body" if body_given else "ask_foot", args)


def _shoe_number(size: str | None) -> float | None:
    """A European shoe size (30-50) from the buyer's usual size; a clothing size is none."""
    try:
        value = float(size) if size is not None else None
    except ValueError:
        return None
    return value if value is not None and 30 <= value <= 50 else None


def _heights(chart: SizeChart, size: str) -> str:
    row = chart.body_range(size)
    return f"{_fmt(row.height_cm[0])}-{_fmt(row.height_cm[1])}" if row else ""


def _child_advice(chart: SizeChart, sizes: tuple[str, ...], base: dict[str, Any], height: float | None,
                  age: float | None, usual_size: str | None) -> SizeAdvice:
    """By the child's height; else the size the child wears now; else the age. The weight is
    not asked: children's sizes are heights."""
    args = {**base, "chart": chart.title}
    if height is not None:
        size = chart.size_for_height(height)
        if size is None or size not in sizes:
            return SizeAdvice(None, "out_of_chart", {**args, "body": f"孩子身高{_fmt(height)}cm", "range": chart_range(chart, sizes)})
        return SizeAdvice(size, "child_height", {**args, "size": size, "height": _fmt(height), "heights": _heights(chart, size)})
    size = chart.size_for_usual(usual_size) if usual_size else None
    if size in sizes:
        return SizeAdvice(size, "child_usual", {**args, "size": size, "usual_size": usual_size,
                                                "heights": _heights(chart, size)})
    if age is not None:
        size = chart.size_for_age(age)
        if size is None or size not in sizes:
            return SizeAdvice(None, "out_of_chart", {**args, "body": f"孩子{_fmt(age)}岁", "range": chart_range(chart, sizes)})
        return SizeAdvice(size, "child_age", {**args, "size": size, "age": _fmt(age), "heights": _heights(chart, size)})
    return SizeAdvice(None, "ask_child", args)


def chart_range(chart: SizeChart, sizes: tuple[str, ...]) -> str:
    """The chart's span for the buyer, in its own measures: "S-XXL 适合身高150-182cm、体重40-76kg",
    "90-160码 适合身高85-165cm" (children's), "35-44码 适合脚长22-27cm" (shoes)."""
    if chart.sized_by == "foot":
        lengths = _foot_lengths(chart, sizes) or _foot_lengths(chart, chart.sizes)
        low = _shortest_foot(chart, lengths[0][0])
        return f"{lengths[0][0]}-{lengths[-1][0]}码 适合脚长{_fmt(low)}-{_fmt(lengths[-1][1])}cm"
    body = [r for r in chart.body if r.size in sizes] or list(chart.body)
    if not body:  # a chart by its measurements alone: name its sizes
        return f"{chart.sizes[0]}-{chart.sizes[-1]}码" if chart.sizes else chart.title
    heights = f"适合身高{_fmt(body[0].height_cm[0])}-{_fmt(body[-1].height_cm[1])}cm"
    if chart.sized_by == "child":
        return f"{body[0].size}-{body[-1].size}码 {heights}"
    return f"{body[0].size}-{body[-1].size} {heights}、体重{_fmt(body[0].weight_kg[0])}-{_fmt(body[-1].weight_kg[1])}kg"


def _read(reader, text: str, latest: bool) -> Any:
    """A detail in its marked form; in the latest message also a bare answer."""
    found = reader(text)
    return reader(text, alone=True) if found is None and latest else found


def said_for_chart(chart: SizeChart | None, texts: Sequence[str]) -> dict[str, Any]:
    """What the buyer's messages say for a shoe or children's chart, as ``recommend_size``
    arguments, from the newest message that says any of it: the latest may be a bare answer
    to the bot's question ("24.5", "110"); an earlier one counts only with its marker
    ("脚长", "孩子", "岁"). A usual size counts when the chart has it. Empty for other charts."""
    if chart is None or chart.sized_by == "body":
        return {}
    for index, text in enumerate(reversed(texts)):
        latest = index == 0
        usual = _read(usual_size_number, text, latest)
        if chart.sized_by == "foot":
            found = {"foot_cm": _read(foot_length_cm, text, latest), "usual_size": usual if _shoe_number(usual) else None}
        else:
            found = {"child_height": _read(child_height_cm, text, latest), "child_age": _read(child_age_years, text, latest),
                     "usual_size": usual if usual and chart.size_for_usual(usual) else None}
        found = {name: value for name, value in found.items() if value is not None}
        if found:
            return found
    return {}


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
GARMENT_NAMES = {"chest": "胸围", "waist": "腰围", "hip": "臀围", "length": "衣长", FOOT_LENGTH: "脚长"}


def size_measurements(shop: Shop, item: Item, text: str) -> SizeAdvice | None:
    """The largest (or smallest) size's measurements, when the buyer asks for them: a shoe's
    foot length ("shoe_measures"), else the garment's ("measures")."""
    match = LARGEST.search(text)
    chart = chart_for(shop, item)
    if not match or chart is None or not item.sizes:
        return None
    smallest = match.group().startswith("最小")
    size = item.sizes[0] if smallest else item.sizes[-1]
    measures = chart.measurements_cm.get(size) or {}
    if not measures:
        return None
    if chart.sized_by == "foot":
        return SizeAdvice(size, "shoe_measures", {"item_name": item.name, "size": size, "chart": chart.title,
                                                  "which": "最小" if smallest else "最大",
                                                  "foot": _fmt(measures[FOOT_LENGTH])})
    length = "裙长" if "裙" in item.name else "裤长" if "裤" in item.name else "衣长"
    names = {**GARMENT_NAMES, "length": length}
    text_of = "、".join(f"{names.get(k, k)}{_fmt(v)}cm" for k, v in measures.items())
    return SizeAdvice(size, "measures", {"item_name": item.name, "size": size, "measures": text_of})
