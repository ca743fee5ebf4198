"""The one fuzzy question matcher: a buyer's message against the questions the reply
scripts list (``questions:`` in scripts_zh/).

Text becomes jieba tokens (with the shop vocabulary the NLU uses, so 175/92A and item names
stay whole), lower-cased, without punctuation and without the particles and pronouns every
question has (matching on 吗 alone is noise). Two texts are near when rapidfuzz's
``token_set_ratio`` over those tokens is high (word order and extra words matter little) or,
for a question of three characters or more, when it appears nearly whole inside the message.

Used by the FAQ retrieval in the action server (actions/faq.py, beside the sentence
encoder) and by the agent's suggested replies (bot/handoff/suggestions.py).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
STOPWORDS = frozenset(
    list("亲哈呢啊呀嘛哦吧呗啦么嘞滴哒喔噢哟咯吗了的个这那是有在我你您")
    + ["我们", "你们", "一下", "请问"]
)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    """jieba with the shop vocabulary, loaded once per process on first use."""
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            for path in sorted(VOCAB_DIR.glob("*.txt")):
                jieba.load_userdict(str(path))
            _jieba = jieba
    return _jieba


def tokens(text: str) -> list[str]:
    """Lower-cased jieba tokens without punctuation, spaces, particles and pronouns."""
    out = []
    for word in _tokenizer().cut((text or "").lower()):
        word = _NOISE.sub("", word)
        if word and word not in STOPWORDS and not all(c in STOPWORDS for c in word):
            out.append(word)
    return out


def token_text(text: str) -> str:
    """The tokens joined by spaces: what rapidfuzz compares."""
    return " ".join(tokens(text))


def nearness(message: str, question: str, message_tokens: str | None = None, question_tokens: str | None = None) -> float:
    """0-100: how near a message is to a listed question (tokens given when already known)."""
    from rapidfuzz import fuzz

    by_words = fuzz.token_set_ratio(
        token_text(message) if message_tokens is None else message_tokens,
        token_text(question) if question_tokens is None else question_tokens,
    )
    # a short question inside a longer message; two characters match by chance too often
    by_chars = fuzz.partial_ratio(question, message) if len(question) >= 3 else 0
    return max(by_words, by_chars)


@dataclass(frozen=True)
class Question:
    text: str
    script_id: str
    tokens: str  # token_text(text), computed once


def listed_questions(scripts) -> list[Question]:
    """Every question the scripts list (``ScriptCorpus.all().values()``), tokenised."""
    return [Question(q, s.id, token_text(q)) for s in scripts for q in s.questions if q.strip()]
