"""After-sale cases read from the buyer's words: colour difference, returns and exchanges.

The policy numbers (7 days, who pays postage, the coupon, the refund limit) come from
shop/returns.yml; these functions only decide which case the buyer describes.
"""

from __future__ import annotations

from dataclasses import dataclass

from xiaoer.shop import Shop

# "实物" is not here: "实物和图片一样吗" is asked before buying.
RECEIVED_CUES = ("收到", "到手", "拿到", "签收", "拆开", "穿上", "上身了")
WRONG_ITEM_CUES = ("发错", "不是我买的", "不是我拍的", "不是我要的", "颜色不对", "尺码不对", "少发", "漏发", "寄错")
QUALITY_CUES = ("质量", "破了", "破洞", "开线", "脱线", "起球", "掉色", "染色", "污渍", "脏", "线头", "瑕疵", "坏了", "有洞")
CONDITION_CUES = ("洗过", "洗了", "穿过", "穿了几次", "吊牌剪", "剪了吊牌", "吊牌拆", "拆了吊牌", "没吊牌", "吊牌没了", "弄脏")
MADE_TO_ORDER_CUES = ("定制", "定做", "特殊尺码", "订做")
INSURANCE_CUES = ("运费险", "退货险")


def colour_case(text: str) -> str:
    """"after" when the buyer already has the item (its colour differs), else "before"."""
    return "after" if any(cue in text for cue in RECEIVED_CUES + WRONG_ITEM_CUES) else "before"


@dataclass(frozen=True)
class ReturnCase:
    kind: str  # made_to_order, condition_failed, shop_fault, refund_over_limit, standard
    reason: str | None = None  # quality_problem / wrong_item for shop_fault
    insured: bool = False


def return_case(shop: Shop, text: str, refund_amount: float | None = None) -> ReturnCase:
    policy = shop.returns
    insured = any(cue in text for cue in INSURANCE_CUES)
    if refund_amount is not None and policy.needs_human_approval(refund_amount):
        return ReturnCase("refund_over_limit", insured=insured)
    if any(cue in text for cue in MADE_TO_ORDER_CUES) and not policy.made_to_order_returnable:
        return ReturnCase("made_to_order", insured=insured)
    if any(cue in text for cue in WRONG_ITEM_CUES):
        return ReturnCase("shop_fault", "wrong_item", insured)
    if any(cue in text for cue in QUALITY_CUES):
        return ReturnCase("shop_fault", "quality_problem", insured)
    if any(cue in text for cue in CONDITION_CUES):
        return ReturnCase("condition_failed", insured=insured)
    return ReturnCase("standard", insured=insured)
