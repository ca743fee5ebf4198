"""The shop's data model: frozen dataclasses with the helpers a bot needs, and the
error a broken configuration raises."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from xiaoer import clock as app_clock

SHOP_FILES = ("shop", "catalog", "sizing", "shipping", "returns", "bargaining")
OPTIONAL_SHOP_FILES = ("promotions",)  # a shop without running offers leaves it out

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

# How long buyers' data (conversations, cases, orders, reminders, Rasa's trackers) is kept
# after its last change: shop.yml's retention_days, these when it is left out.
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 3650  # ten years: more is a typo, not a policy
DAY_SECONDS = 24 * 3600
DEFAULT_RETENTION_S = DEFAULT_RETENTION_DAYS * DAY_SECONDS


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


def colour_key(name: str) -> str:
    """浅蓝色 and 浅蓝 are the same colour."""
    key = name.strip().casefold()
    return key[:-1] if len(key) > 1 and key.endswith("色") else key


# What a buyer may ask about an item (catalog.yml ``facts:``), with the words staff see.
FACT_FIELDS = {
    "fabric": "面料成分", "thickness": "厚薄", "stretch": "弹力", "lining": "内衬",
    "see_through": "透不透", "fit": "版型", "care": "洗涤保养", "pilling": "起球",
    "colour_fastness": "掉色", "season": "适合季节", "origin": "产地",
    "authenticity": "正品", "packaging": "包装", "model_size": "模特尺码",
}


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
    image: str = ""  # the product card's picture: /static/... or https://
    url: str = ""  # the item's page in the shop
    item_id: str = ""  # the platform's item id (宝贝ID) of an imported item; "" when written by hand
    retired: bool = False  # no longer listed: kept for its history, never offered (Shop.retired_items)
    # FACT_FIELDS key -> the shop's answer (kept out of hashing: an Item stays usable as a key)
    facts: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

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
        return self._colours_by_key.get(colour_key(name))

    @functools.cached_property
    def _colours_by_key(self) -> dict[str, Colour]:
        # asked of every item of a big catalogue per message (which items come in 黑色?)
        found: dict[str, Colour] = {}
        for c in self.colours:
            found.setdefault(colour_key(c.name), c)
        return found

    def in_stock(self, colour: str | None = None) -> bool:
        """Is this colour in stock? Without a colour: is any colour in stock?
        A colour the item does not come in is not in stock."""
        if colour is None:
            return any(c.in_stock for c in self.colours)
        found = self.colour(colour)
        return found is not None and found.in_stock

    def has_size(self, size: str) -> bool:
        return str(size).strip().upper() in self.sizes


def default_floor(price: float, share: float) -> float:
    """The floor of an item that has none written (imported items): ``share`` of the price
    (bargaining.yml ``default_floor_share``), rounded up to whole yuan, never above the price."""
    return min(price, math.ceil(round(price * share, 2)))


FOOT_LENGTH = "foot_length"  # the measurement shoes are sized by (cm)


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
    # children's charts: the ages (whole years) each size is for, as shops print them (参考年龄)
    ages: Mapping[str, tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def sized_by(self) -> str:
        """How a buyer is sized on this chart: "foot" (shoes: no height/weight table, a
        foot_length per size), "child" (a chart with reference ages: by the child's height
        or age) or "body" (height and weight, the larger size wins; waist/hip)."""
        if not self.body and FOOT_LENGTH in self.measurement_kinds:
            return "foot"
        return "child" if self.ages else "body"

    def body_range(self, size: str) -> SizeRange | None:
        return next((r for r in self.body if r.size == size), None)

    def size_for_age(self, years: float) -> str | None:
        """The size for a child of this age (4岁半 counts as 4): the larger one where two
        sizes list the same age; None outside the table."""
        whole = math.floor(years)
        found = [size for size in self.sizes if size in self.ages and self.ages[size][0] <= whole <= self.ages[size][1]]
        return found[-1] if found else None

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


def place_key(text: str) -> str:
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
        key = place_key(place)
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
    default_floor_share: float | None = None  # an item without a floor gets this share of its price

    def acceptable(self, item: Item, offer: float) -> bool:
        """Never below the floor."""
        return offer >= item.floor

    def excuse_accepted(self, item: Item, offer: float) -> bool:
        """"Not enough in my Alipay": a small gap is accepted, never below the floor."""
        return offer >= item.floor and item.price - offer <= self.excuse_max_gap

    def ask_manager(self, haggle_count: int) -> bool:
        """Is this haggle (1 = first) the one where the bot asks the manager?"""
        return haggle_count >= self.ask_manager_on_haggle


@dataclass(frozen=True)
class ThresholdDiscount:
    spend: float  # 满 spend 减 less, on the goods' total
    less: float


@dataclass(frozen=True)
class Coupon:
    name: str
    value: float
    min_spend: float
    how_to_get: str
    new_buyers_only: bool = False  # the bot cannot tell a new buyer: it says "新客再减", not counts it


@dataclass(frozen=True)
class Offers:
    """The shop's running offers (promotions.yml): 满减, coupons, how they stack, Double 11."""

    threshold_discounts: tuple[ThresholdDiscount, ...]
    coupons: tuple[Coupon, ...]
    coupons_with_threshold: bool  # a coupon and 满减 on the same order
    vip_after_discounts: bool  # the members' discount on the total after 满减 and coupons
    double11: Mapping[str, str]  # presale / start / end, as buyers read them

    def threshold_off(self, total: float) -> float:
        """The largest 满减 the total reaches (0 when none)."""
        return max((t.less for t in self.threshold_discounts if total >= t.spend), default=0)


NO_OFFERS = Offers((), (), True, True, MappingProxyType({}))


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
    offers: Offers = NO_OFFERS
    source: str = "shop"
    retention_days: int = DEFAULT_RETENTION_DAYS
    retired_items: tuple[Item, ...] = ()  # no longer listed (catalog.yml retired: true): never offered

    @property
    def retention_seconds(self) -> int:
        """How long a buyer's data is kept after its last change, in seconds (Redis EXPIRE,
        Rasa's tracker store ``record_exp``: ``python -m tools.retention_seconds``)."""
        return self.retention_days * DAY_SECONDS

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
        return self._by_sku.get(str(sku).strip().casefold())

    def item_by_reference(self, reference: str) -> Item | None:
        """The item a link, a typed item number or the chat's page names: by the platform's
        item id, else by sku (the merchant code), listed or retired (``item.retired``: no
        longer sold, never offered), or None when the shop has no such item."""
        key = str(reference).strip().casefold()
        return self._by_item_id.get(key) or self._by_code.get(key)

    def items_made_in(self, colour: str) -> tuple[Item, ...]:
        """The listed items that come in this colour (``黑`` and ``黑色`` alike), in the
        catalogue's order, sold out or not."""
        return self._by_colour.get(colour_key(str(colour)), ())

    # Indexes, built on first use: a lookup per message must not read 3,000 items.
    @functools.cached_property
    def _by_item_id(self) -> dict[str, Item]:
        # the loader keeps item ids unique across listed and retired items
        return {i.item_id.casefold(): i for i in (*self.items, *self.retired_items) if i.item_id}

    @functools.cached_property
    def _by_sku(self) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for i in self.items:
            found.setdefault(i.sku.casefold(), i)
        return found

    @functools.cached_property
    def _by_code(self) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for i in (*self.items, *self.retired_items):
            found.setdefault(i.sku.casefold(), i)
        return found

    @functools.cached_property
    def _by_colour(self) -> dict[str, tuple[Item, ...]]:
        found: dict[str, list[Item]] = {}
        for i in self.items:
            for key in dict.fromkeys(colour_key(c.name) for c in i.colours):
                found.setdefault(key, []).append(i)
        return {key: tuple(items) for key, items in found.items()}

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

    def separate_price(self, bundle: Item | str) -> float:
        """What a bundle's items cost bought one by one."""
        return sum(part.price for part in self.components(bundle) if part is not None)

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
        """Shop-local time by the app's one clock (xiaoer/clock.py)."""
        return dt.datetime.fromtimestamp(app_clock.now(), self.tz)

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


