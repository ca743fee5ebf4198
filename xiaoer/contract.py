"""The bot's public names, in one place: intents, entities, hand-off reasons.

Analytics, evaluation, the agent console and the trainer workbench all read these; Rasa's
domain.yml lists the same intents and entities (a test keeps them equal). Each name has the
words staff see for it. Adding a name here (and to domain.yml) is a contract change: say it
in the README.
"""

from __future__ import annotations

# What the buyer wants (DESIGN.md, "Intent names"), with the words staff see.
INTENTS = {
    "greet": "打招呼", "goodbye": "道别", "thank": "道谢", "affirm": "肯定", "deny": "否定",
    "ask_stock": "问库存", "ask_size": "问尺码", "bargain": "议价", "ask_shipping": "问发货",
    "ask_delivery_status": "查物流", "color_difference": "色差", "return_exchange": "退换货",
    "ask_payment": "问付款", "modify_order": "改订单", "complaint": "投诉",
    "ask_product_info": "问商品", "request_human": "要人工", "out_of_scope": "超出范围",
    # added with the real-buyer data: offers, coupons, 满减, 价保 (data/LABELLING.md)
    "ask_promotion": "问优惠",
}
# Rasa's own name for "not sure enough": not an intent a trainer can pick.
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_WORDS = "没听懂"

ENTITIES = ("height", "weight", "waist", "hip", "usual_size", "size", "color", "price", "courier",
            "region", "order_id", "sku")

# Why a person took over, with the words the console shows.
HANDOFF_REASONS = {
    "buyer_asked": "买家要求人工",
    "bot_failed_twice": "连续没答上",  # the third miss in a row (the second offers buttons)
    "complaint": "投诉",
    "order_change": "修改订单",
    "angry_buyer": "买家情绪激动",
    "refund_over_limit": "退款超过限额",
    "shop_rule": "需人工决定",
    "delivery_check": "查物流",
    "price_check": "核实优惠价格",
    "bot_error": "机器人没有回应",  # the gateway's own: the bot gave no answer at all (a part failed)
}
# Cases that jump the queue.
URGENT_REASONS = frozenset({"angry_buyer", "refund_over_limit"})
