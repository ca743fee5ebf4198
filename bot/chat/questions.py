"""Several questions in one message ("牛仔裤有黑色吗 发什么快递", "165 100斤 T恤穿多大 多久
发货"): the message is cut where each side is, on its own, a confident question of a
different kind, and each side goes to the bot as its own message, so both are answered in
one reply. Anything else (filler around one request, two details of one question) stays
whole: the classifier reads it as one.

The cut is chosen from Rasa's own parses of the candidate parts (``/model/parse``); the
rules are plain functions, tested without Rasa (tests/gateway/test_questions.py).
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

from xiaoer.dialogue import is_postage_question

# Questions with an answer of their own; greetings, thanks and yes/no are filler here.
ANSWERABLE = frozenset({
    "ask_stock", "ask_size", "bargain", "ask_shipping", "ask_delivery_status", "color_difference",
    "return_exchange", "ask_payment", "ask_promotion", "ask_product_info",
})
# Each side must be at least this sure on its own (the classifier's confidence).
MIN_CONFIDENCE = 0.6
MIN_PART = 2  # characters
MAX_CUTS = 5  # a long message is cut at its first few boundaries only (each costs two parses)
_BOUNDARY = re.compile(r"[\s，,。.！!？?；;~～]+|(?=还有|另外|顺便问|再问下)")
_EDGE = " \t，,。.！!？?；;~～"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What makes a side a question or a request ("T恤穿多大", "多久发货", "都不合适想退"); a
# statement of details ("买了三件 139 169 169") belongs to the question beside it.
_ASKING = re.compile(r"吗|么|嘛|呢|不$|多[大久少长]|什么|啥|几|怎|哪|能|可以|想|要|请|帮|有没有|是不是|会不会|[?？]")

Parse = Callable[[str], Awaitable[dict[str, Any]]]


def candidate_cuts(text: str) -> list[tuple[str, str]]:
    """The (left, right) pairs the message could be cut into, at punctuation, spaces or
    words that start a new question."""
    cuts = []
    for match in _BOUNDARY.finditer(text):
        left, right = text[:match.start()].strip(_EDGE), text[match.end():].strip(_EDGE)
        if is_question_sized(left) and is_question_sized(right) and (left, right) not in cuts:
            cuts.append((left, right))
        if len(cuts) == MAX_CUTS:
            break
    return cuts


def is_question_sized(part: str) -> bool:
    """A side that can be a question of its own: a few words that ask for something, not a
    bare number ("165") or a list of details."""
    return len(part) >= MIN_PART and len(_CJK.findall(part)) >= MIN_PART and bool(_ASKING.search(part))


def intent_of(parse: dict[str, Any]) -> tuple[str | None, float]:
    intent = parse.get("intent") or {}
    name = intent.get("name")
    if name == "bargain" and is_postage_question(str(parse.get("text") or "")):
        name = "ask_shipping"  # "包邮吗" next to a shipping question is part of it, not a haggle
    return name, float(intent.get("confidence") or 0.0)


def best_cut(cuts: list[tuple[str, str]], parses: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """The cut whose two sides are the surest different questions, or None."""
    best, best_score = None, 0.0
    for left, right in cuts:
        (left_intent, left_conf), (right_intent, right_conf) = intent_of(parses[left]), intent_of(parses[right])
        if left_intent not in ANSWERABLE or right_intent not in ANSWERABLE or left_intent == right_intent:
            continue
        score = min(left_conf, right_conf)
        if score >= MIN_CONFIDENCE and score > best_score:
            best, best_score = (left, right), score
    return best


class QuestionSplitter:
    def __init__(self, parse: Parse) -> None:
        self.parse = parse

    async def parts(self, text: str) -> list[str]:
        """The message as the questions it asks, in order (most often: the message)."""
        cuts = candidate_cuts(text)
        if not cuts:
            return [text]
        parses = {part: await self.parse(part) for part in {p for cut in cuts for p in cut}}
        chosen = best_cut(cuts, parses)
        return list(chosen) if chosen else [text]
