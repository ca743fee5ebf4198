"""Short follow-ups that carry only new details: "那T恤呢" after a size advice, "那新疆呢"
after shipping times, "黑色的呢" after a stock answer, "123456789012" after the bot asked
for the order number; and "怎么办 / 怎么操作" after an after-sale answer. Alone they read as
nothing (the classifier falls back); with the topic the buyer is on, they are the same
question again with one detail changed, or a request for the next step.

:func:`follow_up_topic` is a plain function over the tracker's events; the not-understood
action runs the topic's own action with the new details (slots from entities are already
set), so the answer is the scenario's, not a guess.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

# The topics a detail can continue; each is answered by its scenario's action (actions/scenario.py).
TOPICS = frozenset({
    "ask_size", "ask_stock", "ask_product_info", "ask_shipping", "ask_delivery_status",
    "return_exchange", "color_difference", "bargain", "ask_promotion", "purchase",
})
# Topics where the detail (an order number after a complaint) is what a person needs: hand off.
HANDOFF_TOPICS = {"complaint": "complaint", "modify_order": "order_change"}
# Details that can change the answer of a topic.
DETAILS = frozenset({"sku", "color", "size", "region", "courier", "order_id", "height", "weight",
                     "usual_size", "waist", "hip", "price"})
# "What now?" after an after-sale answer: the steps again, or a person for a complaint.
NEXT_STEP = re.compile(r"^(那|那我|所以)?(现在)?(该)?(怎么办|咋办|怎么弄|怎么操作|怎么处理|然后呢|下一步呢?)[?？!！。.，,~\s]*$")
NEXT_STEP_TOPICS = frozenset({"return_exchange", "complaint", "color_difference"})
NOT_A_TOPIC = frozenset({"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny"})
LOOK_BACK = 4  # buyer messages; an older topic is not what "那...呢" refers to


def follow_up_topic(
    events: Iterable[dict[str, Any]], latest_entities: Iterable[dict[str, Any]], text: str = "",
    current_topic: str | None = None,
) -> str | None:
    """The topic a detail-only message continues, or None.

    The latest message must carry a detail (an item, colour, size, region, order number...)
    or ask for the next step after an after-sale answer; the topic is the intent of the
    latest earlier buyer message that had one, or ``current_topic`` (what the bot last
    answered as, which knows a routed message's real topic) when that message had one.
    A bare order number with no topic before it is a parcel question (a person looks it up)."""
    details = {e.get("entity") for e in latest_entities} & DETAILS
    next_step = bool(NEXT_STEP.match((text or "").strip()))
    if not details and not next_step:
        return None
    users = [e for e in events if e.get("event") == "user"]
    for event in reversed(users[:-1][-LOOK_BACK:]):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if details and (intent in TOPICS or intent in HANDOFF_TOPICS):
            return current_topic if current_topic in TOPICS else intent
        if next_step and intent in NEXT_STEP_TOPICS:
            return intent
        if intent not in NOT_A_TOPIC:
            break
    return "ask_delivery_status" if "order_id" in details else None
