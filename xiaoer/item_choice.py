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

import functools
import operator
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from xiaoer.shop.catalogue_words import CATEGORIES
from xiaoer.shop.model import Item
from xiaoer.shop.text_index import TextIndex, positions

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
    items = items if isinstance(items, tuple) else tuple(items)
    index = words_index(items)
    # Items that contain the same pieces of the message cover it alike: the catalogue is split
    # by the pieces each item contains (the index answers per piece), and the covering pieces
    # are worked out once per group, not once per item (3,000 items, a handful of groups).
    groups = {frozenset(): index.everything}
    for piece in message_pieces(searched):
        having = index.containing(piece)
        if having:
            split: dict[frozenset[str], int] = {}
            for contained, mask in groups.items():
                for key, part in ((contained | {piece}, mask & having), (contained, mask & ~having)):
                    if part:
                        split[key] = part
            groups = split
    covered = {}
    for contained, mask in groups.items():
        pieces = covering_pieces(searched, contained)
        if names_a_kind(pieces):
            covered[mask] = sum(len(p) for p in pieces)
    if not covered:
        return []
    best = max(covered.values())
    fits = []
    for position in positions(functools.reduce(operator.or_, (m for m, c in covered.items() if c == best))):
        item = items[position]
        made = item.colour(colour) if colour else None
        in_colour = item.in_stock(colour) if colour else item.in_stock()
        fits.append(Fit(item, best, made.name if made else "", in_colour))
    # in the catalogue's order, which sorted() keeps among equals
    return sorted(fits, key=lambda f: f.rank)


def message_pieces(text: str) -> set[str]:
    """Every piece of the message covering_pieces may look up."""
    return {text[start:end] for start in range(len(text))
            for end in range(start + 1, min(len(text), start + LONGEST_PIECE) + 1)
            if SEPARATOR not in text[start:end] and (end - start > 1 or text[start] in SINGLE_CHARACTERS)}


_INDEXES: dict[int, tuple[tuple[Item, ...], TextIndex]] = {}


def words_index(items: tuple[Item, ...]) -> TextIndex:
    """The index of these items' words, built once per catalogue (the shop's items tuple; the
    entry holds the tuple, so its id is not reused while it is kept)."""
    kept = _INDEXES.get(id(items))
    if kept is None or kept[0] is not items:
        if len(_INDEXES) >= 4:
            _INDEXES.clear()
        kept = _INDEXES[id(items)] = (items, TextIndex([item_words(item) for item in items]))
    return kept[1]


def colour_note(fit: Fit, asked: str | None) -> str:
    """What a candidate's card says about colours: the one asked (有货 / 已售罄 / 没有这个颜色),
    or the colours in stock."""
    item = fit.item
    if asked:
        if not fit.colour:
            return f"没有{asked}"
        return f"{fit.colour}有货" if fit.in_colour else f"{fit.colour}已售罄"
    return "有货：" + "、".join(item.in_stock_colours) if item.in_stock_colours else "暂时缺货"
