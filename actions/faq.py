"""FAQ retrieval beside the intent classifier.

Each reply script in ``scripts_zh/*.yml`` may list the buyer questions it answers::

    utter_shipping:
      questions: [发什么快递, 几天能到, 可以发顺丰吗]
      variants: [...]

When the classifier is unsure (``nlu_fallback``), :class:`actions.fallback.ActionNotUnderstood`
asks :func:`answer` for the nearest listed question. A match is scored by two measures,
averaged:

- the shop's one fuzzy question matcher (xiaoer/matching.py: rapidfuzz over jieba tokens
  with the shop vocabulary, particles and punctuation dropped), which rewards shared words
  even in a different order or with extra words around them;
- the cosine between the pre-trained sentence encoder's vectors (components/encoder.py,
  the same encoder the NLU uses), which rewards the same meaning in other words.

It answers only at or above :data:`THRESHOLD`; below it the bot asks back or hands off
instead of guessing. The threshold was chosen on the development split (eval/nlu_dev.yml,
274 messages), never on a held-out split; ``make eval`` prints the sweep. An answer counts
as right when the script answers the message's intent (:func:`intent_of_script`). With the
one shared matcher (xiaoer/matching.py, since the gateway's suggestions and the FAQ were
merged):

    threshold               0.70   0.75   0.80   0.85   0.90
    answered (of 274)         63     52     45     32     23
    precision              0.857  0.885  0.911  0.969  1.000
    out-of-scope answered      0      0      0      0      0

0.85 is the lowest threshold whose answers are right at least 95% of the time (it was 0.80
with the FAQ's own tokenizer, which kept 吗 and did not look for a question inside a longer
message).

The scripts are read with the gateway's reader (xiaoer/scripts.py) and reloaded when a
file changes (checked at most once a second), so a trainer's new question works without a
restart. ``XIAOER_SCRIPTS_DIR``
overrides the folder, as it does for the gateway.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from xiaoer.matching import Question, listed_questions, nearness, token_text
from xiaoer.scripts import ScriptCorpus

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS_DIR = ROOT / "scripts_zh"

# Answer only when the combined score (0-1) reaches this; chosen on eval/nlu_dev.yml.
THRESHOLD = 0.85
# How the two measures are mixed: score = FUZZY_WEIGHT * fuzzy + (1 - FUZZY_WEIGHT) * cosine.
FUZZY_WEIGHT = 0.5
RELOAD_EVERY_S = 1.0

# Which intent a script answers, by its name: the first matching prefix wins. Used to act
# on a match (hand-off scripts hand off; out-of-scope is not an answer) and to score the
# retrieval on labelled data. A script matching none is never given as an FAQ answer.
SCRIPT_FAMILIES = (
    ("utter_handoff_complaint", "complaint"), ("utter_complaint", "complaint"),
    ("utter_handoff_order_change", "modify_order"), ("utter_handoff_after", None),
    ("utter_handoff_price_check", None),
    ("utter_handoff", "request_human"), ("utter_out_of_scope", "out_of_scope"),
    ("utter_ask_rephrase", None), ("utter_greet", "greet"), ("utter_goodbye", "goodbye"),
    ("utter_thank", "thank"), ("utter_affirm", "affirm"), ("utter_deny", "deny"),
    ("utter_ask_stock", "ask_stock"), ("utter_stock", "ask_stock"),
    ("utter_ask_size", "ask_size"), ("utter_ask_height", "ask_size"), ("utter_size", "ask_size"),
    ("utter_bargain", "bargain"), ("utter_delivery_status", "ask_delivery_status"),
    ("utter_shipping", "ask_shipping"), ("utter_courier", "ask_shipping"),
    ("utter_delivery", "ask_shipping"), ("utter_color", "color_difference"),
    ("utter_return", "return_exchange"), ("utter_payment", "ask_payment"),
    ("utter_promotion", "ask_promotion"),
    ("utter_ask_product_info", "ask_product_info"), ("utter_product", "ask_product_info"),
)
HANDOFF_FAMILIES = {"request_human", "complaint", "modify_order"}


def intent_of_script(script: str) -> str | None:
    """The intent a script answers ("utter_stock_sold_out" -> "ask_stock"), or None."""
    for prefix, intent in SCRIPT_FAMILIES:
        if script == prefix or script.startswith(prefix):
            return intent
    return None


@dataclass(frozen=True)
class FaqMatch:
    script: str
    question: str
    score: float  # 0-1, the mix of the two measures
    fuzzy: float  # 0-1
    cosine: float | None  # None without the sentence encoder

    @property
    def intent(self) -> str | None:
        return intent_of_script(self.script)


def read_questions(folder: Path) -> list[tuple[str, str]]:
    """(question, script id) for every question listed in the folder's scripts. A file that
    does not parse is skipped (the gateway reports it in /health)."""
    return [(q.text, q.script_id) for q in listed_questions(ScriptCorpus(folder).all().values())]


class FaqIndex:
    """The listed questions of a scripts folder, kept fresh when a file changes."""

    def __init__(self, folder: str | os.PathLike | None = None, use_encoder: bool = True):
        self.corpus = ScriptCorpus(folder or os.environ.get("XIAOER_SCRIPTS_DIR") or SCRIPTS_DIR,
                                   check_interval=RELOAD_EVERY_S)
        self.use_encoder = use_encoder and _encoder_available()
        self.entries: list[Question] = []
        self._vectors = None
        self._version = -1
        self._lock = threading.Lock()
        self._scoring = threading.Lock()
        self._refresh()

    def _refresh(self) -> None:
        self.corpus.check_interval = RELOAD_EVERY_S
        scripts = self.corpus.all()  # re-reads changed files, at most once a check interval
        with self._lock:
            if self.corpus.version == self._version:
                return
            self.entries = listed_questions(scripts.values())
            self._vectors = self._embed([e.text for e in self.entries]) if self.entries else None
            self._version = self.corpus.version

    def _embed(self, texts: list[str]):
        if not self.use_encoder:
            return None
        from components.encoder import embed

        return embed(texts)

    def scores(self, text: str) -> list[FaqMatch]:
        """Every listed question scored against ``text``, best first (one at a time: the
        actions call it from worker threads and share one encoder)."""
        with self._scoring:
            return self._scores(text)

    def _scores(self, text: str) -> list[FaqMatch]:
        self._refresh()
        entries, vectors = self.entries, self._vectors
        query = token_text(text)
        if not entries or not query:
            return []
        cosines = None
        if vectors is not None:
            cosines = vectors @ self._embed([text])[0]
        matches = []
        for i, entry in enumerate(entries):
            fuzzy = nearness(text, entry.text, query, entry.tokens) / 100.0
            cosine = float(cosines[i]) if cosines is not None else None
            mixed = fuzzy if cosine is None else FUZZY_WEIGHT * fuzzy + (1 - FUZZY_WEIGHT) * max(0.0, cosine)
            matches.append(FaqMatch(entry.script_id, entry.text, round(mixed, 4), round(fuzzy, 4),
                                    None if cosine is None else round(cosine, 4)))
        return sorted(matches, key=lambda m: m.score, reverse=True)

    def match(self, text: str) -> FaqMatch | None:
        """The nearest listed question, whatever its score (None when nothing is listed)."""
        found = self.scores(text)
        return found[0] if found else None

    def answer(self, text: str, threshold: float = THRESHOLD) -> FaqMatch | None:
        """The nearest question if it scores at least ``threshold``, else None."""
        best = self.match(text)
        return best if best is not None and best.score >= threshold else None


def _encoder_available() -> bool:
    try:
        from components.encoder import available
    except ImportError:
        return False
    return available()


_index: FaqIndex | None = None
_index_lock = threading.Lock()


def index() -> FaqIndex:
    """The action server's index of scripts_zh/ (built on first use)."""
    global _index
    with _index_lock:
        if _index is None:
            _index = FaqIndex()
    return _index


def answer(text: str, threshold: float = THRESHOLD) -> FaqMatch | None:
    """The script whose listed question is nearest to ``text``, if near enough."""
    if not (text or "").strip():
        return None
    return index().answer(text, threshold)


