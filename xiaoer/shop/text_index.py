"""Which of many texts (one per catalogue item) contain a piece of a buyer's message, without
reading every text for every piece.

A message is read against the whole catalogue piece by piece ("裤子", "阔腿", "冰丝阔腿裤"...):
with 3,000 items, a scan per piece costs milliseconds per message. The index keeps, for every
character and every pair of characters, the set of texts that contain it (a bitmask over the
texts' positions), so a piece's texts are the intersection of its pairs' sets, checked
against the texts themselves only when the piece is longer than a pair. Built once per
catalogue; a piece's answer is remembered.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator, Sequence

REMEMBERED = 4096  # pieces whose answer is kept (the words buyers use repeat)


class TextIndex:
    """``containing(piece)``: the positions of the texts that contain ``piece`` (as
    ``piece in text``), as a bitmask; ``positions(mask)`` lists them in order."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = tuple(texts)
        self.everything = (1 << len(self.texts)) - 1
        grams: dict[str, list[int]] = defaultdict(list)
        for position, text in enumerate(self.texts):
            for gram in {*text, *(text[i:i + 2] for i in range(len(text) - 1))}:
                grams[gram].append(position)
        self._grams = {gram: _mask(found) for gram, found in grams.items()}
        self._answers: dict[str, int] = {}

    def containing(self, piece: str) -> int:
        found = self._answers.get(piece)
        if found is None:
            found = self._containing(piece)
            if len(self._answers) >= REMEMBERED:
                self._answers.clear()
            self._answers[piece] = found
        return found

    def _containing(self, piece: str) -> int:
        if not piece:
            return self.everything
        if len(piece) <= 2:
            return self._grams.get(piece, 0)
        mask = self.everything
        for i in range(len(piece) - 1):
            mask &= self._grams.get(piece[i:i + 2], 0)
            if not mask:
                return 0
        return _mask(p for p in positions(mask) if piece in self.texts[p])


def _mask(found) -> int:
    bits = bytearray()
    for position in found:
        byte = position >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits)))
        bits[byte] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


def positions(mask: int) -> Iterator[int]:
    """The positions a bitmask holds, lowest first."""
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest
