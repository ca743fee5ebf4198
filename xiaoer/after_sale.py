"""After-sale cases read from the buyer's words: colour difference, returns and exchanges.

The policy numbers (7 days, who pays postage, the coupon, the refund limit) come from
shop/returns.yml; these functions only decide which case the buyer describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from xiaoer.shop import Shop

# "实物" is not here: "实物和图片一样吗" is asked before buying.
RECEIVED_CUES = ("收到", "到手", "拿到", "签收", "拆开", "穿上", "上身了")
WRONG_ITEM_CUES = ("发错", "不是我买的", "不是我拍的", "不是我要的", "颜色不对", "尺码不对", "少发", "漏发", "寄错")
QUALITY_CUES = ("质量", "破了", "破洞", "开线", "脱线", "起球", "掉色", "染色", "污渍", "脏", "线头", "瑕疵", "坏了", "有洞")
CONDITION_CUES = ("洗过", "洗了", "穿过", "穿了几次", "吊牌剪", "剪了吊牌", "吊牌拆", "拆了吊牌", "没吊牌", "吊牌没了", "弄脏")
MADE_TO_ORDER_CUES = ("定制", "定做", "特殊尺码", "订做")
INSURANCE_CUES = ("运费险", "退货险")
# "没买运费险" says the opposite of "运费险"
NO_INSURANCE = re.compile(r"(没|没有|未|不)(买|带|有|勾|选|开)?(了)?(运费险|退货险)|(运费险|退货险)(没|没有|未)(买|有|开)")
# Only who pays the postage is asked: answer that, not the whole policy again.
POSTAGE_QUESTION = re.compile(r"(运费|邮费|快递费).{0,6}(谁出|谁付|谁承担|自己出|我出|要出|要付|我付|你们出)")
ASKS_IF_RETURNABLE = re.compile(r"能退|可以退|能换|可以换|退货吗|退吗|换吗|能不能退|能不能换")
# When the money comes back: the steps after the return, not the return policy again.
REFUND_TIMING = re.compile(r"(退款|钱|退的钱).{0,6}(多久|几天|什么时候|啥时候|多长时间|到账|到没到|退到哪)|多久(能)?到账|几天(能)?到账")
# Displeasure with the service itself, not with the goods: a person, not a coupon.
SERVICE_CUES = ("客服", "机器人", "人工", "态度", "问半天", "问了半天", "答非所问", "没用", "听不懂", "不回", "回复慢",
                "没人理", "敷衍", "服务差", "服务太差", "什么服务", "等半天", "等了半天", "半天没人", "没人回", "等这么久")


def is_service_complaint(text: str) -> bool:
    """The buyer is unhappy with how they are served ("什么垃圾客服 问半天没用"), and says
    nothing about a fault in the goods."""
    return any(cue in text for cue in SERVICE_CUES) and not any(
        cue in text for cue in QUALITY_CUES + WRONG_ITEM_CUES + RECEIVED_CUES)


def colour_case(text: str) -> str:
    """"after" when the buyer already has the item (its colour differs), else "before"."""
    return "after" if any(cue in text for cue in RECEIVED_CUES + WRONG_ITEM_CUES) else "before"


@dataclass(frozen=True)
class ReturnCase:
    kind: str  # made_to_order, condition_failed, shop_fault, refund_over_limit, refund_timing, postage, standard
    reason: str | None = None  # quality_problem / wrong_item for shop_fault
    insured: bool = False


_TOTAL = re.compile(r"(一共|总共|合计|总计|加起来|共)\s*$")
# Amounts typed bare in a refund message: "139+169+169", "139 169 169", "退款477".
_LISTED = re.compile(r"(?<![\d.])\d{2,5}(?:\.\d+)?(?:\s*[+＋、,，和\s]\s*\d{2,5}(?:\.\d+)?)+(?![\d.])")
_STATED = re.compile(r"(?:一共|总共|合计|总计|退款|退)\s*(\d{2,5}(?:\.\d+)?)(?![\d.])")


def refund_amount(shop: Shop, entities: Iterable[dict[str, Any]], text: str) -> float | None:
    """What the buyer wants back, summed over the items: a total they state ("一共477"),
    else the prices they list (139+169+169), else the list prices of the items they name
    when there are several ("牛仔裤和连衣裙都退"). None when the message says no amount."""
    found = list(entities)
    prices = [(e, float(e["value"])) for e in found if e.get("entity") == "price" and e.get("role") != "discount"]
    for entity, value in prices:
        if _TOTAL.search(text[max(0, entity.get("start", 0) - 4):entity.get("start", 0)]):
            return value
    if prices:
        return sum(value for _, value in prices)
    listed = _LISTED.search(text)
    if listed:
        return sum(float(n) for n in re.findall(r"\d+(?:\.\d+)?", listed.group()))
    stated = _STATED.search(text)
    if stated:
        return float(stated.group(1))
    items = [shop.item(str(e["value"])) for e in found if e.get("entity") == "sku"]
    named = {item.sku: item.price for item in items if item is not None}
    return float(sum(named.values())) if len(named) > 1 else None


def return_case(shop: Shop, text: str, refund_amount: float | None = None, earlier: str = "") -> ReturnCase:
    """The case the buyer describes. ``earlier``: their previous messages on this matter, so a
    fault told before ("收到就开线了") still decides who pays when they ask "运费谁出" or send
    the order number; what they ask now (refund time, postage) is read from ``text`` alone."""
    policy = shop.returns
    told = f"{text} {earlier}"
    insured = any(cue in told for cue in INSURANCE_CUES) and not NO_INSURANCE.search(told)
    if refund_amount is not None and policy.needs_human_approval(refund_amount):
        return ReturnCase("refund_over_limit", insured=insured)
    if REFUND_TIMING.search(text):
        return ReturnCase("refund_timing", insured=insured)
    if any(cue in told for cue in MADE_TO_ORDER_CUES) and not policy.made_to_order_returnable:
        return ReturnCase("made_to_order", insured=insured)
    if any(cue in told for cue in WRONG_ITEM_CUES):
        return ReturnCase("shop_fault", "wrong_item", insured)
    if any(cue in told for cue in QUALITY_CUES):
        return ReturnCase("shop_fault", "quality_problem", insured)
    if any(cue in told for cue in CONDITION_CUES):
        return ReturnCase("condition_failed", insured=insured)
    if POSTAGE_QUESTION.search(text) and not ASKS_IF_RETURNABLE.search(text):  # both: the policy says both
        return ReturnCase("postage", insured=insured)
    return ReturnCase("standard", insured=insured)
