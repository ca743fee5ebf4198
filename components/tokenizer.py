"""Rasa's JiebaTokenizer with the shop vocabulary.

Rasa's own JiebaTokenizer already loads every file under ``dictionary_path`` and copies them
into the trained model, so a model carries its vocabulary. Two things are added here:

- the vocabulary's content is part of the component's fingerprint, so editing the catalog
  (and regenerating ``vocab/``) retrains instead of reusing a cached tokenizer whose model
  copy of the dictionary would be stale;
- jieba never keeps "/" inside a word, so a 号型 size like "175/92A" is merged back into one
  token after cutting.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

# 号型 as printed on labels: height/girth and a body type, e.g. 175/92A, 160/68B.
HAOXING = re.compile(r"(?<![\d/])\d{3}/\d{2,3}[YABCyabc](?![A-Za-z\d])")


def vocabulary_fingerprint(path: Optional[Text]) -> Optional[Text]:
    """A hash of every dictionary file's name and content (None without a path)."""
    if not path:
        return None
    digest = hashlib.sha256()
    for name in sorted(glob.glob(os.path.join(path, "*"))):
        digest.update(os.path.basename(name).encode())
        with open(name, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def merge_spans(tokens: List[Token], text: Text, pattern: re.Pattern = HAOXING) -> List[Token]:
    """Merge the tokens that exactly cover a ``pattern`` match into one token."""
    for match in pattern.finditer(text):
        start, end = match.span()
        inside = [t for t in tokens if t.start >= start and t.end <= end]
        if len(inside) < 2 or inside[0].start != start or inside[-1].end != end:
            continue
        first = tokens.index(inside[0])
        tokens[first:first + len(inside)] = [Token(match.group(), start)]
    return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ShopJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer + shop vocabulary fingerprint + 号型 tokens."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return vocabulary_fingerprint(config.get("dictionary_path"))

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        return merge_spans(tokens, message.get(attribute) or "")
