"""What the shop offers beyond the list price (shop/promotions.yml, the bundles, the members'
discount), for a buyer who asks about offers: which there are, how to get a coupon, whether
they stack, why one did not apply, when Double 11 starts, and what a basket costs.
Plain functions (tests/unit/test_promotions.py).

A claim about an order's price (补差价, 价保, 买贵了, 降价了) is not answered from policy: only
a person can look at the order and decide (a hand-off). However the offers combine, a
basket never costs less than its items' floors (catalog.yml ``floor``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from xiaoer.entities import chinese_number
from xiaoer.shop import Item, Shop

# An order's price, not the shop's offers: 补差价, 价保, 买贵了, 降价了.
PRICE_CLAIM = re.compile(r"差价|价保|保价|买贵|降价|便宜了.*(?:退|补)|少算|多扣")
QUESTION_KINDS = (
    ("why_not", re.compile(r"没减|没有减|没优惠|怎么没|为什么没|不能用|用不了")),
    ("double11", re.compile(r"(双11|双十一|11\.11|大促|活动).{0,6}(什么时候|几号|哪天|开始|几点|时间)|预售")),
    ("stacking", re.compile(r"叠加|一起用|同时用|能叠|可以叠|能一起")),
    ("coupon", re.compile(r"券")),
    ("basket", re.compile(r"多少钱|一共|总共|算下|算一下|到手|合计")),
)
_QUANTITY = re.compile(r"([一两二三四五六七八九十\d]+)\s*(件|条|个|套)")


def question_kind(text: str) -> str:
    """price_claim / why_not / double11 / stacking / coupon / basket / list."""
    if PRICE_CLAIM.search(text):
        return "price_claim"
    return next((kind for kind, cue in QUESTION_KINDS if cue.search(text)), "list")


def bundle_offers(shop: Shop) -> list[str]:
    """Each bundle as a buyer reads it: 「T恤+牛仔裤套餐179元，比分开买省19元」."""
    offers = []
    for sku in shop.bargaining.bundles:
        bundle = shop.item(sku)
        if bundle is None:
            continue
        saving = shop.separate_price(bundle) - bundle.price
        offers.append(f"{bundle.name}{bundle.price:g}元" + (f"，比分开买省{saving:g}元" if saving > 0 else ""))
    return offers


def threshold_text(shop: Shop) -> str:
    return "、".join(f"满{t.spend:g}减{t.less:g}" for t in shop.offers.threshold_discounts)


def coupon_text(shop: Shop) -> str:
    return "；".join(f"{c.name}{c.value:g}元（满{c.min_spend:g}可用，{c.how_to_get}）" for c in shop.offers.coupons)


def stacking_text(shop: Shop) -> str:
    offers = shop.offers
    parts = ["满减和店铺券可以同时用" if offers.coupons_with_threshold else "满减和店铺券只能二选一，系统自动选更划算的"]
    order = "在满减、用券之后再算" if offers.vip_after_discounts else "按原价算，再减满减和券"
    parts.append(f"会员{shop.vip.zhe}折{order}")
    return "；".join(parts)


def offers_text(shop: Shop) -> str:
    parts = []
    if shop.offers.threshold_discounts:
        parts.append(f"全店{threshold_text(shop)}")
    if shop.offers.coupons:
        parts.append(coupon_text(shop))
    parts += bundle_offers(shop)
    return "；".join(parts) or "店里的搭配可以问我推荐"


@dataclass(frozen=True)
class BasketPrice:
    items: tuple[Item, ...]
    list_total: float  # the items' prices (the bundle's price when the basket is a bundle)
    bundle: Item | None
    threshold_less: float
    coupon: float
    vip_discount: float
    total: float  # what the buyer pays
    floor_total: float  # the sum of the items' floors: never below it

    @property
    def held_at_floor(self) -> bool:
        return self.total <= self.floor_total


def basket_price(
    shop: Shop, items: list[Item], vip: bool = False, coupon: bool = True, new_buyer: bool = False
) -> BasketPrice:
    """The price of a basket after the shop's offers, best case for the buyer, never below
    the floors. A basket that is exactly a bundle's items is priced as the bundle. A coupon
    for new buyers only counts for a ``new_buyer``."""
    counts = Counter(i.sku for i in items)
    bundle = next((b for b in (shop.item(s) for s in shop.bargaining.bundles)
                   if b and Counter(b.components) == counts), None)
    list_total = bundle.price if bundle else sum(i.price for i in items)
    floor_total = bundle.floor if bundle else sum(i.floor for i in items)
    offers = shop.offers
    less = offers.threshold_off(list_total)
    usable = [c.value for c in offers.coupons
              if coupon and list_total >= c.min_spend and (new_buyer or not c.new_buyers_only)]
    coupon_value = max(usable, default=0)
    if less and coupon_value and not offers.coupons_with_threshold:
        less, coupon_value = (less, 0) if less >= coupon_value else (0, coupon_value)
    after = list_total - less - coupon_value
    vip_discount = round(after * (1 - shop.vip.discount), 2) if vip else 0
    total = max(round(after - vip_discount, 2), floor_total)
    return BasketPrice(tuple(items), list_total, bundle, less, coupon_value, vip_discount, total, floor_total)


def basket_items(shop: Shop, text: str, entities: list[dict[str, Any]]) -> list[Item]:
    """The items a basket question names, each as many times as it says ("两条连衣裙")."""
    basket: list[Item] = []
    for entity in entities:
        if entity.get("entity") != "sku" or (item := shop.item(str(entity["value"]))) is None:
            continue
        start, end = entity.get("start", 0), entity.get("end", 0)
        quantity = _QUANTITY.search(text[max(0, start - 4):start]) or _QUANTITY.search(text[end:end + 4])
        count = int(chinese_number(quantity.group(1)) or 1) if quantity else 1
        basket += [item] * max(1, min(count, 20))
    return basket


def basket_values(price: BasketPrice, shop: Shop) -> dict[str, Any]:
    names = Counter(i.name for i in price.items)
    parts = [f"满减{price.threshold_less:g}元"] if price.threshold_less else []
    parts += [f"店铺券{price.coupon:g}元"] if price.coupon else []
    return {
        "basket": "、".join(f"{name}×{n}" if n > 1 else name for name, n in names.items()),
        "list_total": f"{price.list_total:g}",
        "bundle_part": f"（正好是{price.bundle.name}，按套餐价）" if price.bundle else "",
        "offers_part": f"，减去{'、'.join(parts)}" if parts else "",
        "total": f"{price.total:g}",
        "new_buyer_part": "".join(
            f"；新客还能用{c.name}再减{c.value:g}元" for c in shop.offers.coupons
            if c.new_buyers_only and price.list_total >= c.min_spend and price.total - c.value >= price.floor_total),
    }


def promotion_reply(shop: Shop, text: str, entities: list[dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """("handoff", {}) for a claim about an order's price; else the script and its values."""
    kind = question_kind(text or "")
    if kind == "price_claim":
        return "handoff", {}
    if kind == "basket":
        items = basket_items(shop, text, entities or [])
        if items:
            return "utter_basket_price", {**basket_values(basket_price(shop, items), shop), "vip_zhe": shop.vip.zhe}
    if kind == "why_not" and shop.offers.threshold_discounts:
        least = min(c.min_spend for c in shop.offers.coupons) if shop.offers.coupons else 0
        return "utter_promotion_why_not", {"threshold": threshold_text(shop), "coupon_spend": f"{least:g}"}
    if kind == "double11" and shop.offers.double11:
        return "utter_promotion_double11", dict(shop.offers.double11)
    if kind == "stacking":
        return "utter_promotion_stacking", {"stacking": stacking_text(shop)}
    if kind == "coupon" and shop.offers.coupons:
        return "utter_promotion_coupon", {"coupons": coupon_text(shop)}
    values = {"vip_zhe": shop.vip.zhe, "offers": offers_text(shop)}
    return ("utter_promotion_sale" if shop.promotion.enabled else "utter_promotion"), values
