"""An item a buyer points at in the text: a Taobao, Tmall or JD link, or an item number typed
with its label ("宝贝ID 123456789012", "商品编号…", "货号JN-2801"). Plain functions, no Rasa.

A number counts only inside an item link or after an item label: a bare 12-digit number is
how buyers send order numbers (订单号, xiaoer.entities reads 12-20 digits as one), and
phone numbers and prices are numbers too. Short share links (m.tb.cn, 3.cn) only redirect:
what they point at cannot be read offline, so they are reported as such and the bot asks
for the item's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# What an item reference is:
ITEM_ID = "item_id"  # the platform's item id (宝贝ID, JD's 商品编号)
CODE = "code"  # the shop's merchant code (货号, 商家编码): an item's sku here
SHORT_LINK = "short_link"  # a share link whose target cannot be read offline


@dataclass(frozen=True)
class ItemReference:
    kind: str  # ITEM_ID, CODE or SHORT_LINK
    value: str  # the id, the code, or the short link itself
    platform: str = ""  # "taobao" (Taobao and Tmall), "jd", or "" for a typed item number


# A link to one of the platforms, with or without its scheme; it ends where ASCII ends
# (buyers write on right after it: "...id=123有黑色吗").
_LINK = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*(?:taobao\.com|tmall\.com|tmall\.hk|tb\.cn|jd\.com|jd\.hk|3\.cn)"
    r"(?::\d+)?(?:[/?#][!-~]*)?",
    re.I,
)
_SHORT_HOSTS = re.compile(r"(?:^|\.)(?:tb\.cn|3\.cn)$")
# Taobao and Tmall item pages: item.taobao.com, detail.tmall.com, detail.m.tmall.com,
# detail.tmall.hk, chaoshi.detail.tmall.com; the mobile pages h5.m.taobao.com/.../detail.htm
# and m.intl.taobao.com/detail/... carry the id the same way (?id=).
_TAOBAO_ITEM_HOST = re.compile(r"(?:^|\.)(?:item|detail)\.(?:m\.)?(?:taobao|tmall)\.(?:com|hk)$")
_TAOBAO_MOBILE_HOST = re.compile(r"(?:^|\.)(?:h5\.m|m\.intl|main\.m)\.taobao\.com$")
_TAOBAO_ID_PATH = re.compile(r"^/(?:item/|i)(\d{6,20})\.htm")  # world.taobao.com/item/1.htm, a.m.taobao.com/i1.htm
_JD_ITEM_HOST = re.compile(r"(?:^|\.)(?:item|item\.m|npcitem)\.jd\.(?:com|hk)$")
_JD_ID_PATH = re.compile(r"^/(?:product/)?(\d{4,20})\.html")
_DIGITS = re.compile(r"\d{4,20}\Z")

# "宝贝ID 123456789012", "商品编号：100012345678", "商品id是6457…": the platform's id.
_ID_LABEL = re.compile(
    r"(?:宝贝|商品)\s*(?:id|编号|号码)|item[\s_]?id|num_iid", re.I)
# "货号JN-2801", "商家编码：JN-2801", "款号 JN2801": the shop's own code.
_CODE_LABEL = re.compile(r"货号|商家编码|商品编码|款号|merchant\s*code", re.I)
_AFTER_LABEL = re.compile(r"\s*(?:是|为|[:：=#])?\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})(?![A-Za-z0-9_-])")


def item_references(text: str) -> list[ItemReference]:
    """Every item the text points at, in the order written."""
    text = text or ""
    found: list[tuple[int, ItemReference]] = []
    links = list(_LINK.finditer(text))
    for match in links:
        reference = _from_link(match.group())
        if reference is not None:
            found.append((match.start(), reference))
    in_link = [match.span() for match in links]
    for label, kind in ((_ID_LABEL, ITEM_ID), (_CODE_LABEL, CODE)):
        for match in label.finditer(text):
            if any(start <= match.start() < end for start, end in in_link):
                continue  # "?item_id=" inside a link was read with the link
            value = _AFTER_LABEL.match(text, match.end())
            if value is None:
                continue
            word = value.group(1)
            if kind == ITEM_ID and not _DIGITS.match(word):
                kind_here = CODE  # "商品编号JN-2801": the shop's code under the platform's label
            else:
                kind_here = kind
            found.append((match.start(), ItemReference(kind_here, word)))
    return [reference for _, reference in sorted(found, key=lambda pair: pair[0])]


def item_reference(text: str) -> ItemReference | None:
    """The first item the text points at, or None."""
    found = item_references(text)
    return found[0] if found else None


def item_link_spans(text: str) -> list[tuple[int, int]]:
    """Where the text has links to items (the digits in them are an item's id, not an order's)."""
    spans = []
    for match in _LINK.finditer(text or ""):
        reference = _from_link(match.group())
        if reference is not None and reference.kind == ITEM_ID:
            spans.append(match.span())
    return spans


def _from_link(link: str) -> ItemReference | None:
    """The item a link points at; None for a link to anything else (a shop, a search, an order)."""
    link = link.rstrip(".,;:!?)]}'\"")
    parts = urlsplit(link if "://" in link else f"https://{link}")
    host = (parts.hostname or "").lower()
    if _SHORT_HOSTS.search(host):
        if not parts.path.strip("/"):
            return None
        return ItemReference(SHORT_LINK, link, "jd" if host.endswith("3.cn") else "taobao")
    if host.endswith(("jd.com", "jd.hk")):
        found = _JD_ITEM_HOST.search(host) and _JD_ID_PATH.match(parts.path)
        return ItemReference(ITEM_ID, found.group(1), "jd") if found else None
    if _TAOBAO_ITEM_HOST.search(host) or _TAOBAO_MOBILE_HOST.search(host) and "detail" in parts.path:
        ids = parse_qs(parts.query.replace("&amp;", "&")).get("id") or []  # "id" itself: skuId and spm are not the item
        if ids and _DIGITS.match(ids[0]):
            return ItemReference(ITEM_ID, ids[0], "taobao")
        return None
    found = _TAOBAO_ID_PATH.match(parts.path)
    return ItemReference(ITEM_ID, found.group(1), "taobao") if found else None
