"""Which facts about an item a buyer asks for ("牛仔裤有弹力吗", "T恤透不透", "会掉色吗",
"怎么洗", "是正品吗"), and the answer from the catalog (shop/catalog.yml ``facts:``).

Plain functions over text and the shop model (tests/unit/test_product_facts.py). A fact the
catalog does not have is reported as missing, never made up: the action then says so and
offers a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xiaoer.shop import Item

# Each fact field and the words that ask for it, most specific first.
FACT_CUES = (
    ("see_through", r"透不透|透吗|会透|透光|透明|走光|透肉"),
    ("stretch", r"弹力|弹性|有弹|弹不弹"),
    ("pilling", r"起球|起毛"),
    ("colour_fastness", r"掉色|褪色|掉不掉色|浮色|串色"),
    ("care", r"怎么洗|机洗|手洗|洗涤|能洗|水洗|干洗|熨|怎么保养"),
    ("authenticity", r"正品|真的假的|假货|正版|授权"),
    ("packaging", r"包装|礼盒|盒子|送人"),
    ("lining", r"内衬|里衬|衬里|内里"),
    ("thickness", r"厚不厚|薄不薄|厚吗|薄吗|厚度|多厚|太薄|太厚|厚实|保暖"),
    ("season", r"季节|春天|夏天|秋天|冬天|春秋|现在穿"),
    ("origin", r"产地|哪里产|哪产的|哪里生产|哪里做的"),
    ("model_size", r"模特"),
    ("fit", r"显瘦|版型|修身|宽松不|宽松吗|正码|偏大吗|偏小吗"),
    ("fabric", r"面料|材质|成分|什么料|纯棉|棉的|化纤|涤纶|聚酯"),
)
_CUES = tuple((name, re.compile(pattern)) for name, pattern in FACT_CUES)
# A question, not a report: "会掉色吗" asks, "掉色了" tells (a complaint).
_ASKING = re.compile(r"吗|么|嘛|会不会|不会|能不能|是不是|有没有|怎么|多少|什么|哪|[?？]|[^了]不$|(.)不\1")
_TELLING = re.compile(r"收到|到手|洗了|穿了|已经|了[!！。.]*$|了吧$")
_COMPARE = re.compile(r"区别|差别|对比|比较|哪个好|哪个更|有啥不同|有什么不同|不一样")


def asked_facts(text: str) -> list[str]:
    """The fact fields the message asks about, in the order it asks them."""
    found = sorted(((m.start(), name) for name, cue in _CUES for m in [cue.search(text)] if m), key=lambda f: f[0])
    return list(dict.fromkeys(name for _, name in found))


def is_fact_question(text: str) -> bool:
    """The buyer asks a fact about an item (before buying), not reports a fault."""
    return bool(asked_facts(text)) and bool(_ASKING.search(text)) and not _TELLING.search(text)


def asks_to_compare(text: str) -> bool:
    return bool(_COMPARE.search(text))


@dataclass(frozen=True)
class FactAnswer:
    known: tuple[str, ...]  # the catalog's answers, in the order asked
    missing: tuple[str, ...]  # fields asked that the catalog does not have


def fact_answer(item: Item, fields: list[str]) -> FactAnswer:
    return FactAnswer(
        tuple(item.facts[f] for f in fields if f in item.facts),
        tuple(f for f in fields if f not in item.facts),
    )
