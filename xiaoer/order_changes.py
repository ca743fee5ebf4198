"""What a buyer asks to change in an order ("尺码改成L", "地址改成上海市…"), read into a
request a person carries out: the field, the old value (from the buyer's own order, when the
conversation has one) and the new value. The bot never changes an order itself."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

FIELD_NAMES_ZH = {"size": "尺码", "colour": "颜色", "address": "收货地址"}
# Entity -> order field, for changes named by an entity ("换成L码", "改黑色").
_BY_ENTITY = {"size": "size", "color": "colour"}
_ADDRESS_WORDS = re.compile(r"地址|寄到|发到|送到|收货")
# The new address: what follows "改成", "寄到", "新地址是" ..., to the end of the message
_NEW_ADDRESS = re.compile(r"(?:改成|改为|换成|改到|寄到|发到|送到|新地址(?:是|为)?|地址(?:是|为))[:：\s]*(.{4,120}?)(?:可以|行|好)?[吗呢吧啊哈哦]?(?:[，,\s]*(?:谢谢|麻烦了|辛苦了|麻烦你了)\S{0,2})?[。.!！?？~～\s]*$")


def change_requests(
    text: str, entities: Iterable[Mapping[str, Any]], order: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The changes asked for, each ``{"field", "field_zh", "old", "new"}`` (``old`` None when
    the conversation has no order); empty when the message does not say the new value."""
    order = order or {}
    if _ADDRESS_WORDS.search(text):
        match = _NEW_ADDRESS.search(text)
        if match and not re.fullmatch(r"[\s一下个吧呢啊哦了]*", match.group(1)):
            return [_request("address", order, match.group(1).strip())]
        return []
    changes: dict[str, dict[str, Any]] = {}
    for entity in entities:
        field = _BY_ENTITY.get(str(entity.get("entity")))
        if field and entity.get("value") not in (None, ""):
            changes[field] = _request(field, order, str(entity["value"]))  # the last one said counts
    return list(changes.values())


def _request(field: str, order: Mapping[str, Any], new: str) -> dict[str, Any]:
    old = order.get(field)
    return {"field": field, "field_zh": FIELD_NAMES_ZH[field], "old": str(old) if old else None, "new": new}


def describe(changes: Iterable[Mapping[str, Any]]) -> str:
    """"尺码 M → L；颜色 → 黑色": the request in one line, for the buyer and the agent."""
    return "；".join(
        f"{c['field_zh']} {c['old']} → {c['new']}" if c.get("old") else f"{c['field_zh']} → {c['new']}" for c in changes
    )


def clean_changes(value: Any) -> list[dict[str, Any]]:
    """The changes from a hand-off payload, as the gateway keeps them: known fields, short
    texts, at most three (anything else is dropped, not guessed)."""
    if not isinstance(value, list):
        return []
    kept = []
    for change in value[:3]:
        if not isinstance(change, Mapping) or change.get("field") not in FIELD_NAMES_ZH:
            continue
        new, old = change.get("new"), change.get("old")
        if not isinstance(new, str) or not 0 < len(new) <= 300 or not (old is None or isinstance(old, str) and len(old) <= 300):
            continue
        kept.append({"field": change["field"], "field_zh": FIELD_NAMES_ZH[change["field"]], "old": old, "new": new})
    return kept
