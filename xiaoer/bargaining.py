"""Bargaining (seed 000): what kind of haggle it is, and what the shop concedes.

The ladder: a promise gets the VIP benefits, and a returning buyer ("老顾客了", "上个月买过")
is told the VIP price they already have; a comparison gets quality and service; any other
haggle at or above the floor is steered to the bundle first, then given free shipping (over
the whole conversation: each concession once); an excuse with a small gap is accepted down
to the floor, a large one is held; the third haggle "asks the manager" and gets a gift
instead of a discount. A question about the bundle ("套餐比单买便宜多少") gets the bundle's
saving. No reply ever agrees to a price below the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xiaoer.shop import Item, Shop

# Order matters: the first kind whose cue appears wins ("支付宝只有100，少点我就拍" is an excuse).
KIND_CUES = (
    ("gift", ("送点啥", "送什么", "送啥", "送点什么", "有赠品", "有没有赠品", "送个", "送点东西", "什么礼物", "啥礼物")),
    ("bundle", ("单买", "分开买", "一起买", "搭配买", "买两件", "买三件", "多买", "划算", "省多少", "便宜多少")),
    ("returning", ("老顾客", "老客户", "老客", "买过", "回头客", "回购", "又来", "常买", "一直在你家", "一直买")),
    ("excuse", ("支付宝", "余额", "钱不够", "只有", "只剩", "就剩", "没那么多钱", "额度", "手头紧", "钱包")),
    ("comparison", ("别家", "别人家", "其他店", "其它店", "那家", "人家", "隔壁", "拼多多", "比你们便宜", "比你家便宜", "同款", "别的店")),
    ("promise", ("第一次", "头一次", "以后", "下次", "常来", "介绍", "朋友", "同事", "带人")),
    ("decisive", ("就拍", "就付", "就买", "马上拍", "立马", "立刻", "现在就", "我就", "直接拍", "就下单", "包邮")),
)


def haggle_kind(text: str) -> str:
    """gift / bundle / returning / excuse / comparison / promise / decisive / general, from
    the buyer's words."""
    for kind, cues in KIND_CUES:
        if any(cue in text for cue in cues):
            return kind
    return "general"


def offered_price(item: Item, price: float | None, discount: float | None) -> float | None:
    """The price the buyer asks for: a stated price (100块), or the list price less a
    discount (少十块)."""
    if price is not None and price > 0:
        return float(price)
    if discount is not None and discount > 0:
        return item.price - float(discount)
    return None


@dataclass(frozen=True)
class BargainReply:
    script: str
    args: dict[str, Any] = field(default_factory=dict)
    concession: str | None = None  # recorded on the conversation: bundle_offered, free_shipping, price:129, gift:...
    agreed_price: float | None = None

    def __post_init__(self) -> None:
        assert self.agreed_price is None or self.agreed_price >= 0


def _yuan(value: float) -> str:
    return f"{value:g}"


def _bundle_reply(shop: Shop, item: Item, bundle: Item, base: dict[str, Any]) -> BargainReply:
    """The bundle and what it saves against buying its items one by one (to a buyer already
    on the bundle: just the saving, not a recommendation of itself)."""
    separate = shop.separate_price(bundle)
    values = {**base, "bundle_name": bundle.name, "bundle_price": _yuan(bundle.price),
              "bundle_saving": _yuan(separate - bundle.price), "separate_price": _yuan(separate)}
    script = "utter_bargain_bundle_saving" if bundle.sku == item.sku else "utter_bargain_bundle"
    return BargainReply(script, values, "bundle_offered")


def bargain(
    shop: Shop,
    item: Item | None,
    text: str,
    haggle_count: int,
    concessions: list[str],
    price: float | None = None,
    discount: float | None = None,
    region: str | None = None,
    region_only: bool = False,
) -> BargainReply:
    """The reply to one haggle. ``haggle_count`` counts this one (1 = first).
    ``region_only``: the message only names where it ships ("西藏"), after free shipping."""
    policy = shop.bargaining
    kind = haggle_kind(text)
    if item is None:
        if kind == "returning":  # thank them and say what they have, then ask which item
            return BargainReply("utter_bargain_returning_ask_item", {"vip_zhe": shop.vip.zhe})
        return BargainReply("utter_ask_which_item")
    base = {"item_name": item.name, "price": _yuan(item.price)}
    gifts_given = [c.split(":", 1)[1] for c in concessions if c.startswith("gift:")]
    if kind == "gift":
        if gifts_given:
            return BargainReply("utter_bargain_gift_told", {**base, "gift": gifts_given[0]})
        gifts = "或".join(policy.gifts) or "一份小礼物"
        return BargainReply("utter_bargain_gift_offer", {**base, "gifts": gifts}, f"gift:{policy.gifts[0]}" if policy.gifts else None)
    if region and region_only and "free_shipping" in concessions:
        # only the region, after free shipping was promised: say whether it applies there
        target = shop.shipping.region(region)
        if not target.free_shipping:
            return BargainReply("utter_bargain_remote_postage", {
                **base, "region": region, "postage": _yuan(target.postage), "days_min": target.days[0], "days_max": target.days[1]})
        return BargainReply("utter_bargain_free_shipping_region", {**base, "region": region, "days_min": target.days[0], "days_max": target.days[1]})

    if policy.ask_manager(haggle_count):
        if gifts_given:
            return BargainReply("utter_bargain_final", base)
        gift = policy.gifts[0] if policy.gifts else "一份小礼物"
        return BargainReply("utter_bargain_manager_gift", {**base, "gift": gift}, f"gift:{gift}")

    offer = offered_price(item, price, discount)
    bundle = shop.bundle_for(item)
    if kind == "bundle" and bundle is not None:
        return _bundle_reply(shop, item, bundle, base)
    if kind == "returning":
        vip_price = _yuan(shop.vip.price(item.price))
        return BargainReply("utter_bargain_returning", {**base, "vip_zhe": shop.vip.zhe, "vip_price": vip_price})
    if kind == "promise":
        return BargainReply("utter_bargain_promise", {**base, "vip_zhe": shop.vip.zhe})
    if kind == "comparison":
        return BargainReply("utter_bargain_comparison", base)
    if kind == "excuse":
        if offer is not None and policy.excuse_accepted(item, offer):
            return BargainReply("utter_bargain_excuse_accept", {**base, "offer": _yuan(offer)}, f"price:{_yuan(offer)}", offer)
        return BargainReply("utter_bargain_excuse_hold", {**base, "hold_hours": policy.excuse_hold_hours})

    # decisive or general: below the floor is declined kindly, whatever the kind
    if offer is not None and not policy.acceptable(item, offer):
        return BargainReply("utter_bargain_below_floor", {**base, "offer": _yuan(offer)})
    for step in policy.ladder:
        if step == "bundle" and "bundle_offered" not in concessions:
            if bundle is not None and bundle.sku != item.sku:
                return _bundle_reply(shop, item, bundle, base)
        if step == "free_shipping" and "free_shipping" not in concessions:
            if region and not shop.shipping.free_shipping(region):
                continue  # remote regions never ship free
            remote = "、".join(p for r in shop.shipping.regions if not r.free_shipping for p in r.provinces)
            return BargainReply("utter_bargain_free_shipping", {**base, "remote": remote}, "free_shipping")
    return BargainReply("utter_bargain_final", base)
