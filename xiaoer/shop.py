"""The shop as data: load ``shop/*.yml`` into frozen dataclasses, checked on load.

A shop owner edits six YAML files (shop, catalog, sizing, shipping, returns,
bargaining). :func:`load_shop` reads them, checks every value and every reference
between them, and returns a :class:`Shop`. When something is wrong it raises
:class:`ShopConfigError` listing every problem found, each with its file and line::

    shop/catalog.yml line 12: item JN-2801: floor 149 is above price 139

Plain Python 3.10 with PyYAML only; shared by the gateway and the action server.
Nothing is read at import time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

__all__ = [
    "BargainPolicy",
    "Colour",
    "ConfigProblem",
    "Courier",
    "DeliveryRegion",
    "Item",
    "Promotion",
    "ReminderPolicy",
    "ReturnPolicy",
    "ShippingPolicy",
    "Shop",
    "ShopConfigError",
    "SizeChart",
    "SizeRange",
    "Sizing",
    "TimeWindow",
    "VipPolicy",
    "catalog_for_nlu",
    "load_shop",
]

SHOP_FILES = ("shop", "catalog", "sizing", "shipping", "returns", "bargaining")

# China's provincial-level divisions, in the short form buyers use.
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏",
    "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南",
    "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
    "宁夏", "新疆", "香港", "澳门",
)
_PLACE_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市",
)

BARGAIN_STEPS = ("bundle", "free_shipping")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in one shop file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file} line {self.line}: {self.message}"


class ShopConfigError(ValueError):
    """The shop files are broken. ``str()`` lists every problem, one per line."""

    def __init__(self, problems: Iterable[ConfigProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class TimeWindow:
    """Daily clock window ``[start, end)``; wraps past midnight when end <= start."""

    start: dt.time
    end: dt.time

    def contains(self, t: dt.time) -> bool:
        t = t.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Promotion:
    enabled: bool
    busy_notice: bool
    ship_within_hours: int


@dataclass(frozen=True)
class VipPolicy:
    discount: float  # 0.98 = 9.8折
    after: str

    @property
    def zhe(self) -> str:
        """The discount as buyers say it: 0.98 -> "9.8"."""
        return f"{self.discount * 10:.2f}".rstrip("0").rstrip(".")

    def price(self, price: float) -> float:
        return round(price * self.discount, 2)


@dataclass(frozen=True)
class ReminderPolicy:
    delay_minutes: int
    quiet_hours: TimeWindow
    max_per_buyer_per_24h: int


@dataclass(frozen=True)
class Colour:
    name: str
    in_stock: bool = True


def _colour_key(name: str) -> str:
    """浅蓝色 and 浅蓝 are the same colour."""
    key = name.strip().casefold()
    return key[:-1] if len(key) > 1 and key.endswith("色") else key


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    price: float
    floor: float
    colours: tuple[Colour, ...]
    sizes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    category: str = ""
    size_chart: str | None = None  # name of a chart in sizing.yml; None for sets
    material: str = ""
    selling_points: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()  # skus to offer when this is sold out
    components: tuple[str, ...] = ()  # skus in a set

    @property
    def is_set(self) -> bool:
        return bool(self.components)

    @property
    def colour_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.colours)

    @property
    def in_stock_colours(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.colours if c.in_stock)

    def colour(self, name: str) -> Colour | None:
        """The colour called ``name`` (``黑`` and ``黑色`` match alike), or None."""
        key = _colour_key(name)
        return next((c for c in self.colours if _colour_key(c.name) == key), None)

    def in_stock(self, colour: str | None = None) -> bool:
        """Is this colour in stock? Without a colour: is any colour in stock?
        A colour the item does not come in is not in stock."""
        if colour is None:
            return any(c.in_stock for c in self.colours)
        found = self.colour(colour)
        return found is not None and found.in_stock

    def has_size(self, size: str) -> bool:
        return str(size).strip().upper() in self.sizes


@dataclass(frozen=True)
class SizeRange:
    """Body height and weight for one size."""

    size: str
    height_cm: tuple[float, float]
    weight_kg: tuple[float, float]


def _size_by_range(ranges: tuple[SizeRange, ...], value: float, attr: str) -> str | None:
    """Size whose range holds ``value``. A value between two ranges (157.5 cm) or on a
    shared edge (47 kg) takes the larger size; outside the whole chart gives None."""
    if not ranges:
        return None
    lows = [getattr(r, attr)[0] for r in ranges]
    if value < lows[0] or value > getattr(ranges[-1], attr)[1]:
        return None
    found = None
    for r, low in zip(ranges, lows):
        if value >= low:
            found = r.size
    return found


@dataclass(frozen=True)
class SizeChart:
    """One garment kind's size chart (sizing.yml ``charts``)."""

    name: str
    title: str
    sizes: tuple[str, ...]  # smallest first
    body: tuple[SizeRange, ...]  # height/weight for these sizes
    measurements_cm: Mapping[str, Mapping[str, float]]  # size -> {waist: 66, ...}
    usual_sizes: Mapping[str, str]  # buyer's usual size -> ours ("28" -> "L")
    ease_cm: float

    def body_range(self, size: str) -> SizeRange | None:
        return next((r for r in self.body if r.size == size), None)

    def size_for_height(self, cm: float) -> str | None:
        return _size_by_range(self.body, cm, "height_cm")

    def size_for_weight(self, kg: float) -> str | None:
        return _size_by_range(self.body, kg, "weight_kg")

    def size_for_usual(self, usual: str | int) -> str | None:
        """Our size for the size the buyer usually wears (28 -> L; M -> M)."""
        key = str(usual).strip().upper()
        if key in self.usual_sizes:
            return self.usual_sizes[key]
        return key if key in self.sizes else None

    @property
    def measurement_kinds(self) -> tuple[str, ...]:
        first = next(iter(self.measurements_cm.values()), {})
        return tuple(first)

    def size_for_measurement(self, kind: str, body_cm: float) -> str | None:
        """Smallest size whose garment ``kind`` (waist, hip, ...) is at least the
        buyer's own measurement plus the ease; None if none is big enough or the
        chart has no such measurement."""
        need = body_cm + self.ease_cm
        for size in self.sizes:
            garment = self.measurements_cm.get(size, {}).get(kind)
            if garment is not None and garment >= need:
                return size
        return None


@dataclass(frozen=True)
class Sizing:
    ease_cm: float
    body: tuple[SizeRange, ...]
    charts: Mapping[str, SizeChart]

    @property
    def size_order(self) -> tuple[str, ...]:
        return tuple(r.size for r in self.body)


@dataclass(frozen=True)
class Courier:
    name: str
    surcharge: float = 0  # what the buyer pays extra for choosing it
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryRegion:
    name: str
    days: tuple[int, int]
    postage: float
    free_shipping: bool
    provinces: tuple[str, ...] = ()  # empty for "every other province"
    cities: tuple[str, ...] = ()


def _place_key(text: str) -> str:
    key = text.strip()
    for suffix in _PLACE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


@dataclass(frozen=True)
class ShippingPolicy:
    default_courier: str
    couriers: tuple[Courier, ...]
    ship_within_hours: int
    promotion_ship_within_hours: int  # from shop.yml promotion
    ship_in_payment_order: bool
    regions: tuple[DeliveryRegion, ...]
    other_provinces: DeliveryRegion

    def courier(self, name: str | None = None) -> Courier | None:
        """A courier by name or alias (顺丰速运, SF ...); without a name, the default."""
        if name is None:
            name = self.default_courier
        key = name.strip().casefold()
        for c in self.couriers:
            if key in (c.name.casefold(), *(a.casefold() for a in c.aliases)):
                return c
        return None

    def surcharge(self, courier: str) -> float | None:
        found = self.courier(courier)
        return None if found is None else found.surcharge

    def ship_hours(self, promotion: bool = False) -> int:
        return self.promotion_ship_within_hours if promotion else self.ship_within_hours

    def region(self, place: str) -> DeliveryRegion:
        """The delivery region for a province, city or region name ("新疆维吾尔自治区",
        "杭州", "江浙沪", "浙江杭州"); anywhere not listed counts as other provinces."""
        key = _place_key(place)
        for r in self.regions:
            if key == r.name or key in r.provinces or key in r.cities:
                return r
        best, best_len = None, 0
        for r in self.regions:
            for name in (*r.provinces, *r.cities):
                if name in place and len(name) > best_len:
                    best, best_len = r, len(name)
        return best or self.other_provinces

    def delivery_days(self, region: str) -> tuple[int, int]:
        """(fewest, most) days in transit to this province / city / region."""
        return self.region(region).days

    def free_shipping(self, region: str) -> bool:
        return self.region(region).free_shipping


@dataclass(frozen=True)
class ReturnPolicy:
    no_reason_days: int
    counted_from: str  # "receipt"
    exchanges: bool
    conditions: tuple[str, ...]
    made_to_order_returnable: bool
    default_postage_payer: str  # "buyer" or "shop"
    shop_pays_for: Mapping[str, str]  # reason key -> label, e.g. wrong_item -> 发错货
    compensation_coupon: float
    shipping_insurance: bool
    refund_approval_above: float

    def within_window(self, received: dt.date, today: dt.date) -> bool:
        """Still inside the no-reason window? Dates or datetimes (local dates are used)."""
        if isinstance(received, dt.datetime):
            received = received.date()
        if isinstance(today, dt.datetime):
            today = today.date()
        return 0 <= (today - received).days <= self.no_reason_days

    def postage_payer(self, reason: str | None = None, insured: bool = False) -> str:
        """Who pays return postage: "shop" (quality problem, wrong item),
        "insurance" (运费险 bought), otherwise the default payer."""
        if reason in self.shop_pays_for:
            return "shop"
        if insured and self.shipping_insurance:
            return "insurance"
        return self.default_postage_payer

    def coupon_for(self, reason: str | None) -> float:
        return self.compensation_coupon if reason in self.shop_pays_for else 0

    def needs_human_approval(self, refund_amount: float) -> bool:
        return refund_amount > self.refund_approval_above


@dataclass(frozen=True)
class BargainPolicy:
    ladder: tuple[str, ...]  # concession order: "bundle", "free_shipping"
    bundles: tuple[str, ...]  # skus of sets to steer to
    excuse_max_gap: float
    excuse_hold_hours: int
    ask_manager_on_haggle: int
    ask_manager_wait_seconds: int
    gifts: tuple[str, ...]

    def acceptable(self, item: Item, offer: float) -> bool:
        """Never below the floor."""
        return offer >= item.floor

    def excuse_accepted(self, item: Item, offer: float) -> bool:
        """"Not enough in my Alipay": a small gap is accepted, never below the floor."""
        return offer >= item.floor and item.price - offer <= self.excuse_max_gap

    def ask_manager(self, haggle_count: int) -> bool:
        """Is this haggle (1 = first) the one where the bot asks the manager?"""
        return haggle_count >= self.ask_manager_on_haggle


@dataclass(frozen=True, repr=False)
class Shop:
    name: str
    timezone: str
    agent_hours: TimeWindow
    promotion: Promotion
    vip: VipPolicy
    reminders: ReminderPolicy
    items: tuple[Item, ...]
    sizing: Sizing
    shipping: ShippingPolicy
    returns: ReturnPolicy
    bargaining: BargainPolicy
    source: str = "shop"

    def __repr__(self) -> str:
        skus = ", ".join(i.sku for i in self.items)
        promo = "on" if self.promotion.enabled else "off"
        return (
            f"<Shop {self.name} from {self.source}: {len(self.items)} items ({skus}), "
            f"agents {self.agent_hours} {self.timezone}, promotion {promo}>"
        )

    # ---- catalog

    def item(self, sku: str) -> Item | None:
        """The item with this sku (any case), or None."""
        key = str(sku).strip().casefold()
        return next((i for i in self.items if i.sku.casefold() == key), None)

    def find_item(self, text: str) -> Item | None:
        """The item a buyer means: a sku, name or alias, or a message containing one
        (the longest match wins: "T恤+牛仔裤套餐" is the set, not the jeans)."""
        key = (text or "").strip().casefold()
        if not key:
            return None
        compact = re.sub(r"[\s\-_]", "", key)
        for item in self.items:
            terms = (item.name, *item.aliases)
            if compact == re.sub(r"[\-_]", "", item.sku.casefold()) or key in (
                t.casefold() for t in terms
            ):
                return item
        best, best_len = None, 0
        for item in self.items:
            sku = re.sub(r"[\-_]", "", item.sku.casefold())
            if sku in compact and len(sku) > best_len:
                best, best_len = item, len(sku)
            for term in (item.name, *item.aliases):
                t = term.casefold()
                if t in key and len(t) > best_len:
                    best, best_len = item, len(t)
        if best is not None:
            return best
        if len(key) >= 2:  # a fragment of one item's name: "碎花"
            partial = [
                i for i in self.items
                if any(key in t.casefold() for t in (i.name, *i.aliases))
            ]
            if len(partial) == 1:
                return partial[0]
        return None

    def components(self, item: Item | str) -> tuple[Item, ...]:
        item = self._as_item(item)
        return tuple(self.item(s) for s in item.components) if item else ()

    def similar_items(self, item: Item | str, in_stock_only: bool = True) -> tuple[Item, ...]:
        item = self._as_item(item)
        if item is None:
            return ()
        found = (self.item(s) for s in item.similar)
        return tuple(i for i in found if i and (i.in_stock() or not in_stock_only))

    def bundle_for(self, item: Item | str) -> Item | None:
        """The bundle (bargaining.yml ``bundles``) that contains this item, if any."""
        item = self._as_item(item)
        if item is None:
            return None
        for sku in self.bargaining.bundles:
            bundle = self.item(sku)
            if bundle and (item.sku in bundle.components or bundle.sku == item.sku):
                return bundle
        return None

    def size_chart(self, item: Item | str) -> SizeChart | None:
        item = self._as_item(item)
        if item is None or item.size_chart is None:
            return None
        return self.sizing.charts.get(item.size_chart)

    def catalog_for_nlu(self) -> dict:
        """Plain dict for the NLU side (vocabulary, entity values)."""
        return {
            "items": [
                {
                    "sku": i.sku,
                    "name": i.name,
                    "aliases": list(i.aliases),
                    "colors": list(i.colour_names),
                    "sizes": list(i.sizes),
                }
                for i in self.items
            ]
        }

    def _as_item(self, item: Item | str) -> Item | None:
        return item if isinstance(item, Item) else self.item(item)

    # ---- time

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, when: dt.datetime) -> dt.datetime:
        """``when`` as shop-local time; a naive datetime is taken as shop-local already."""
        return when if when.tzinfo is None else when.astimezone(self.tz)

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def is_agent_hours(self, when: dt.datetime) -> bool:
        """Are human agents on duty at ``when`` (open <= time < close)?"""
        return self.agent_hours.contains(self.local(when).time())

    def next_agent_opening(self, when: dt.datetime) -> dt.datetime:
        """When a human can next answer: ``when`` itself (shop-local) during agent
        hours, otherwise the next opening time. Naive in, naive out."""
        local = self.local(when)
        if self.agent_hours.contains(local.time()):
            return local
        start = self.agent_hours.start
        opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        if opening <= local:
            opening += dt.timedelta(days=1)
        return opening

    def is_quiet_hours(self, when: dt.datetime) -> bool:
        """No payment reminders now?"""
        return self.reminders.quiet_hours.contains(self.local(when).time())

    # ---- policy shortcuts

    def ship_hours(self) -> int:
        """Hours to ship after payment, with the current promotion setting."""
        return self.shipping.ship_hours(self.promotion.enabled)

    def refund_needs_human(self, amount: float) -> bool:
        return self.returns.needs_human_approval(amount)


# --------------------------------------------------------------------------- YAML with lines


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict


class _Seq(list):
    """A YAML list that remembers its line and the line of each entry (1-based)."""

    line: int = 1
    item_lines: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and reads 09:00 / 23:00 as text (YAML 1.1
    would read an unquoted 23:00 as the base-60 number 1380)."""


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    _INT_TAG,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_LineLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    first_seen: dict = {}
    for key_node, _ in node.value:  # duplicates among the keys written here
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word, not a list or group",
                key_node.start_mark,
            )
        if key in first_seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"'{key}' is written twice (first on line {first_seen[key]}); keep one",
                key_node.start_mark,
            )
        first_seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq()
    result.line = node.start_mark.line + 1
    result.item_lines = []
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.item_lines.append(child.start_mark.line + 1)
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --------------------------------------------------------------------------- checking helpers

_MISSING = object()


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {_num(value)}"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of settings"
    return type(value).__name__


def _word(value: Any) -> str | None:
    """A size or similar label: 28 and "28" alike; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")
_RANGE_RE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:-|~|～|至|到|—|–|－)\s*(\d+(?:\.\d+)?)\s*$"
)


class _File:
    """Problems found in one file."""

    def __init__(self, label: str, problems: list[ConfigProblem]):
        self.label = label
        self.problems = problems
        self.count_at_start = len(problems)

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(ConfigProblem(self.label, line, message))

    @property
    def ok(self) -> bool:
        return len(self.problems) == self.count_at_start


class _Section:
    """A mapping in a shop file, read with checks. Getters report a problem and
    return None when a value is missing or wrong."""

    def __init__(self, file: _File, data: _Map, where: str = "", known: Iterable[str] | None = None):
        self.file = file
        self.data = data
        self.where = where
        if known is not None:
            self._check_unknown(tuple(known))

    def _check_unknown(self, known: tuple[str, ...]) -> None:
        for key in self.data:
            if key in known:
                continue
            hint = difflib.get_close_matches(str(key), known, n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})"
            self.error(key, f"unknown setting '{key}'{also}")

    def line(self, key: Any = None) -> int:
        if key is not None and key in self.data.key_lines:
            return self.data.key_lines[key]
        return self.data.line

    def error(self, key: Any, message: str) -> None:
        self.file.error(self.line(key), self.where + message)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _raw(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                if key in self.data:
                    self.error(key, f"'{key}' is empty")
                else:
                    self.error(None, f"missing '{key}'")
            return _MISSING
        return value

    def text(self, key: str, required: bool = True, default: str | None = None) -> str | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if not isinstance(value, str):
            self.error(key, f"'{key}' should be text, not {_describe(value)}")
            return None
        return value.strip()

    def choice(self, key: str, options: tuple[str, ...], required: bool = True, default: str | None = None) -> str | None:
        value = self.text(key, required, default)
        if value is not None and value not in options:
            self.error(key, f"'{key}' is \"{value}\"; it must be one of: {', '.join(options)}")
            return None
        return value

    def number(
        self, key: str, *, required: bool = True, default: float | None = None,
        whole: bool = False, minimum: float | None = None, above: float | None = None,
    ) -> float | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if whole else "a number"
            self.error(key, f"'{key}' should be {kind}, not {_describe(value)}")
            return None
        if whole and not float(value).is_integer():
            self.error(key, f"'{key}' should be a whole number, not {_num(value)}")
            return None
        if whole:
            value = int(value)
        if minimum is not None and value < minimum:
            self.error(key, f"'{key}' is {_num(value)}; it must be at least {_num(minimum)}")
            return None
        if above is not None and value <= above:
            self.error(key, f"'{key}' is {_num(value)}; it must be more than {_num(above)}")
            return None
        return value

    def boolean(self, key: str, required: bool = True, default: bool | None = None) -> bool | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if not isinstance(value, bool):
            self.error(key, f"'{key}' should be true or false, not {_describe(value)}")
            return None
        return value

    def time(self, key: str) -> dt.time | None:
        value = self._raw(key, True)
        if value is _MISSING:
            return None
        match = _TIME_RE.match(value) if isinstance(value, str) else None
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
        self.error(key, f"'{key}' should be a time written as \"HH:MM\" (like \"09:00\"), not {_describe(value)}")
        return None

    def range(self, key: str, whole: bool = False) -> tuple[float, float] | None:
        """A range written ``150-157`` (or ``[150, 157]``; one number means low = high)."""
        value = self._raw(key, True)
        if value is _MISSING:
            return None
        low = high = None
        if isinstance(value, str):
            match = _RANGE_RE.match(value)
            if match:
                low, high = float(match[1]), float(match[2])
        elif isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            low, high = float(value[0]), float(value[1])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            low = high = float(value)
        if low is None:
            self.error(key, f"'{key}' should be a range like 150-157, not {_describe(value)}")
            return None
        if whole and not (low.is_integer() and high.is_integer()):
            self.error(key, f"'{key}' should use whole numbers, not {value}")
            return None
        if low > high:
            self.error(key, f"'{key}' range {_num(low)}-{_num(high)} is backwards; write the smaller number first")
            return None
        if low <= 0:
            self.error(key, f"'{key}' range must be above 0")
            return None
        if whole or (low.is_integer() and high.is_integer()):
            return int(low), int(high)
        return low, high

    def seq(self, key: str, required: bool = True, allow_empty: bool = True) -> _Seq | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, str):  # a single entry written without brackets
            seq = _Seq([value])
            seq.line, seq.item_lines = self.line(key), [self.line(key)]
            value = seq
        if not isinstance(value, list):
            self.error(key, f"'{key}' should be a list, not {_describe(value)}")
            return None
        if not value and not allow_empty:
            self.error(key, f"'{key}' is empty; list at least one")
            return None
        return value

    def texts(self, key: str, required: bool = True, allow_empty: bool = True, words: bool = False) -> tuple[str, ...] | None:
        """A list of text. ``words``: numbers are taken as text too (sizes like 110)."""
        seq = self.seq(key, required, allow_empty)
        if seq is None:
            return None if required else ()
        out = []
        for value, line in zip(seq, seq.item_lines):
            if words and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = _num(value)
            if not isinstance(value, str) or not value.strip():
                self.file.error(line, f"{self.where}'{key}' entries should be text, not {_describe(value)}")
                return None
            out.append(value.strip())
        return tuple(out)

    def section(self, key: str, known: Iterable[str] | None, where: str | None = None, required: bool = True) -> _Section | None:
        """A nested group of settings; ``known=None`` for free-form keys (sizes, names)."""
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.error(key, f"'{key}' should be a group of settings (key: value lines), not {_describe(value)}")
            return None
        return _Section(self.file, value, self.where if where is None else where, known)


_SYNTAX_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "often a missing ':' on the line before, or a value containing ': ' that needs quotes"),
    ("could not find expected ':'", "a line is missing its ':' after the key"),
    ("expected <block end>", "check this line's indentation against the lines above"),
    ("found undefined alias", "'*' starts an alias in YAML; put the text in quotes"),
    ("found character '@'", "put text starting with @ or ` in quotes"),
)


def _syntax_hint(message: str) -> str:
    return "".join(f"; {hint}" for needle, hint in _SYNTAX_HINTS if needle in message)


def _read_yaml(path: str, label: str, problems: list[ConfigProblem]) -> _Map | None:
    file = _File(label, problems)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        file.error(None, "file not found; every shop needs it")
        return None
    except OSError as exc:
        file.error(None, f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        file.error(line, "is not UTF-8 text; save the file as UTF-8")
        return None
    loader = None
    try:
        loader = _LineLoader(text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        prefix = "" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error: "
        message = f"{prefix}{exc.problem or exc.context}"
        if exc.context and exc.problem:
            context_line = exc.context_mark.line + 1 if exc.context_mark else None
            where = f" on line {context_line}" if context_line and mark and context_line != mark.line + 1 else ""
            message += f" ({exc.context}{where})"
        message += _syntax_hint(message)
        file.error(mark.line + 1 if mark else None, message)
        return None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        file.error(line, f"YAML syntax error: {exc.reason} (character #x{exc.character:04x})")
        return None
    except yaml.YAMLError as exc:
        file.error(None, f"YAML syntax error: {exc}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        file.error(1, "file is empty")
        return None
    if not isinstance(data, _Map):
        file.error(getattr(data, "line", 1), f"the file should be key: value settings, not {_describe(data)}")
        return None
    return data


# --------------------------------------------------------------------------- builders


def _build_sizing(f: _File, data: _Map) -> Sizing | None:
    top = _Section(f, data, "", ("ease_cm", "body_sizes", "charts"))
    ease = top.number("ease_cm", minimum=0)

    body: list[SizeRange] = []
    order: list[str] = []  # every size named, even one with a broken range
    body_map = top.section("body_sizes", None)  # keys are sizes, checked below
    if body_map is not None:
        if not body_map.data:
            top.error("body_sizes", "'body_sizes' is empty; list at least one size")
        previous = None
        for key in body_map.data:
            size = (_word(key) or str(key)).upper()
            order.append(size)
            sec = body_map.section(key, ("height_cm", "weight_kg"), where=f"size {size}: ")
            if sec is None:
                continue
            height, weight = sec.range("height_cm"), sec.range("weight_kg")
            if height is None or weight is None:
                continue
            if previous is not None:
                for attr, label, new in (("height_cm", "height", height), ("weight_kg", "weight", weight)):
                    old = getattr(previous, attr)
                    if new[0] < old[0] or new[1] < old[1]:
                        sec.error(attr, (
                            f"{label} {_num(new[0])}-{_num(new[1])} is below size {previous.size} "
                            f"({_num(old[0])}-{_num(old[1])}); list sizes from small to large"
                        ))
            current = SizeRange(size, height, weight)
            body.append(current)
            previous = current

    charts: dict[str, SizeChart] = {}
    charts_map = top.section("charts", None)
    if charts_map is not None:
        if not charts_map.data:
            top.error("charts", "'charts' is empty; add at least one size chart")
        for key in charts_map.data:
            name = str(key)
            sec = charts_map.section(key, ("title", "usual_sizes", "measurements_cm"), where=f"chart {name}: ")
            if sec is None:
                continue
            title = sec.text("title", required=False, default=name)
            measurements: dict[str, dict[str, float]] = {}
            meas = sec.section("measurements_cm", None)
            kinds: tuple[str, ...] | None = None
            if meas is not None:
                if not meas.data:
                    sec.error("measurements_cm", "'measurements_cm' is empty; list each size's measurements")
                for size_key in meas.data:
                    size = (_word(size_key) or str(size_key)).upper()
                    if order and size not in order:
                        meas.error(size_key, f"size {size} is not in body_sizes ({', '.join(order)})")
                        continue
                    row = meas.data[size_key]
                    if not isinstance(row, dict) or not row:
                        meas.error(size_key, f"size {size} should list measurements like {{waist: 66, hip: 88}}")
                        continue
                    row_sec = _Section(f, row, f"chart {name} size {size}: ")
                    values = {}
                    for kind in row:
                        v = row_sec.number(kind, above=0)
                        if v is not None:
                            values[str(kind)] = v
                    if kinds is None:
                        kinds = tuple(values)
                    elif set(values) != set(kinds) and len(values) == len(row):
                        missing = sorted(set(kinds) - set(values))
                        extra = sorted(set(values) - set(kinds))
                        detail = (f"has no {', '.join(missing)}" if missing else f"has extra {', '.join(extra)}")
                        meas.error(size_key, f"size {size} {detail}; every size needs the same measurements")
                    measurements[size] = values
                if order:
                    measurements = {s: measurements[s] for s in order if s in measurements}
                previous_size = None
                for size, values in measurements.items():
                    if previous_size is not None:
                        for kind, v in values.items():
                            before = measurements[previous_size].get(kind)
                            if before is not None and v < before:
                                meas.error(size, (
                                    f"{kind} {_num(v)} for size {size} is smaller than "
                                    f"{_num(before)} for size {previous_size}; bigger sizes need bigger measurements"
                                ))
                    previous_size = size
            sizes = tuple(measurements)
            usual: dict[str, str] = {}
            usual_sec = sec.section("usual_sizes", None, required=False)
            if usual_sec is not None:
                for key, value in usual_sec.data.items():
                    theirs, ours = _word(key), _word(value)
                    if not theirs or not ours:
                        usual_sec.error(key, f"usual size {key} should map to one of our sizes, not {_describe(value)}")
                        continue
                    ours = ours.upper()
                    if sizes and ours not in sizes:
                        usual_sec.error(key, (
                            f"usual size {theirs} maps to {ours}, which is not in this chart ({', '.join(sizes)})"
                        ))
                        continue
                    usual[theirs.upper()] = ours
            charts[name] = SizeChart(
                name=name,
                title=title or name,
                sizes=sizes,
                body=tuple(r for r in body if r.size in sizes),
                measurements_cm=MappingProxyType({k: MappingProxyType(v) for k, v in measurements.items()}),
                usual_sizes=MappingProxyType(usual),
                ease_cm=ease if ease is not None else 0,
            )
    if ease is None or not f.ok:
        return None
    return Sizing(ease_cm=ease, body=tuple(body), charts=MappingProxyType(charts))


_ITEM_KEYS = (
    "sku", "name", "aliases", "category", "price", "floor", "colors", "sizes",
    "size_chart", "material", "selling_points", "similar", "components",
)


def _build_catalog(f: _File, data: _Map, sizing: Sizing | None) -> tuple[Item, ...] | None:
    top = _Section(f, data, "", ("items",))
    seq = top.seq("items", allow_empty=False)
    if seq is None:
        return None

    raw_items: list[tuple[_Section, dict]] = []
    sku_lines: dict[str, int] = {}
    for index, (entry, line) in enumerate(zip(seq, seq.item_lines)):
        if not isinstance(entry, dict):
            f.error(line, f"item #{index + 1} should be a group of settings starting with 'sku:', not {_describe(entry)}")
            continue
        probe = _Section(f, entry, f"item #{index + 1}: ")
        sku = probe.text("sku")
        sec = _Section(f, entry, f"item {sku}: " if sku else f"item #{index + 1}: ", _ITEM_KEYS)
        if sku is not None:
            key = sku.casefold()
            if key in sku_lines:
                sec.error("sku", f"sku {sku} is used twice (first on line {sku_lines[key]}); each item needs its own sku")
            else:
                sku_lines[key] = sec.line("sku")
        raw_items.append((sec, {"sku": sku}))

    # pass 1: each item on its own
    for sec, fields in raw_items:
        fields["name"] = sec.text("name")
        fields["aliases"] = sec.texts("aliases", required=False) or ()
        fields["category"] = sec.text("category", required=False, default="")
        fields["material"] = sec.text("material", required=False, default="")
        fields["selling_points"] = sec.texts("selling_points", required=False) or ()
        fields["similar"] = sec.texts("similar", required=False) or ()
        fields["components"] = sec.texts("components", required=False) or ()
        price = sec.number("price", above=0)
        floor = sec.number("floor", above=0)
        if price is not None and floor is not None and floor > price:
            sec.error("floor", f"floor {_num(floor)} is above price {_num(price)}")
        fields["price"], fields["floor"] = price, floor
        is_set = bool(fields["components"])

        colours: list[Colour] | None = None
        if sec.has("colors") or not is_set:
            colours = []
            seen: dict[str, int] = {}
            colour_seq = sec.seq("colors", allow_empty=False)
            for value, line in zip(colour_seq or (), getattr(colour_seq, "item_lines", ())):
                if isinstance(value, str) and value.strip():
                    colour = Colour(value.strip(), True)
                elif isinstance(value, dict):
                    csec = _Section(f, value, sec.where, ("name", "in_stock"))
                    name = csec.text("name")
                    stock = csec.boolean("in_stock", required=False, default=True)
                    if name is None or stock is None:
                        continue
                    colour = Colour(name, stock)
                else:
                    f.error(line, f"{sec.where}a colour should be a name or {{name: 白, in_stock: true}}, not {_describe(value)}")
                    continue
                key = _colour_key(colour.name)
                if key in seen:
                    f.error(line, f"{sec.where}colour {colour.name} is listed twice (first on line {seen[key]})")
                    continue
                seen[key] = line
                colours.append(colour)
        fields["colours"] = colours

        sizes = None
        if sec.has("sizes") or not is_set:
            sizes = sec.texts("sizes", allow_empty=False, words=True)
            if sizes is not None:
                sizes = tuple(s.upper() for s in sizes)
                dupes = sorted({s for s in sizes if sizes.count(s) > 1})
                if dupes:
                    sec.error("sizes", f"size {', '.join(dupes)} is listed twice")
        fields["sizes"] = sizes

        chart_name = sec.text("size_chart", required=not is_set)
        fields["size_chart"] = chart_name
        if sizing is not None and chart_name is not None:
            chart = sizing.charts.get(chart_name)
            if chart is None:
                hint = difflib.get_close_matches(chart_name, list(sizing.charts), n=1)
                also = f"did you mean '{hint[0]}'?" if hint else f"charts: {', '.join(sizing.charts)}"
                sec.error("size_chart", f"size chart '{chart_name}' is not in sizing.yml ({also})")
            elif sizes:
                seq_sizes = sec.data.get("sizes")
                for i, size in enumerate(sizes):
                    if size not in chart.sizes:
                        line = seq_sizes.item_lines[i] if isinstance(seq_sizes, _Seq) else sec.line("sizes")
                        f.error(line, f"{sec.where}size {size} is not in size chart '{chart_name}' ({', '.join(chart.sizes)})")

    # pass 2: references between items
    by_sku = {fields["sku"].casefold(): fields for _, fields in raw_items if fields["sku"]}
    for sec, fields in raw_items:
        sku = fields["sku"]
        for key in ("similar", "components"):
            values = fields[key]
            seq_values = sec.data.get(key)
            for i, ref in enumerate(values):
                line = seq_values.item_lines[i] if isinstance(seq_values, _Seq) else sec.line(key)
                target = by_sku.get(ref.casefold())
                if target is None:
                    hint = difflib.get_close_matches(ref, [v["sku"] for v in by_sku.values()], n=1)
                    also = f" (did you mean {hint[0]}?)" if hint else ""
                    f.error(line, f"{sec.where}{key} sku {ref} is not in the catalog{also}")
                elif sku and ref.casefold() == sku.casefold():
                    f.error(line, f"{sec.where}{key} lists the item itself")
                elif key == "components" and target["components"]:
                    f.error(line, f"{sec.where}component {ref} is itself a set; a set can only hold single items")
        if fields["components"] and (fields["colours"] is None or fields["sizes"] is None):
            parts = [by_sku.get(c.casefold()) for c in fields["components"]]
            if all(p is not None and not p["components"] for p in parts):
                if fields["colours"] is None:
                    fields["colours"] = _set_colours(p["colours"] or [] for p in parts)
                if fields["sizes"] is None:
                    order = sizing.size_order if sizing else ()
                    fields["sizes"] = _set_sizes((p["sizes"] or () for p in parts), order)

    # names and aliases must point to one item only
    owners: dict[str, tuple[str, int]] = {}
    for sec, fields in raw_items:
        if not fields["sku"]:
            continue
        terms = [("name", fields["name"])] + [("aliases", a) for a in fields["aliases"]]
        for key, term in terms:
            if not term:
                continue
            folded = term.casefold()
            owner = owners.get(folded)
            if owner and owner[0] != fields["sku"]:
                sec.error(key, f"'{term}' also names item {owner[0]} (line {owner[1]}); buyers' words must point to one item")
            elif not owner:
                owners[folded] = (fields["sku"], sec.line(key))

    if not f.ok:
        return None
    return tuple(
        Item(
            sku=fields["sku"],
            name=fields["name"],
            price=fields["price"],
            floor=fields["floor"],
            colours=tuple(fields["colours"] or ()),
            sizes=tuple(fields["sizes"] or ()),
            aliases=tuple(fields["aliases"]),
            category=fields["category"] or "",
            size_chart=fields["size_chart"],
            material=fields["material"] or "",
            selling_points=tuple(fields["selling_points"]),
            similar=tuple(fields["similar"]),
            components=tuple(fields["components"]),
        )
        for _, fields in raw_items
    )


def _set_colours(parts: Iterable[list[Colour]]) -> list[Colour]:
    """A set comes in every colour of its items; a colour is in stock if some item
    has it in stock (粉 is sold out in the tee, so the set's 粉 is too)."""
    merged: dict[str, Colour] = {}
    for colours in parts:
        for c in colours:
            key = _colour_key(c.name)
            if key in merged:
                merged[key] = Colour(merged[key].name, merged[key].in_stock or c.in_stock)
            else:
                merged[key] = c
    return list(merged.values())


def _set_sizes(parts: Iterable[tuple[str, ...]], order: tuple[str, ...]) -> tuple[str, ...]:
    sizes: list[str] = []
    for part in parts:
        sizes += [s for s in part if s not in sizes]
    rank = {s: i for i, s in enumerate(order)}
    return tuple(sorted(sizes, key=lambda s: rank.get(s, len(rank))))


def _build_shop_settings(f: _File, data: _Map) -> dict | None:
    top = _Section(f, data, "", ("name", "timezone", "agent_hours", "promotion", "vip", "payment_reminders"))
    out: dict[str, Any] = {"name": top.text("name")}

    tz = top.text("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            top.error("timezone", f"unknown time zone '{tz}' (use a name like Asia/Shanghai)")
    out["timezone"] = tz

    hours = top.section("agent_hours", ("open", "close"))
    out["agent_hours"] = None
    if hours is not None:
        opens, closes = hours.time("open"), hours.time("close")
        if opens is not None and closes is not None:
            if closes <= opens:
                hours.error("close", f"agent hours close {closes:%H:%M} is not after open {opens:%H:%M}")
            else:
                out["agent_hours"] = TimeWindow(opens, closes)

    promo = top.section("promotion", ("enabled", "busy_notice", "ship_within_hours"))
    out["promotion"] = None
    out["promotion_line"] = top.line("promotion")
    if promo is not None:
        enabled = promo.boolean("enabled")
        busy = promo.boolean("busy_notice", required=False, default=True)
        hours_ = promo.number("ship_within_hours", whole=True, above=0)
        out["promotion_line"] = promo.line("ship_within_hours")
        if None not in (enabled, busy, hours_):
            out["promotion"] = Promotion(enabled, busy, hours_)

    vip = top.section("vip", ("discount", "after"))
    out["vip"] = None
    out["vip_line"] = top.line("vip")
    if vip is not None:
        discount = vip.number("discount", above=0)
        if discount is not None and discount > 1:
            hint = f"; for {_num(discount)}折 write {_num(round(discount / 10, 4))}" if discount < 10 else ""
            vip.error("discount", f"'discount' is {_num(discount)}; it must be 1 or less (0.98 = 9.8折){hint}")
            discount = None
        after = vip.choice("after", ("first_completed_order",), required=False, default="first_completed_order")
        out["vip_line"] = vip.line("discount")
        if discount is not None and after is not None:
            out["vip"] = VipPolicy(discount, after)

    rem = top.section("payment_reminders", ("delay_minutes", "quiet_hours", "max_per_buyer_per_24h"))
    out["reminders"] = None
    if rem is not None:
        delay = rem.number("delay_minutes", whole=True, above=0)
        most = rem.number("max_per_buyer_per_24h", whole=True, minimum=0)
        quiet = rem.section("quiet_hours", ("start", "end"))
        window = None
        if quiet is not None:
            start, end = quiet.time("start"), quiet.time("end")
            if start is not None and end is not None:
                if start == end:
                    quiet.error("end", f"quiet hours start and end are both {start:%H:%M}")
                else:
                    window = TimeWindow(start, end)
        if None not in (delay, most, window):
            out["reminders"] = ReminderPolicy(delay, window, most)
    return out if f.ok else None


def _build_region(sec: _Section, named: str | None = None, with_places: bool = True) -> DeliveryRegion | None:
    name = sec.text("name", required=named is None, default=named)
    days = sec.range("days", whole=True)
    postage = sec.number("postage", minimum=0)
    free = sec.boolean("free_shipping")
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    if with_places:
        provinces = sec.texts("provinces", allow_empty=False) or ()
        seq = sec.data.get("provinces")
        clean = []
        for i, p in enumerate(provinces):
            key = _place_key(p)
            if key not in PROVINCES:
                hint = difflib.get_close_matches(key, PROVINCES, n=1, cutoff=0.5)
                also = f" (did you mean {hint[0]}?)" if hint else ""
                line = seq.item_lines[i] if isinstance(seq, _Seq) else sec.line("provinces")
                sec.file.error(line, f"{sec.where}'{p}' is not a province{also}")
            clean.append(key)
        provinces = tuple(clean)
        cities = tuple(_place_key(c) for c in (sec.texts("cities", required=False) or ()))
    if None in (name, days, postage, free):
        return None
    return DeliveryRegion(name, days, postage, free, provinces, cities)


def _build_shipping(f: _File, data: _Map, settings: dict | None) -> ShippingPolicy | None:
    top = _Section(f, data, "", (
        "default_courier", "couriers", "ship_within_hours", "ship_in_payment_order",
        "regions", "other_provinces",
    ))
    couriers: list[Courier] = []
    seen: dict[str, int] = {}
    seq = top.seq("couriers", allow_empty=False)
    for value, line in zip(seq or (), getattr(seq, "item_lines", ())):
        if isinstance(value, str) and value.strip():
            courier = Courier(value.strip())
        elif isinstance(value, dict):
            sec = _Section(f, value, "courier: ", ("name", "aliases", "surcharge"))
            name = sec.text("name")
            if name:
                sec.where = f"courier {name}: "
            surcharge = sec.number("surcharge", required=False, default=0, minimum=0)
            aliases = sec.texts("aliases", required=False) or ()
            if name is None or surcharge is None:
                continue
            courier = Courier(name, surcharge, aliases)
        else:
            f.error(line, f"a courier should be a name or {{name: 顺丰, surcharge: 10}}, not {_describe(value)}")
            continue
        for term in (courier.name, *courier.aliases):
            if term.casefold() in seen:
                f.error(line, f"courier name '{term}' is listed twice (first on line {seen[term.casefold()]})")
            seen[term.casefold()] = line
        couriers.append(courier)

    default = top.text("default_courier")
    if default is not None and seq is not None:
        by_name = {t.casefold(): c.name for c in couriers for t in (c.name, *c.aliases)}
        if default.casefold() in by_name:
            default = by_name[default.casefold()]
        else:
            listed = ", ".join(c.name for c in couriers)
            top.error("default_courier", f"default courier {default} is not in 'couriers' ({listed})")

    hours = top.number("ship_within_hours", whole=True, above=0)
    in_order = top.boolean("ship_in_payment_order", required=False, default=True)

    regions: list[DeliveryRegion] = []
    province_lines: dict[str, tuple[str, int]] = {}
    region_seq = top.seq("regions", required=False) or ()
    for value, line in zip(region_seq, getattr(region_seq, "item_lines", ())):
        if not isinstance(value, dict):
            f.error(line, f"a region should be a group of settings starting with 'name:', not {_describe(value)}")
            continue
        sec = _Section(f, value, "region: ", ("name", "provinces", "cities", "days", "postage", "free_shipping"))
        label = sec.text("name")
        if label is None:
            continue
        sec.where = f"region {label}: "
        region = _build_region(sec)
        if region is None:
            continue
        for p in region.provinces:
            if p in province_lines:
                other, other_line = province_lines[p]
                sec.error("provinces", f"{p} is also in region {other} (line {other_line})")
            province_lines[p] = (region.name, sec.line("provinces"))
        regions.append(region)

    other_sec = top.section("other_provinces", ("name", "days", "postage", "free_shipping"), where="other_provinces: ")
    other = _build_region(other_sec, named="其他省份", with_places=False) if other_sec else None

    promo_hours = hours
    if settings and settings.get("promotion") and hours is not None:
        promo_hours = settings["promotion"].ship_within_hours
    if not f.ok or None in (default, hours, in_order, other):
        return None
    return ShippingPolicy(
        default_courier=default,
        couriers=tuple(couriers),
        ship_within_hours=hours,
        promotion_ship_within_hours=promo_hours,
        ship_in_payment_order=in_order,
        regions=tuple(regions),
        other_provinces=other,
    )


def _build_returns(f: _File, data: _Map) -> ReturnPolicy | None:
    top = _Section(f, data, "", (
        "no_reason_days", "counted_from", "exchanges", "conditions", "not_returnable",
        "postage", "refund_approval_above",
    ))
    days = top.number("no_reason_days", whole=True, above=0)
    counted_from = top.choice("counted_from", ("receipt", "delivery", "payment"), required=False, default="receipt")
    exchanges = top.boolean("exchanges", required=False, default=True)
    conditions = top.texts("conditions", allow_empty=False)
    not_ret = top.section("not_returnable", ("made_to_order_sizes",), required=False)
    made_to_order_excluded = True
    if not_ret is not None:
        made_to_order_excluded = not_ret.boolean("made_to_order_sizes", required=False, default=True)
    postage = top.section("postage", ("default_payer", "shop_pays_for", "compensation_coupon", "shipping_insurance"))
    payer = coupon = insurance = None
    shop_pays: dict[str, str] = {}
    if postage is not None:
        payer = postage.choice("default_payer", ("buyer", "shop"))
        coupon = postage.number("compensation_coupon", required=False, default=0, minimum=0)
        insurance = postage.boolean("shipping_insurance", required=False, default=False)
        reasons = postage.section("shop_pays_for", None, required=False)
        if reasons is not None:
            for key, label in reasons.data.items():
                if not isinstance(label, str) or not label.strip():
                    reasons.error(key, f"reason '{key}' needs a description buyers understand, like 质量问题")
                    continue
                shop_pays[str(key)] = label.strip()
    limit = top.number("refund_approval_above", minimum=0)
    if not f.ok or None in (days, counted_from, exchanges, conditions, made_to_order_excluded, payer, coupon, insurance, limit):
        return None
    return ReturnPolicy(
        no_reason_days=days,
        counted_from=counted_from,
        exchanges=exchanges,
        conditions=conditions,
        made_to_order_returnable=not made_to_order_excluded,
        default_postage_payer=payer,
        shop_pays_for=MappingProxyType(shop_pays),
        compensation_coupon=coupon,
        shipping_insurance=insurance,
        refund_approval_above=limit,
    )


def _build_bargaining(f: _File, data: _Map, items: tuple[Item, ...] | None) -> BargainPolicy | None:
    top = _Section(f, data, "", ("ladder", "bundles", "excuse", "ask_manager"))
    ladder = top.texts("ladder", allow_empty=True)
    if ladder is not None:
        seq = top.data.get("ladder")
        for i, step in enumerate(ladder):
            line = seq.item_lines[i] if isinstance(seq, _Seq) else top.line("ladder")
            if step not in BARGAIN_STEPS:
                f.error(line, f"ladder step '{step}' is unknown; steps are: {', '.join(BARGAIN_STEPS)}")
            elif ladder.index(step) != i:
                f.error(line, f"ladder step '{step}' is listed twice")
    bundles = top.texts("bundles", required=False) or ()
    if items is not None:
        by_sku = {i.sku.casefold(): i for i in items}
        seq = top.data.get("bundles")
        for i, sku in enumerate(bundles):
            line = seq.item_lines[i] if isinstance(seq, _Seq) else top.line("bundles")
            item = by_sku.get(sku.casefold())
            if item is None:
                f.error(line, f"bundle sku {sku} is not in catalog.yml")
            elif not item.is_set:
                f.error(line, f"bundle {sku} is not a set (it has no 'components' in catalog.yml)")
        bundles = tuple(by_sku[s.casefold()].sku if s.casefold() in by_sku else s for s in bundles)
    if ladder and "bundle" in ladder and not bundles:
        top.error("ladder", "the ladder starts with 'bundle' but 'bundles' lists no set")

    excuse = top.section("excuse", ("accept_gap_up_to", "hold_hours"))
    gap = hold = None
    if excuse is not None:
        gap = excuse.number("accept_gap_up_to", minimum=0)
        hold = excuse.number("hold_hours", whole=True, required=False, default=24, above=0)

    manager = top.section("ask_manager", ("on_haggle", "wait_seconds", "gifts"))
    on_haggle = wait = gifts = None
    if manager is not None:
        on_haggle = manager.number("on_haggle", whole=True, minimum=1)
        wait = manager.number("wait_seconds", whole=True, required=False, default=120, minimum=0)
        gifts = manager.texts("gifts", allow_empty=False)

    if not f.ok or None in (ladder, gap, hold, on_haggle, wait, gifts):
        return None
    return BargainPolicy(
        ladder=ladder,
        bundles=tuple(bundles),
        excuse_max_gap=gap,
        excuse_hold_hours=hold,
        ask_manager_on_haggle=on_haggle,
        ask_manager_wait_seconds=wait,
        gifts=gifts,
    )


def _cross_checks(f_shop: _File, settings: dict, shipping_hours: int | None, items: tuple[Item, ...] | None) -> None:
    promo = settings.get("promotion")
    if promo is not None and shipping_hours is not None and promo.ship_within_hours < shipping_hours:
        f_shop.error(settings["promotion_line"], (
            f"promotion ship_within_hours {promo.ship_within_hours} is shorter than the normal "
            f"{shipping_hours} in shipping.yml; promotion shipping cannot be faster"
        ))
    vip = settings.get("vip")
    if vip is not None and items:
        for item in items:
            if vip.price(item.price) < item.floor:
                f_shop.error(settings["vip_line"], (
                    f"VIP {vip.zhe}折 would sell {item.sku} at {_num(vip.price(item.price))}, "
                    f"below its floor {_num(item.floor)}"
                ))


# --------------------------------------------------------------------------- entry points


def _file_path(folder: str, stem: str) -> str:
    for ext in (".yml", ".yaml"):
        candidate = os.path.join(folder, stem + ext)
        if os.path.exists(candidate):
            return candidate
    return os.path.join(folder, stem + ".yml")


def load_shop(path: str | os.PathLike = "shop") -> Shop:
    """Read and check the shop folder; raise :class:`ShopConfigError` listing every
    problem (file, line, what is wrong) if anything is broken."""
    folder = os.fspath(path)
    problems: list[ConfigProblem] = []
    if not os.path.isdir(folder):
        raise ShopConfigError([ConfigProblem(folder, None, "shop folder not found")])

    paths = {stem: _file_path(folder, stem) for stem in SHOP_FILES}
    raw = {stem: _read_yaml(p, p, problems) for stem, p in paths.items()}
    if problems:
        raise ShopConfigError(problems)
    files = {stem: _File(p, problems) for stem, p in paths.items()}

    sizing = _build_sizing(files["sizing"], raw["sizing"])
    items = _build_catalog(files["catalog"], raw["catalog"], sizing)
    settings = _build_shop_settings(files["shop"], raw["shop"]) or {}
    shipping = _build_shipping(files["shipping"], raw["shipping"], settings)
    returns = _build_returns(files["returns"], raw["returns"])
    bargaining = _build_bargaining(files["bargaining"], raw["bargaining"], items)
    if settings:
        hours = shipping.ship_within_hours if shipping else None
        _cross_checks(files["shop"], settings, hours, items)
    if problems:
        raise ShopConfigError(problems)

    return Shop(
        name=settings["name"],
        timezone=settings["timezone"],
        agent_hours=settings["agent_hours"],
        promotion=settings["promotion"],
        vip=settings["vip"],
        reminders=settings["reminders"],
        items=items,
        sizing=sizing,
        shipping=shipping,
        returns=returns,
        bargaining=bargaining,
        source=folder,
    )


def catalog_for_nlu(shop: Shop | str | os.PathLike = "shop") -> dict:
    """``{"items": [{"sku", "name", "aliases", "colors", "sizes"}, ...]}`` for the NLU
    side, from a loaded :class:`Shop` or a shop folder."""
    if not isinstance(shop, Shop):
        shop = load_shop(shop)
    return shop.catalog_for_nlu()
