"""What the shop offers beyond the list price, for a buyer who asks about offers (优惠, 活动,
优惠券, 满减): the members' discount and the bundles, from shop/. Plain functions.

A question about an offer that did not apply to an order (没减, 差价, 价保, 降价了) is not
answered from policy: only a person can look at the order and decide (a hand-off).
"""

from __future__ import annotations

import re
from typing import Any

from xiaoer.shop import Shop

# An order's price, not the shop's offers: 为什么没减, 补差价, 价保, 买贵了, 降价了.
PRICE_CLAIM = re.compile(r"没减|没有减|没优惠|差价|价保|保价|买贵|降价|便宜了.*(?:退|补)|少算|多扣")


def bundle_offers(shop: Shop) -> list[str]:
    """Each bundle as a buyer reads it: 「T恤+牛仔裤套餐179元，比分开买省19元」."""
    offers = []
    for sku in shop.bargaining.bundles:
        bundle = shop.item(sku)
        if bundle is None:
            continue
        parts = [shop.item(c) for c in bundle.components]
        separately = sum(p.price for p in parts if p is not None)
        saving = separately - bundle.price
        offers.append(f"{bundle.name}{bundle.price:g}元" + (f"，比分开买省{saving:g}元" if saving > 0 else ""))
    return offers


def promotion_reply(shop: Shop, text: str) -> tuple[str, dict[str, Any]]:
    """("handoff", {}) for a claim about an order's price; else the offers script and its values."""
    if PRICE_CLAIM.search(text or ""):
        return "handoff", {}
    bundles = bundle_offers(shop)
    values = {
        "vip_zhe": shop.vip.zhe,
        "bundles": "；".join(bundles) if bundles else "店里的搭配可以问我推荐",
    }
    return ("utter_promotion_sale" if shop.promotion.enabled else "utter_promotion"), values
