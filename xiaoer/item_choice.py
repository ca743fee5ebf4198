"""Which items a buyer's words fit, over the whole catalogue, and in what order to offer them.

A buyer rarely types an item's exact name: "冰丝阔腿裤有黑色吗", "裤子有黑色吗", "男款卫衣". The
message (without the colour and size it names) is read against each item's words (its name,
aliases and category, with what buyers call the category: 裤子, 裙子, 鞋子, 孩子 ...): the item
covers the longest pieces of the message it contains, and how many of the message's characters
it covers is how well it fits. Only a message that names a kind of garment (裤, 裙, 卫衣, 鞋,
童装 ...) names an item at all: "适合学生穿吗" is a question about the item already in hand, not a
search for the shop's student clothes.

The items that fit best are the candidates, ranked by how well the words fit, then in stock in
the colour asked, then made in that colour (sold out), then the catalogue's order (the export's
order: a shop lists its best sellers first; the exports carry no sales figures). Plain functions,
no Rasa: tests/unit/test_item_choice.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from xiaoer.shop.catalogue_words import CATEGORIES
from xiaoer.shop.model import Item

# What buyers call each category (catalog.yml ``category``), beside its own keywords.
CATEGORY_WORDS = {
    "裤装": ("裤子", "长裤"),
    "裙装": ("裙子",),
    "鞋靴": ("鞋子", "靴子"),
    "童装": ("孩子", "小孩", "儿童", "宝宝", "小朋友", "童装"),
    "外套": ("外套",),
    "上衣": ("上衣",),
}
# A kind of garment: a message without one names no item ("适合学生穿吗", "有黑色吗").
KINDS = tuple(dict.fromkeys(
    [k for c in CATEGORIES for k in c.keywords] + [w for words in CATEGORY_WORDS.values() for w in words] + ["套装", "套餐"]
))
# One character counts alone only when it says what the item is (裤, 裙) or who it is for (男, 女).
SINGLE_CHARACTERS = frozenset("裤裙鞋靴衫男女")
# Pinyin slips buyers make in a garment's name: 阔腿库 is 阔腿裤 (库存 stays 库存).
SLIPS = ((re.compile(r"库(?!存|房)"), "裤"), (re.compile(r"(?<!粉丝)(?<!微信)群(?!聊|里)"), "裙"))
SEPARATOR = "|"  # between an item's words: no piece of the message spans two of them
LONGEST_PIECE = 10


@dataclass(frozen=True)
class Fit:
    """One item the words fit, and how well."""

    item: Item
    covered: int  # how many of the message's characters the item's words contain
    colour: str = ""  # the colour asked, as the item calls it ("" when not asked or not made)
    in_colour: bool = False  # in stock in the colour asked (or in any colour when none was asked)

    @property
    def rank(self) -> tuple[int, int, int]:
        return (-self.covered, 0 if self.in_colour else 1, 0 if self.colour else 1)


def item_words(item: Item) -> str:
    """Everything a buyer may call the item by, lower-cased, the words apart."""
    words = (item.name, *item.aliases, item.category, *CATEGORY_WORDS.get(item.category, ()))
    return SEPARATOR.join(w.casefold() for w in words if w)


def searched_text(text: str, leave_out: Iterable[str] = ()) -> str:
    """The message as it names an item: lower-cased, without the colour and size it asks
    about (``leave_out``), with the usual slips put right."""
    text = (text or "").casefold()
    for word in sorted((w.casefold() for w in leave_out if w), key=len, reverse=True):
        text = text.replace(word, SEPARATOR)
    for slip, meant in SLIPS:
        text = slip.sub(meant, text)
    return text


def covering_pieces(text: str, words: str) -> list[str]:
    """The longest pieces of ``text``, left to right, that ``words`` contains: two characters
    or more, or one that says what the item is (SINGLE_CHARACTERS)."""
    pieces, start = [], 0
    while start < len(text):
        for end in range(min(len(text), start + LONGEST_PIECE), start, -1):
            piece = text[start:end]
            if SEPARATOR in piece or (len(piece) == 1 and piece not in SINGLE_CHARACTERS):
                continue
            if piece in words:
                pieces.append(piece)
                start = end
                break
        else:
            start += 1
    return pieces


def names_a_kind(pieces: Sequence[str]) -> bool:
    return any(kind.casefold() in piece for piece in pieces for kind in KINDS)


def fitting_items(items: Iterable[Item], text: str, colour: str | None = None,
                  leave_out: Iterable[str] = ()) -> list[Fit]:
    """The items the message's words fit best (all equally well), in the order to offer them;
    empty when the words name no kind of garment. ``colour``: the colour asked ("黑色")."""
    searched = searched_text(text, [*leave_out, *([colour] if colour else [])])
    fits: list[Fit] = []
    for position, item in enumerate(items):
        pieces = covering_pieces(searched, item_words(item))
        if not names_a_kind(pieces):
            continue
        made = item.colour(colour) if colour else None
        in_colour = item.in_stock(colour) if colour else item.in_stock()
        fits.append(Fit(item, sum(len(p) for p in pieces), made.name if made else "", in_colour))
    if not fits:
        return []
    best = max(f.covered for f in fits)
    # sorted() keeps the catalogue's order among equals
    return sorted((f for f in fits if f.covered == best), key=lambda f: f.rank)


def colour_note(fit: Fit, asked: str | None) -> str:
    """What a candidate's card says about colours: the one asked (有货 / 已售罄 / 没有这个颜色),
    or the colours in stock."""
    item = fit.item
    if asked:
        if not fit.colour:
            return f"没有{asked}"
        return f"{fit.colour}有货" if fit.in_colour else f"{fit.colour}已售罄"
    return "有货：" + "、".join(item.in_stock_colours) if item.in_stock_colours else "暂时缺货"
