"""Suggested replies for the agent: the scripts whose buyer questions are nearest the buyer's
last message, with placeholders filled from the conversation, to insert and edit.

Nearness is rapidfuzz over jieba tokens (word order and extra words matter little) or over
characters (a short question inside a longer message), whichever is higher.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import jieba
from rapidfuzz import fuzz

from bot.scripts import ScriptCorpus, fill

MIN_SCORE = 60
# Scripts that tell the buyer a person is coming are no help to the person.
NOT_FOR_AGENTS = ("utter_handoff",)
_NOISE = re.compile(r"[\s\W_]+")
# Particles and pronouns every question has; matching on them alone ("吗") is noise.
STOPWORDS = frozenset("吗 呢 呀 啊 吧 了 的 嘛 哦 么 我 你 您 我们 你们 是 有 在 这 那 个 一下 请问 什么 怎么 时候".split())


def tokens(text: str) -> str:
    return " ".join(t for t in jieba.lcut(text) if not _NOISE.fullmatch(t) and t not in STOPWORDS)


def nearness(message: str, question: str) -> float:
    by_words = fuzz.token_set_ratio(tokens(message), tokens(question))
    # a short question inside a longer message; two characters match by chance too often
    by_chars = fuzz.partial_ratio(question, message) if len(question) >= 3 else 0
    return max(by_words, by_chars)


def question_to_answer(buyer_texts: list[str]) -> str:
    """The buyer's latest message that asks something: "还在吗" or "好的" after a
    complaint says nothing to answer, so the complaint is what needs a reply."""
    for text in reversed(buyer_texts):
        if len(tokens(text).replace(" ", "")) >= 2:
            return text
    return buyer_texts[-1] if buyer_texts else ""


def fillable(variants: tuple[str, ...], values: Mapping[str, Any]) -> list[str]:
    """The variants whose every placeholder has a value, filled."""
    texts = []
    for variant in variants:
        try:
            texts.append(fill(variant, values))
        except KeyError:
            continue
    return texts


def suggest(
    corpus: ScriptCorpus, message: str, values: Mapping[str, Any], limit: int = 3
) -> list[dict[str, Any]]:
    """Up to ``limit`` scripts for ``message``, best first, each with its usable texts."""
    message = (message or "").strip()
    if not message:
        return []
    scored = []
    for script in corpus.all().values():
        if not script.questions or script.id.startswith(NOT_FOR_AGENTS):
            continue
        score = max(nearness(message, q) for q in script.questions)
        if score < MIN_SCORE:
            continue
        texts = fillable(script.variants, values)
        if texts:
            scored.append({"script_id": script.id, "score": round(score, 1), "texts": texts})
    scored.sort(key=lambda s: (-s["score"], s["script_id"]))
    return scored[:limit]
