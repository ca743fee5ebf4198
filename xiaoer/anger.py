"""Is the buyer angry? A small Chinese lexicon of anger and urgency (standard library only).

``assess_anger(text)`` scores a message: a strong word (投诉, 差评, 12315, 骗子...) is
enough on its own; milder signs (垃圾, 太差, 无语...), urgency (马上, 到底, 赶紧...) and
shouting punctuation (！！, ？？？) count one each, and two of them make an angry buyer.
A word right after a negation ("不会给差评", "没说要投诉") does not count, and urgency
counts once however often it is repeated, so a buyer in a hurry is not taken for an
angry one unless something else says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Anger", "assess_anger", "is_angry", "ANGRY_AT"]

# Threats to escalate outside the shop, accusations, open hostility: one is enough.
STRONG = (
    "差评", "投诉", "12315", "消协", "消费者协会", "工商局", "市场监管", "举报", "曝光",
    "起诉", "律师", "报警", "骗子", "骗人", "骗钱", "诈骗", "欺诈", "黑店", "坑人", "垃圾店",
    "什么破店", "滚",
)
# Displeasure: one alone is a complaint, not yet anger.
MILD = (
    "垃圾", "太差", "很差", "真差", "差劲", "气死", "生气", "无语", "恶心", "忽悠", "敷衍",
    "破衣服", "什么玩意", "搞什么", "离谱", "过分", "失望", "受不了", "坑", "烂", "服了",
    "太慢", "耍我", "糊弄", "没人管", "不负责",
)
# Urgency: counts once, however many such words there are.
URGENT = (
    "马上", "立刻", "立即", "赶紧", "快点", "急死", "着急", "到底", "多少遍", "几遍了",
    "还要等多久", "怎么回事", "给个说法", "有没有人",
)
NEGATIONS = ("不", "没", "别", "无需", "不用", "未")
NEGATION_WINDOW = 3  # characters before a word that may hold its negation
SHOUTING = re.compile(r"[!！]{2,}|[?？]{3,}|[!！?？]{3,}")
ANGRY_AT = 2  # score from which the buyer counts as angry


@dataclass(frozen=True)
class Anger:
    score: int
    words: tuple[str, ...]

    @property
    def angry(self) -> bool:
        return self.score >= ANGRY_AT


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "垃圾店" wins over "垃圾"; digits are matched whole ("12315",
    # not the middle of an order number).
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\d){re.escape(w)}(?!\d)" if w.isdigit() else re.escape(w) for w in ordered))


_STRONG, _MILD, _URGENT = _pattern(STRONG), _pattern(MILD), _pattern(URGENT)


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - NEGATION_WINDOW):start]
    return any(n in before for n in NEGATIONS)


def _hits(pattern: re.Pattern[str], text: str, taken: list[tuple[int, int]]) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        span = match.span()
        if any(s < span[1] and span[0] < e for s, e in taken) or _negated(text, span[0]):
            continue
        taken.append(span)
        found.append(match.group())
    return found


def assess_anger(text: str) -> Anger:
    """How angry a buyer's message reads, with the words that said so."""
    text = (text or "").strip()
    taken: list[tuple[int, int]] = []
    strong = _hits(_STRONG, text, taken)
    mild = _hits(_MILD, text, taken)
    urgent = _hits(_URGENT, text, taken)
    shouting = SHOUTING.findall(text)
    score = ANGRY_AT * len(strong) + len(mild) + min(len(urgent), 1) + min(len(shouting), 1)
    return Anger(score, tuple(strong + mild + urgent + shouting[:1]))


def is_angry(text: str) -> bool:
    return assess_anger(text).angry
