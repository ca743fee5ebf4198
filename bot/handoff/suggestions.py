"""Suggested replies for the agent: the scripts whose buyer questions are nearest the buyer's
last message (xiaoer/matching.py), with placeholders filled from the conversation, to insert
and edit.

Scoring is CPU work (every listed question against the message), so the case view gets it
from :class:`CaseSuggestions`: scored in a worker thread, off the event loop, and kept per
conversation until what it was made from changes.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from typing import Any, Mapping

from xiaoer.matching import listed_questions, nearness, tokens
from xiaoer.scripts import ScriptCorpus, fill

MIN_SCORE = 60
SUGGESTIONS_KEPT = 1000  # conversations whose suggestions are kept; the least recently viewed go first
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


class CaseSuggestions:
    """The suggestions shown with a case, computed once per change of what they are made of.

    They depend on the buyer's message that needs an answer, the values that fill the
    placeholders and the scripts (whose ``version`` goes up when a trainer's edit is
    reloaded), and are kept per conversation under those: viewing an unchanged case again
    scores nothing; a new buyer question, new values or an edited script score again.
    Scoring runs in a worker thread, one at a time on this gateway (the tokenizer and the
    corpus guard themselves with their own locks; the turn keeps a burst of clicks from
    filling the thread pool, and a view that waited finds what the one before it scored).
    At most ``kept`` conversations are kept, the least recently viewed dropped first.
    """

    def __init__(self, corpus: ScriptCorpus, kept: int = SUGGESTIONS_KEPT) -> None:
        self.corpus = corpus
        self.kept = kept
        self._kept: OrderedDict[str, tuple[tuple[int, str, str], list[dict[str, Any]]]] = OrderedDict()
        self._turn = asyncio.Lock()

    def _made_of(self, message: str, values: Mapping[str, Any]) -> tuple[int, str, str]:
        self.corpus.refresh()  # a changed file is seen here (checked at most once a second)
        return self.corpus.version, message, json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)

    def _cached(self, conversation_id: str, made_of: tuple[int, str, str]) -> list[dict[str, Any]] | None:
        entry = self._kept.get(conversation_id)
        if entry is None or entry[0] != made_of:
            return None
        self._kept.move_to_end(conversation_id)
        return entry[1]

    async def for_case(self, conversation_id: str, message: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The suggestions for ``message`` in this conversation (callers must not change them)."""
        found = self._cached(conversation_id, self._made_of(message, values))
        if found is not None:
            return found
        async with self._turn:
            made_of = self._made_of(message, values)  # the scripts may have changed while waiting
            found = self._cached(conversation_id, made_of)
            if found is None:
                # tagged with the version read before scoring: a reload during it scores again next time
                found = await asyncio.to_thread(suggest, self.corpus, message, dict(values))
                self._kept[conversation_id] = (made_of, found)
                self._kept.move_to_end(conversation_id)
                while len(self._kept) > self.kept:
                    self._kept.popitem(last=False)
        return found
