"""Suggested replies for the agent: the scripts whose buyer questions are nearest the buyer's
last message (xiaoer/matching.py), with placeholders filled from the conversation, to insert
and edit."""

from __future__ import annotations

from typing import Any, Mapping

from xiaoer.matching import listed_questions, nearness, tokens
from xiaoer.scripts import ScriptCorpus, fill

MIN_SCORE = 60
# Scripts that tell the buyer a person is coming are no help to the person.
NOT_FOR_AGENTS = ("utter_handoff",)


def question_to_answer(buyer_texts: list[str]) -> str:
    """The buyer's latest message that asks something: "还在吗" or "好的" after a
    complaint says nothing to answer, so the complaint is what needs a reply."""
    for text in reversed(buyer_texts):
        if len("".join(tokens(text))) >= 2:
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
    scripts = {s.id: s for s in corpus.all().values() if not s.id.startswith(NOT_FOR_AGENTS)}
    best: dict[str, float] = {}
    message_tokens = " ".join(tokens(message))
    for question in listed_questions(scripts.values()):
        score = nearness(message, question.text, message_tokens, question.tokens)
        best[question.script_id] = max(score, best.get(question.script_id, 0))
    scored = []
    for script_id, score in best.items():
        texts = fillable(scripts[script_id].variants, values) if score >= MIN_SCORE else []
        if texts:
            scored.append({"script_id": script_id, "score": round(score, 1), "texts": texts})
    scored.sort(key=lambda s: (-s["score"], s["script_id"]))
    return scored[:limit]
