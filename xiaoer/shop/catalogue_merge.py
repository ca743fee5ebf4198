"""Merge an imported export into catalog.yml, keeping what people wrote.

The export owns each listing's name, price, colours (and their stock), sizes, category,
size chart and merchant code (sku); a newer export replaces them, matched by the
platform's item id (or, for a listing relisted under a new id, by its merchant code).
Everything else on an imported item is people's and is kept: facts, a floor set by hand,
aliases, image, url, similar, material, selling points, comments. Aliases are made from
the title only for a new item or a changed title, and only words no other item uses.

A listing the export no longer has gets ``retired: true``: it stays in the file with what
people wrote about it (a relisted item comes back with its facts), and the loader keeps
it out of ``Shop.items``, so the bot never offers it. Items without an item id (written
by hand) are never touched.

Round-trips catalog.yml with ruamel.yaml, so comments, order and layout survive.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from xiaoer.shop.catalogue_import import (
    CatalogueImportError,
    Export,
    ImportedItem,
    ImportProblem,
)
from xiaoer.shop.model import colour_key

# The fields a newer export replaces; every other field of an item is people's.
EXPORT_FIELDS = ("sku", "name", "category", "price", "colors", "sizes", "size_chart")


@dataclass(frozen=True)
class MergeResult:
    text: str  # the new catalog.yml
    added: tuple[str, ...]  # skus
    updated: tuple[str, ...]
    unchanged: int
    retired: tuple[str, ...]
    relisted: tuple[str, ...]  # retired items listed again


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments and layout kept
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # long titles stay on one line
    yaml.preserve_quotes = True
    return yaml


def _flow(values: list) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _size(size: str) -> int | str:
    return int(size) if size.isdigit() else size  # 110, not '110'


def _colours(item: ImportedItem) -> CommentedSeq:
    seq = CommentedSeq()
    for colour in item.colours:
        entry = CommentedMap([("name", colour.name), ("in_stock", colour.in_stock)])
        entry.fa.set_flow_style()
        seq.append(entry)
    return seq


def _plain(field: str, value: Any) -> Any:
    """A field's value as compared between an entry and an export (colours by key and stock)."""
    if field == "colors":
        out = []
        for c in value or ():
            if isinstance(c, dict):
                out.append((colour_key(str(c.get("name", ""))), c.get("in_stock", True) is not False))
            else:
                out.append((colour_key(str(c)), True))
        return out
    if field == "sizes":
        return [str(s).upper() for s in value or ()]
    if field == "price":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return str(value) if value is not None else None


def _export_values(item: ImportedItem) -> dict[str, Any]:
    return {
        "sku": item.sku, "name": item.name, "category": item.category, "price": _number(item.price),
        "colors": _colours(item), "sizes": _flow([_size(s) for s in item.sizes]), "size_chart": item.size_chart,
    }


def _new_entry(item: ImportedItem, aliases: list[str]) -> CommentedMap:
    values = _export_values(item)
    return CommentedMap([
        ("sku", item.sku), ("item_id", item.item_id), ("name", item.name), ("aliases", _flow(aliases)),
        ("category", values["category"]), ("price", values["price"]), ("colors", values["colors"]),
        ("sizes", values["sizes"]), ("size_chart", values["size_chart"]),
    ])


def _item_id(entry: Any) -> str:
    value = entry.get("item_id") if isinstance(entry, dict) else None
    if value is None or isinstance(value, bool):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()


def _terms(entry: dict) -> list[str]:
    return [str(t) for t in (entry.get("name"), *(entry.get("aliases") or ())) if t]


def merge_catalogue(catalog_text: str, export: Export) -> MergeResult:
    """catalog.yml's text with the export merged in. Raises :class:`CatalogueImportError`
    (rows and columns of the export) when the export clashes with the catalogue."""
    yaml = _yaml()
    data = yaml.load(catalog_text) if catalog_text.strip() else None
    if not isinstance(data, dict):
        data = CommentedMap([("items", CommentedSeq())])
    items = data.setdefault("items", CommentedSeq())
    entries = [e for e in items if isinstance(e, dict)]
    by_id = {_item_id(e): e for e in entries if _item_id(e)}
    by_sku = {str(e.get("sku", "")).casefold(): e for e in entries if e.get("sku")}
    exported_ids = {i.item_id for i in export.items}
    problems: list[ImportProblem] = []

    def bad(item: ImportedItem, column: str, zh: str, en: str) -> None:
        problems.append(ImportProblem(item.row, export.columns.get(column), zh, en))

    # 1. which entry each listing updates
    plan: list[tuple[ImportedItem, CommentedMap | None]] = []
    for item in export.items:
        entry = by_id.get(item.item_id)
        holder = by_sku.get(item.sku.casefold())
        if entry is None and holder is not None and _item_id(holder) and _item_id(holder) not in exported_ids:
            entry = holder  # relisted under a new item id, same merchant code
        elif holder is not None and holder is not entry:
            bad(item, "code", f"商家编码 {item.sku} 已经是目录里「{holder.get('name')}」的货号",
                f"merchant code {item.sku} is already the sku of '{holder.get('name')}' in catalog.yml")
        floor = entry.get("floor") if entry is not None else None
        if isinstance(floor, (int, float)) and not isinstance(floor, bool) and floor > item.price:
            bad(item, "price", f"新价格 {item.price:g} 低于手写的底价 {floor:g};请先在 catalog.yml 改底价",
                f"the new price {item.price:g} is below the floor {floor:g} set by hand; lower it in catalog.yml first")
        plan.append((item, entry))

    # 2. buyers' words must point to one item: hand-written items' words, then each listing's
    # title and the aliases it keeps; new aliases (step 3) only take words still free
    owners: dict[str, str] = {}
    for entry in entries:
        if not _item_id(entry) and not entry.get("retired"):
            for term in _terms(entry):
                owners.setdefault(term.casefold(), str(entry.get("sku")))
    for item, entry in plan:
        key = item.item_id if entry is None else _item_id(entry)
        kept = [str(a) for a in entry.get("aliases") or ()] if entry is not None else []
        for term in (item.name, *kept):
            owner = owners.setdefault(term.casefold(), key)
            if owner != key:
                what_zh, what_en = ("标题", "title") if term == item.name else ("别名", "alias")
                bad(item, "name", f"{what_zh}「{term}」已经是目录里商品 {owner} 的名字或别名",
                    f"the {what_en} '{term}' is already a name or alias of item {owner} in catalog.yml")
    if problems:
        raise CatalogueImportError(sorted(problems, key=lambda p: p.row or 0))

    def new_aliases(item: ImportedItem, key: str) -> list[str]:
        return [a for a in item.aliases if owners.setdefault(a.casefold(), key) == key]

    # 3. apply
    listed = {id(e) for _, e in plan if e is not None}
    added, updated, relisted, renamed = [], [], [], {}
    unchanged = 0
    for item, entry in plan:
        if entry is None:
            items.append(_new_entry(item, new_aliases(item, item.item_id)))
            added.append(item.sku)
            continue
        changed = False
        if str(entry.get("name")) != item.name:  # a new title: new words for it, the old ones kept
            kept = [str(a) for a in entry.get("aliases") or ()]
            more = [a for a in new_aliases(item, _item_id(entry)) if a not in kept]
            if more:
                entry["aliases"] = _flow(kept + more)
        old_sku = str(entry.get("sku"))
        for field, value in _export_values(item).items():
            if _plain(field, entry.get(field)) != _plain(field, value):
                entry[field] = value
                changed = True
        if _item_id(entry) != item.item_id:
            entry["item_id"] = item.item_id
            changed = True
        if old_sku != item.sku:
            renamed[old_sku] = item.sku
        if entry.get("retired"):
            del entry["retired"]
            relisted.append(item.sku)
        elif changed:
            updated.append(item.sku)
        else:
            unchanged += 1
    retired = []
    for entry in entries:
        if _item_id(entry) and id(entry) not in listed and not entry.get("retired"):
            keys = list(entry)
            entry.insert(keys.index("item_id") + 1, "retired", True)
            retired.append(str(entry.get("sku")))
    if renamed:  # a merchant code that changed: other items' similar/components follow it
        for entry in entries:
            for key in ("similar", "components"):
                refs = entry.get(key)
                if isinstance(refs, list):
                    for i, ref in enumerate(refs):
                        if str(ref) in renamed:
                            refs[i] = renamed[str(ref)]

    out = io.StringIO()
    yaml.dump(data, out)
    return MergeResult(out.getvalue(), tuple(added), tuple(updated), unchanged, tuple(retired), tuple(relisted))
