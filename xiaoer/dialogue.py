"""The conversation's state and how the next message is read against it.

The bot remembers three things besides the buyer's details (item, colour, size, region,
order number, which are slots filled from entities):

- ``topic``: the scenario it answered last (bargain, ask_stock, return_exchange...);
- ``expecting``: what its last reply asked for (an item, an order number, a colour and size);
- ``pending``: the scenario waiting for that answer.

:func:`route` reads a message against them, before the classifier's intent decides: a bare
answer to the bot's question resumes the pending task ("连衣裙" after "which item?" goes on
with the haggle); an order is a purchase, not a colour question ("那就拍个黑色L"); a number
during a haggle is a counter-offer ("118呢"); a detail-only follow-up continues the topic
("那黑色呢"). Everything here is plain functions over text, entities and the tracker's
events, tested without Rasa (tests/unit/test_dialogue.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from xiaoer.bargaining import haggle_kind
from xiaoer.entities import (
    child_age_years,
    child_height_cm,
    chinese_number,
    foot_length_cm,
    usual_size_number,
)
from xiaoer.order_access import phone_last4
from xiaoer.product_facts import is_fact_question
from xiaoer.promotions import question_kind

# What each script asks the buyer for. A reply that utters one of these leaves the bot
# expecting that answer; any other reply expects nothing.
SCRIPT_ASKS = {
    "utter_ask_which_item": "sku",
    "utter_choose_item": "sku",
    "utter_ask_sku": "sku",
    "utter_delivery_status": "order_id",
    "utter_complaint": "order_id",
    "utter_purchase_ask_spec": "spec",
    "utter_bargain_returning_ask_item": "sku",
    "utter_ask_phone_last4": "phone_last4",
    "utter_phone_last4_mismatch": "phone_last4",
    "utter_size_ask_foot": "foot_length",
    "utter_size_shoe_not_by_body": "foot_length",
    "utter_size_ask_child": "child_size",
}
# The entities that answer each kind of question.
ANSWERED_BY = {"sku": {"sku"}, "order_id": {"order_id"}, "spec": {"color", "size"}}
# Answers that are no entity, read from the whole message: the foot length or usual shoe size
# ("24.5", "脚长245mm", "38码"), the child's height or age ("110", "孩子5岁").
TEXT_ANSWERS = {
    "foot_length": (foot_length_cm, usual_size_number),
    "child_size": (child_height_cm, child_age_years, usual_size_number),
}
# Scenarios a message can be routed to; each has one action (actions/scenario.py).
SCENARIOS = frozenset({
    "ask_size", "ask_stock", "ask_product_info", "ask_shipping", "ask_delivery_status",
    "return_exchange", "color_difference", "bargain", "ask_promotion", "complaint",
    "modify_order", "purchase",
})
# Intents that are a question of their own: a message the classifier reads as one of these
# is not a purchase or a counter-offer, whatever words it shares with them.
OWN_QUESTIONS = frozenset({
    "ask_size", "ask_shipping", "ask_delivery_status", "return_exchange", "complaint",
    "modify_order", "ask_payment", "request_human", "ask_promotion", "bargain",
})
# Intents that are never an order, whatever words they share with one ("拍了想退").
NOT_AN_ORDER = frozenset({
    "return_exchange", "complaint", "modify_order", "request_human", "ask_delivery_status", "bargain",
})
# Intents the classifier gives fact questions ("会掉色吗" as colour difference or complaint).
FACT_MISREAD = frozenset({"color_difference", "complaint", "nlu_fallback", "out_of_scope", "ask_stock", "return_exchange"})
# Intents the classifier gives questions about the shop's offers.
OFFERS_MISREAD = frozenset({"bargain", "ask_payment", "ask_product_info", "nlu_fallback", "out_of_scope", "ask_stock"})
# Topics of a buyer still choosing (no order placed yet).
SHOPPING_TOPICS = frozenset({"bargain", "purchase", "ask_stock", "ask_product_info", "ask_size", "ask_promotion"})
# Topics an order number continues when it comes alone ("订单号 3498..." after a complaint).
ORDER_TOPICS = frozenset({"return_exchange", "complaint", "color_difference", "ask_delivery_status"})

# Words that carry no request in a bare answer: "就那条连衣裙吧", "牛仔裤那个", "订单号 123...".
_FILLER = re.compile(r"订单号|订单|单号|那个|这个|就是|还是|那款|这款|那条|这条|那件|这件|[那这就个条件款套的吧呀啊呢哦嗯是要了噢哈亲，,。.:：!！?？~\s]")


@dataclass(frozen=True)
class DialogueState:
    topic: str | None = None
    expecting: str | None = None
    pending: str | None = None
    has_order: bool = False  # the shop linked an order of this buyer to the conversation


def expecting_after(scripts: Iterable[str]) -> str | None:
    """What a reply made of these scripts asks for: the last question in it."""
    asked = [SCRIPT_ASKS[s] for s in scripts if s in SCRIPT_ASKS]
    return asked[-1] if asked else None


def residue(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """The message without its entities and filler words: what it says besides the details."""
    spans = sorted((e["start"], e["end"]) for e in entities if "start" in e and "end" in e)
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return _FILLER.sub("", "".join(kept))


def is_bare_answer(text: str, entities: list[dict[str, Any]], expecting: str | None) -> bool:
    """The message gives what the bot asked for and (almost) nothing else."""
    if not expecting:
        return False
    if expecting == "phone_last4":  # no entity: four digits and a few words ("尾号1234")
        return phone_last4(text) is not None
    if expecting in TEXT_ANSWERS:  # no entity either: the sizing action reads the text
        return any(read(text, alone=True) is not None for read in TEXT_ANSWERS[expecting])
    given = {e.get("entity") for e in entities}
    return bool(given & ANSWERED_BY.get(expecting, set())) and len(residue(text, entities)) <= 2


def question_is_fresh(events: Iterable[dict[str, Any]]) -> bool:
    """The bot's question is the latest thing it set, and the buyer has written once since."""
    users = 0
    for event in reversed(list(events)):
        if event.get("event") == "user":
            users += 1
        elif event.get("event") == "slot" and event.get("name") == "expecting":
            return users == 1
    return False


# Buying: "那就拍个黑色L", "要一件白的M", "还是买吧" (will buy); "好的我拍了", "已下单" (done).
# A haggle is not an order yet ("便宜点我就拍").
_NOT_BUYING = re.compile(r"不拍|没拍|不买|不要了|别拍|再看看|考虑|算了|怎么拍|能拍吗|可以拍吗|拍不了|拍错|买错|退|换|"
                         r"便宜|少点|少一点|少些|优惠|包邮|抹|贵|打折|行不|可以吗|拍呢|买呢|的话")
_BOUGHT = re.compile(r"(拍了|拍好了|拍下了|下单了|下好单|已下单|付款了|付好了|已付款|已经付了|付了款|买好了)"
                     r"[了啦哈哦呀~!！。.，,\s]*(拜拜|再见|88|谢谢|先这样)?[了啦哈哦呀~!！。.，,\s]*$")
# Leaving in the same breath ("好的那我拍了，拜拜").
FAREWELL = re.compile(r"拜拜|再见|88|先这样|就这样吧")
_WILL_BUY = re.compile(
    r"(就拍|拍个|拍一|去拍|我拍|马上拍|现在拍|拍吧|就要|要一|要个|要了|来一|来个|就买|买吧|还是买|下单吧|就它了|就这个|就这件|就这条)"
)
# With a colour or size named, "那就黑色 L", "行 雾蓝xl", "要白色M" order too.
_CHOOSES = re.compile(r"^(好的?|行|嗯+|ok|OK|可以)?[\s,，]*(那就|就|那|要|拍|来)|^(好的?|行|嗯+|ok|OK|可以)[\s,，]")


def purchase_signal(text: str, names_spec: bool = False) -> str | None:
    """"bought" when the buyer says they have ordered, "will_buy" when they say they are
    ordering now (or choose a colour/size, ``names_spec``), else None (a question about
    buying, or a haggle, is not a purchase)."""
    if _NOT_BUYING.search(text):
        return None
    if _BOUGHT.search(text):
        return "bought"
    if _WILL_BUY.search(text) or names_spec and _CHOOSES.search(text.strip()) and not re.search(r"[吗呢?？]|有没有", text):
        return "will_buy"
    return None


# A colour word is a colour-difference question only when the buyer talks about a difference.
_DIFFERENCE = re.compile(r"色差|差别|不一样|不同|一样吗|一样不|偏[色深浅黄白红]|实物|图片|照片|拍的|显示|屏幕|掉色|褪色|染色|颜色不对|发错")
# A bare number, perhaps with a question around it: "118呢", "130行不", "一百二可以吗".
_COUNTER_OFFER = re.compile(
    r"^(那|要不|就|那就)?\s*(?P<number>\d{2,5}(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*(块|元|块钱)?\s*"
    r"(呢|吧|呗|行不行?|行吗|可以吗|可以不|可不可以|怎么样|好不好|成吗|成不|咋样|卖不卖|卖吗|能卖吗|卖不|出不出)?[?？!！。.~\s]*$"
)


def counter_offer(text: str) -> float | None:
    """The price in a bare counter-offer ("118呢", "130行不"), else None."""
    match = _COUNTER_OFFER.match(text.strip())
    if not match:
        return None
    value = chinese_number(match.group("number"))
    return float(value) if value and 10 <= value <= 100000 else None


def without_items(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """The message without the items it names: "裤子118呢" -> "118呢"."""
    for e in sorted((e for e in entities if e.get("entity") == "sku" and "start" in e), key=lambda e: -e["start"]):
        text = text[:e["start"]] + text[e["end"]:]
    return text.strip()


_AMOUNT = re.compile(r"(?<![\d.])(\d{2,5})(?![\d.])(?!\s*(斤|公斤|kg|KG|cm|CM|厘米|码|号|米|岁|天|件|条|个|位|点))")


def offer_in(text: str, price: float | None) -> float | None:
    """A number in a haggle near the item's price ("支付宝只有130了"): the price offered.
    Not in a message about the body ("165 100斤"): those numbers are a height and a weight."""
    if re.search(r"斤|公斤|kg|KG|cm|CM|厘米|身高|体重|穿", text):
        return None
    for match in _AMOUNT.finditer(text):
        if is_offer_for(price, float(match.group(1))):
            return float(match.group(1))
    return None


def is_offer_for(price: float | None, offer: float | None) -> bool:
    """A number near an item's price is a price offered for it ("裤子118呢" for a 139 item),
    not a height or weight."""
    return price is not None and offer is not None and 0.5 * price <= offer <= 1.2 * price


# "包邮吗" alone is the shipping cost, not a haggle (the classifier often reads it as one).
_POSTAGE_ONLY = re.compile(r"^(那|能|可以)?(包邮|包不包邮|免邮|免运费)(吗|么|不|嘛|没|呢)?[?？]*$")
# A return asked for in words the classifier read as an order change or a complaint.
_RETURN_WORDS = re.compile(r"退货|退款|要退|想退|都退|退[一两三四几]件|退了吧")
_NOT_A_RETURN = re.compile(r"取消|改|发错|坏|破|质量|掉色|起球|开线|垃圾|投诉")
# "我买的是什么码", "我拍的哪个颜色": what their own order holds.
ORDER_CONTENTS = re.compile(r"(买|拍|下单|订)的(是)?(什么|啥|哪个|哪种|几)|(买|拍)了(什么|啥|哪个|几)")
# Words that make a delivery question about the buyer's own parcel, not shipping in general.
_OWN_PARCEL = re.compile(r"我的|订单|单号|还没|到哪|物流|包裹|快递员|签收")
# The details that continue each topic when a message gives only them ("那新疆呢", "L码").
TOPIC_DETAILS = {
    "ask_shipping": {"region", "courier"},
    "ask_stock": {"color", "size", "sku"},
    "ask_size": {"sku", "height", "weight", "usual_size", "waist", "hip"},
    "bargain": {"sku", "region"},
    "ask_product_info": {"sku"},
    "purchase": {"color", "size", "sku"},
}


def is_postage_question(text: str) -> bool:
    return bool(_POSTAGE_ONLY.match(text.strip()))


def route(
    intent: str | None,
    text: str,
    entities: list[dict[str, Any]],
    state: DialogueState,
    question_fresh: bool,
    item_price: float | None = None,
) -> str | None:
    """The scenario this message belongs to when the conversation decides it, else None
    (the classifier's intent stands). ``item_price``: the price of the item the buyer is on."""
    given = {e.get("entity") for e in entities}
    if question_fresh and state.pending in SCENARIOS and is_bare_answer(text, entities, state.expecting):
        return state.pending
    if intent not in NOT_AN_ORDER and purchase_signal(text, bool(given & {"color", "size"})):
        return "purchase"
    if intent == "modify_order" and state.topic in SHOPPING_TOPICS and "order_id" not in given \
            and purchase_signal(text, bool(given & {"color", "size"})):
        return "purchase"  # "不要T恤 就要裤子" while choosing: no order to change yet
    if state.topic in TOPIC_DETAILS and given & TOPIC_DETAILS[state.topic] and len(residue(text, entities)) <= 1:
        return state.topic  # "呼和浩特" after a shipping answer, "L码" after a stock answer
    asked = without_items(text, entities)  # "纯棉短袖T恤有货吗": 纯棉 is the item's name, not a question
    if is_fact_question(asked) and (intent in FACT_MISREAD or "模特" in asked):
        return "ask_product_info"  # "会掉色吗" asks a fact before buying; "掉色了" is a complaint
    if state.topic is None and given == {"sku"} and len(residue(text, entities)) <= 1:
        return "ask_product_info"  # "这条裤子" opening a burst: what the item is, not "听不懂"
    if state.has_order and ORDER_CONTENTS.search(text):
        return "ask_delivery_status"  # "我买的是什么码": the order's contents, not a sizing question
    if state.has_order and intent in ("out_of_scope", "nlu_fallback", "ask_shipping") and _OWN_PARCEL.search(text):
        return "ask_delivery_status"  # "我的订单怎么样了": the buyer's own order is known
    if intent == "ask_delivery_status" and state.topic == "ask_shipping" and "order_id" not in given \
            and not _OWN_PARCEL.search(text):
        return "ask_shipping"  # "多久到", "那寄北京呢" after shipping times: no parcel to look up yet
    if intent == "bargain" and is_postage_question(text):
        return "ask_shipping"
    if intent in ("modify_order", "complaint") and _RETURN_WORDS.search(text) and not _NOT_A_RETURN.search(text):
        return "return_exchange"
    if state.topic in ORDER_TOPICS and is_bare_answer(text, entities, "order_id"):
        return state.topic
    if intent == "color_difference" and given & {"color", "size"} and not _DIFFERENCE.search(text):
        return "ask_stock"  # "有雾蓝xl吗": which colours and sizes there are
    if intent == "ask_product_info" and given & {"color", "size"} and not is_fact_question(asked):
        return "ask_stock"  # "印花圆领卫衣有粉色吗": an item's name the model never saw reads as "what is it"
    items = [e for e in entities if e.get("entity") == "sku"]
    if intent in OFFERS_MISREAD and question_kind(text) in ("stacking", "coupon", "why_not", "double11"):
        return "ask_promotion"  # "满减能叠加吗" is about the offers, not a haggle
    if question_kind(text) == "basket" and (len(items) > 1 or re.search(r"[两二三四五六七八九\d]\s*[件条个套]", text)):
        return "ask_promotion"  # "牛仔裤和T恤一起多少钱", "两条连衣裙多少钱": the basket's price after offers
    if intent == "ask_promotion" and haggle_kind(text) == "returning":
        return "bargain"  # "老顾客了 能优惠不": their VIP price, not the offers for new buyers
    offer = counter_offer(without_items(text, entities))  # the whole message is a number (and an item)
    if offer is not None and (state.topic == "bargain" or is_offer_for(item_price, offer)):
        return "bargain"
    return None
