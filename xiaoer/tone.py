"""The shop's tone rules (seed 001), shared by the script linter and the trainers' editor.
Extend the lists here.
"""

from __future__ import annotations

# Phrases a reply must never contain: they brush the buyer off.
BANNED_PHRASES = (
    "不知道",
    "没办法",
    "你自己看",
    "这不是我们的问题",
    "不清楚",
    "不归我们管",
    "随便你",
    "爱买不买",
)
# Longer words that contain a banned phrase but mean something harmless.
HARMLESS_WORDS = ("看不清楚", "听不清楚")

# 亲 as a form of address is fine now and then, not in most variants of a script.
ADDRESS = "亲"
# Words with 亲 in them that are not the address (亲肤 is a fabric word).
NOT_AN_ADDRESS = (
    "亲肤", "亲子", "亲自", "亲手", "亲身", "亲眼", "亲测", "亲友", "亲戚", "亲人",
    "亲切", "亲近", "亲和", "亲密", "亲民", "亲情", "亲属", "父亲", "母亲", "双亲",
    "相亲", "探亲",
)


def banned_phrases_in(text: str) -> list[str]:
    for word in HARMLESS_WORDS:
        text = text.replace(word, "")
    return [phrase for phrase in BANNED_PHRASES if phrase in text]


def uses_address(text: str) -> bool:
    for word in NOT_AN_ADDRESS:
        text = text.replace(word, "")
    return ADDRESS in text
