"""What a product title says: its category, its name without marketing words, and the
phrases buyers may call the item by (aliases), for the catalogue import.

Taobao titles are keyword lists ("2024新款高腰阔腿牛仔裤女宽松显瘦爆款包邮"): the first
category keyword found decides the category (:data:`CATEGORIES`, children's and shoes
first, so a 儿童羽绒服 is sized by the children's chart); the marketing words go; jieba,
with the shop's vocabulary, cuts the rest into words, and a describing word or two before
a product word makes an alias (阔腿牛仔裤, 高腰阔腿牛仔裤). A bare 牛仔裤 is never an alias:
in a real shop it names thirty items.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str  # what a mapping file's ``charts`` names
    label: str  # catalog.yml ``category``
    keywords: tuple[str, ...]  # found in the title
    charts: tuple[str, ...]  # sizing.yml chart names tried in order


# First match wins, so a 儿童羽绒服 is children's and a T恤裙 a dress.
CATEGORIES: tuple[Category, ...] = (
    Category("children", "童装", ("童装", "儿童", "男童", "女童", "中大童", "宝宝"), ("children",)),
    Category("shoes", "鞋靴", ("鞋", "靴"), ("shoes",)),
    Category("outerwear", "外套", ("外套", "羽绒服", "大衣", "风衣", "夹克", "棉服", "冲锋衣"), ("outerwear",)),
    Category("dresses", "裙装", ("连衣裙", "裙"), ("dresses", "dress")),
    Category("trousers", "裤装", ("牛仔裤", "裤"), ("trousers", "jeans")),
    Category("tops", "上衣", ("T恤", "体恤", "衬衫", "卫衣", "上衣", "毛衣", "衫", "背心", "吊带"), ("tops", "tee")),
)

# Words in titles that sell, not describe; taken out of names and aliases.
MARKETING_WORDS = (
    "新款", "爆款", "包邮", "现货", "特价", "清仓", "热卖", "正品", "官方", "旗舰店", "同款", "网红",
    "明星", "限时", "秒杀", "促销", "折扣", "专柜", "反季", "特惠", "亏本", "冲量", "必入", "推荐",
    "速发", "秒发",
)
_MARKETING_RE = re.compile(
    r"【[^】]*】|\[[^\]]*\]|20\d\d年?|" + "|".join(re.escape(w) for w in MARKETING_WORDS), re.I)
# Words that say who or when, not which item: never the start of an alias.
_NOT_MODIFIERS = {"女", "男", "女士", "男士", "女装", "男装", "春", "夏", "秋", "冬", "春秋", "春夏", "秋冬",
                  "夏季", "冬季", "春季", "秋季", "款", "新", "潮", "ins", "韩版", "百搭", "宽松", "显瘦"}
MAX_ALIASES = 4

def clean_title(title: str) -> str:
    """The title without marketing words (2024新款, 爆款, 包邮, 【...】) and extra spaces."""
    text = _MARKETING_RE.sub(" ", unicodedata.normalize("NFKC", title))
    return re.sub(r"\s+", " ", text).strip(" -_/|,，")


def category_of(text: str) -> Category | None:
    return next((c for c in CATEGORIES if any(k.casefold() in text.casefold() for k in c.keywords)), None)


@functools.lru_cache(maxsize=2)  # jieba reads its dictionary once per vocabulary, not per import
def title_tokenizer(words: tuple[str, ...]):
    import jieba  # only when aliases are made

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in {*words, *(k for c in CATEGORIES for k in c.keywords)}:
        tokenizer.add_word(word, 20000)
    return tokenizer


def _is_product_noun(token: str) -> bool:
    return any(token.endswith(k) for c in CATEGORIES for k in c.keywords if c.key != "children")


def _is_modifier(token: str) -> bool:
    return (len(token) >= 2 and token not in _NOT_MODIFIERS and not _is_product_noun(token)
            and re.fullmatch(r"[\u4e00-\u9fff]+", token) is not None)


def title_phrases(name: str, tokenizer) -> list[str]:
    """What a buyer may call the item: one or two describing words before a product word
    (纯棉短袖T恤 -> 短袖T恤, 纯棉短袖T恤). A bare 牛仔裤 or T恤 is no alias: many items are."""
    tokens: list[str] = []
    single = False  # jieba cuts a word it does not know into characters: 阔/腿 -> 阔腿
    for token in (t for t in tokenizer.lcut(name) if t.strip()):
        one = len(token) == 1 and not _is_product_noun(token)
        if one and single:
            tokens[-1] += token
        else:
            tokens.append(token)
        single = one
    phrases: list[str] = []
    for i, token in enumerate(tokens):
        if not _is_product_noun(token):
            continue
        if i >= 1 and _is_modifier(tokens[i - 1]):
            phrases.append(tokens[i - 1] + token)
            if i >= 2 and _is_modifier(tokens[i - 2]):
                phrases.append(tokens[i - 2] + tokens[i - 1] + token)
    return list(dict.fromkeys(p for p in phrases if p != name))[:MAX_ALIASES]
