"""Read a shop's product export (CSV or .xlsx) into items for the catalogue.

Shops export their listings from the platform as a spreadsheet. Two shapes are read with
no mapping file:

- one row per SKU, with Chinese headers: 宝贝ID/商品ID, 宝贝名称/标题/商品名称,
  商家编码/货号, 颜色分类/颜色, 尺码, 价格/售价/一口价, 库存/数量 (:data:`HEADERS` has
  every name taken);
- rows whose colour and size sit in one sale-attribute cell, ``颜色分类:黑色;尺码:L``
  (or ``颜色分类:黑色,尺码:L``; one row may list several, ``颜色分类:黑色,白色;尺码:S,M``).

Any other shape is described by a mapping file (:func:`read_mapping`). Rows group into
items by item id; a colour is in stock when any size of it has 库存 > 0; the category,
and so the size chart, comes from the title (:mod:`xiaoer.shop.catalogue_words`). Every bad row is
reported with its row number, its column and the reason, in Chinese and English, and
:func:`read_export` raises :class:`CatalogueImportError` listing all of them: nothing is
imported from an export with a bad row.

Plain functions: the only file read is the export (and the mapping file) given.
Merging into catalog.yml is :mod:`xiaoer.shop.catalogue_merge`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from xiaoer.shop.catalogue_words import (
    CATEGORIES,
    category_of,
    clean_title,
    title_phrases,
    title_tokenizer,
)
from xiaoer.shop.checked_yaml import CheckedFile, Section, read_yaml
from xiaoer.shop.model import Colour, ConfigProblem, Sizing, colour_key

# --------------------------------------------------------------------------- tables

# Field -> the headers shops' exports use for it (compared without spaces, brackets or case).
HEADERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "item_id": ("宝贝ID", "商品ID", "宝贝编号", "item_id", "num_iid"),
    "name": ("宝贝名称", "宝贝标题", "标题", "商品名称", "商品标题"),
    "code": ("商家编码", "货号", "商家货号", "款号"),
    "colour": ("颜色分类", "颜色"),
    "size": ("尺码", "鞋码"),
    "attributes": ("销售属性", "销售属性组合", "SKU属性", "SKU规格", "规格"),
    "price": ("价格", "售价", "一口价", "销售价"),
    "stock": ("库存", "数量", "可售库存", "库存数量"),
    "category": ("类目", "商品类目", "宝贝类目"),
})
FIELD_NAMES = {  # how a field is named in messages: (Chinese, English)
    "item_id": ("宝贝ID", "item id"), "name": ("标题", "title"), "code": ("商家编码", "merchant code"),
    "colour": ("颜色", "colour"), "size": ("尺码", "size"), "attributes": ("销售属性", "sale attributes"),
    "price": ("价格", "price"), "stock": ("库存", "stock"), "category": ("类目", "category"),
}
# Names inside a sale-attribute cell ("颜色分类:黑色;尺码:L").
ATTRIBUTE_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "colour": ("颜色分类", "颜色", "主要颜色"),
    "size": ("尺码", "尺寸", "鞋码", "参考身高", "身高"),
})


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in the export: where (row as the spreadsheet numbers it, column) and why."""

    row: int | None
    column: str | None  # the header and its letter: "价格 (F)"
    zh: str
    en: str

    def __str__(self) -> str:
        where_zh = "".join(x for x in (f"第{self.row}行" if self.row else "", f" {self.column}" if self.column else ""))
        where_en = ", ".join(x for x in (f"row {self.row}" if self.row else "",
                                         f"column {self.column}" if self.column else ""))
        zh = f"{where_zh}: {self.zh}" if where_zh else self.zh
        en = f"{where_en}: {self.en}" if where_en else self.en
        return f"{zh} / {en}"


class CatalogueImportError(ValueError):
    """The export cannot be imported; ``str()`` lists every problem, one per line."""

    def __init__(self, problems: Iterable[ImportProblem | ConfigProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ImportedItem:
    """One listing of the export, ready to merge into catalog.yml."""

    item_id: str
    sku: str  # the merchant code (货号); the item id when the export has none
    name: str  # the title without marketing words
    category: str  # catalog.yml category: 上衣, 裤装 ...
    size_chart: str
    price: float  # the lowest of its SKUs' prices
    colours: tuple[Colour, ...]
    sizes: tuple[str, ...]  # in the chart's order
    aliases: tuple[str, ...]  # phrases from the title no other listing of the export has
    row: int  # its first row, to name it in messages


@dataclass(frozen=True)
class Export:
    items: tuple[ImportedItem, ...]
    columns: Mapping[str, str]  # field -> "价格 (F)", for messages
    rows: int  # data rows read


@dataclass(frozen=True)
class ExportMapping:
    """A mapping file: which column is which field, for exports of another shape."""

    columns: Mapping[str, str] = field(default_factory=dict)  # field -> header
    attribute_names: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: ATTRIBUTE_NAMES)
    sheet: str | None = None  # xlsx: the sheet (default: the first)
    header_row: int | None = None  # default: the first row naming an id and a title
    encoding: str | None = None  # CSV: default UTF-8 (with or without BOM), else GBK
    charts: Mapping[str, str] = field(default_factory=dict)  # category key -> sizing.yml chart


# --------------------------------------------------------------------------- mapping file

MAPPING_KEYS = ("columns", "attribute_names", "sheet", "header_row", "encoding", "charts")


def read_mapping(path: str | os.PathLike) -> ExportMapping:
    """Read a mapping file (YAML)::

        columns:            # field: the export's header for it
          item_id: 商品编号
          name: 商品标题
          code: 外部编码
          colour: 颜色       # colour and size, or one attributes column
          size: 规格
          price: 单价
          stock: 可售数量
        attribute_names: {colour: [颜色], size: [尺码]}   # optional
        sheet: 商品列表      # optional: the xlsx sheet
        header_row: 2       # optional: the row of the headers
        encoding: gbk       # optional: the CSV's encoding
        charts: {trousers: jeans}   # optional: category -> sizing.yml chart

    Raises :class:`CatalogueImportError` with the mapping file's lines when it is wrong."""
    label = os.fspath(path)
    problems: list[ConfigProblem] = []
    data = read_yaml(label, label, problems)
    if data is None:
        raise CatalogueImportError(problems)
    f = CheckedFile(label, problems)
    top = Section(f, data, "", MAPPING_KEYS)
    columns: dict[str, str] = {}
    cols = top.section("columns", tuple(HEADERS), required=False)
    for key in tuple(HEADERS) if cols else ():
        header = cols.text(key, required=False)
        if header:
            columns[key] = header
    names = dict(ATTRIBUTE_NAMES)
    attrs = top.section("attribute_names", tuple(ATTRIBUTE_NAMES), required=False)
    for key in tuple(ATTRIBUTE_NAMES) if attrs else ():
        if attrs.has(key):
            names[key] = attrs.texts(key, allow_empty=False) or names[key]
    charts: dict[str, str] = {}
    chart_sec = top.section("charts", tuple(c.key for c in CATEGORIES), required=False)
    for category in CATEGORIES if chart_sec else ():
        chart = chart_sec.text(category.key, required=False)
        if chart:
            charts[category.key] = chart
    sheet = top.text("sheet", required=False)
    header_row = top.number("header_row", required=False, whole=True, minimum=1)
    encoding = top.text("encoding", required=False)
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            top.error("encoding", f"unknown encoding '{encoding}' (utf-8, gbk, gb18030 ...)")
    if problems:
        raise CatalogueImportError(problems)
    return ExportMapping(MappingProxyType(columns), MappingProxyType(names), sheet, header_row, encoding,
                         MappingProxyType(charts))


# --------------------------------------------------------------------------- reading cells


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: object) -> str:
    """A cell as text: 139.0 -> "139", 652301234567 -> "652301234567", None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes, encoding: str | None) -> str:
    if encoding:
        return raw.decode(encoding)
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # GBK's superset: what Taobao's exports are saved in


def read_table(path: str | os.PathLike, mapping: ExportMapping | None = None) -> list[list[str]]:
    """Every row of the export's sheet as text cells (row 1 first). CSV or .xlsx."""
    mapping = mapping or ExportMapping()
    path = os.fspath(path)
    if path.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(path, mapping.sheet)
    if path.lower().endswith((".xls", ".et", ".numbers")):
        raise CatalogueImportError([ImportProblem(
            None, None, "这种表格读不了;请在 Excel/WPS 里另存为 .xlsx 或 CSV",
            "this spreadsheet format cannot be read; save it as .xlsx or CSV")])
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = _decode(raw, mapping.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogueImportError([ImportProblem(
            line, None, f"文件编码读不出来({exc.encoding});请另存为 UTF-8 或 GBK 的 CSV",
            f"cannot be read as {exc.encoding}; save it as a UTF-8 or GBK CSV")]) from None
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: str, sheet: str | None) -> list[list[str]]:
    import openpyxl  # only for .xlsx exports
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise CatalogueImportError([ImportProblem(
            None, None, f"不是能读的 xlsx 文件({exc})", f"not a readable .xlsx file ({exc})")]) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise CatalogueImportError([ImportProblem(
                None, None, f"没有叫「{sheet}」的工作表(有:{'、'.join(book.sheetnames)})",
                f"no sheet named '{sheet}' (sheets: {', '.join(book.sheetnames)})")])
        ws = book[sheet] if sheet else book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _header_key(text: str) -> str:
    """价格(元) / 价格（元） / " 价 格 " -> 价格; case does not matter."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"\s+", "", text).casefold()


def _find_header(table: list[list[str]], mapping: ExportMapping) -> int:
    """The header row's index: the mapping's, else the first row (of the first ten) naming
    both an item id and a title column (exports often start with a line of notes)."""
    if mapping.header_row:
        return mapping.header_row - 1
    wanted = {f: {_header_key(h) for h in ((mapping.columns[f],) if f in mapping.columns else HEADERS[f])}
              for f in ("item_id", "name")}
    for index, row in enumerate(table[:10]):
        keys = {_header_key(c) for c in row}
        if all(keys & names for names in wanted.values()):
            return index
    return 0


def _locate_columns(header: list[str], mapping: ExportMapping, header_row: int) -> tuple[dict[str, int], list[ImportProblem]]:
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for name, synonyms in HEADERS.items():
        wanted = [mapping.columns[name]] if name in mapping.columns else list(synonyms)
        index = next((keys.index(_header_key(w)) for w in wanted if _header_key(w) in keys), None)
        if index is not None:
            found[name] = index
        elif name in mapping.columns:
            problems.append(ImportProblem(header_row, None,
                                          f"映射文件里的{FIELD_NAMES[name][0]}列「{mapping.columns[name]}」在表头里找不到",
                                          f"the mapping's {FIELD_NAMES[name][1]} column '{mapping.columns[name]}' is not in the header"))
    for name in ("item_id", "name", "price"):
        if name not in found and name not in mapping.columns:
            zh, en = FIELD_NAMES[name]
            problems.append(ImportProblem(header_row, None,
                                          f"找不到{zh}列(认得的列名:{'、'.join(HEADERS[name])});其他表头请用映射文件指明",
                                          f"no {en} column (headers taken: {', '.join(HEADERS[name])}); "
                                          "name it in a mapping file"))
    if "attributes" not in found and not {"colour", "size"} <= set(found):
        problems.append(ImportProblem(header_row, None,
                                      "找不到颜色和尺码列,也没有销售属性列(如「颜色分类:黑色;尺码:L」)",
                                      "no colour and size columns, and no sale-attribute column "
                                      "(like '颜色分类:黑色;尺码:L')"))
    return found, problems


# --------------------------------------------------------------------------- values


def normal_size(text: str) -> str:
    """How the charts write a size: ＸＬ -> XL, 2XL -> XXL, 110cm / 110码 -> 110, 37码 -> 37."""
    size = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    size = re.sub(r"(?<=[0-9A-Z])(CM|码|号)$", "", size)
    match = re.fullmatch(r"([2-5])XL", size)
    return "X" * int(match[1]) + "L" if match else size


def _price(text: str) -> float | None:
    cleaned = re.sub(r"[¥￥元,，\s]", "", text)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return int(value) if value.is_integer() else round(value, 2)


def _stock(text: str) -> int | None:
    cleaned = re.sub(r"[,，\s件]", "", text)
    if not re.fullmatch(r"\d+(\.0+)?", cleaned):
        return None
    return int(float(cleaned))


_ITEM_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_SCIENTIFIC_RE = re.compile(r"\d(\.\d+)?E\+\d+", re.I)


def parse_attributes(text: str, names: Mapping[str, tuple[str, ...]] = ATTRIBUTE_NAMES) -> dict[str, list[str]]:
    """``颜色分类:黑色;尺码:L`` -> {"colour": ["黑色"], "size": ["L"]}. Pairs end at ; or ,
    (full width too); a piece without a name adds a value to the name before it
    (``颜色分类:黑色,白色;尺码:S,M``). Other attributes (套餐类型 ...) are left out."""
    lookup = {_header_key(n): key for key, values in names.items() for n in values}
    found: dict[str, list[str]] = {}
    current: str | None = None
    for piece in re.split(r"[;；,，\n|]", text):
        piece = piece.strip()
        if not piece:
            continue
        named = re.fullmatch(r"([^:：]*)[:：](.*)", piece)
        if named:
            current = lookup.get(_header_key(named[1]))
        value = named[2] if named else piece
        if current is not None and value.strip():
            found.setdefault(current, []).append(value.strip())
    return found


# --------------------------------------------------------------------------- the export


@dataclass
class _Listing:
    item_id: str
    row: int
    title: str
    codes: list[str] = field(default_factory=list)
    prices: list[float] = field(default_factory=list)
    category_text: str = ""
    stock: dict[str, bool] = field(default_factory=dict)  # colour key -> any size in stock
    colour_names: dict[str, str] = field(default_factory=dict)  # colour key -> as written first
    sizes: dict[str, int] = field(default_factory=dict)  # size -> first row
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (colour key, size) -> row


def _item_code(codes: list[str]) -> str:
    """The item's merchant code: shared by its rows, or their common start when each SKU
    has its own (TX3012-BK-L, TX3012-WT-M -> TX3012)."""
    codes = [c for c in codes if c]
    if not codes:
        return ""
    prefix = os.path.commonprefix(codes).rstrip("-_/ .")
    return prefix if len(prefix) >= 2 else codes[0]


def read_export(
    path: str | os.PathLike, sizing: Sizing, mapping: ExportMapping | None = None, words: Iterable[str] = (),
) -> Export:
    """The export's items, checked against the shop's size charts. ``words``: the shop
    vocabulary, so jieba keeps the shop's words whole when it makes aliases. Raises
    :class:`CatalogueImportError` naming every bad row and column."""
    mapping = mapping or ExportMapping()
    table = read_table(path, mapping)
    header_index = _find_header(table, mapping)
    if header_index >= len(table):
        raise CatalogueImportError([ImportProblem(None, None, "表里没有内容", "the export is empty")])
    header = table[header_index]
    found, problems = _locate_columns(header, mapping, header_index + 1)
    if problems:
        raise CatalogueImportError(problems)
    columns = {name: f"{header[i]} ({column_letter(i)})" for name, i in found.items()}

    def cell(row: list[str], name: str) -> str:
        index = found.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    listings: dict[str, _Listing] = {}
    count = 0
    for offset, row in enumerate(table[header_index + 1:]):
        number = header_index + 2 + offset
        if not any(c.strip() for c in row):
            continue
        count += 1

        def bad(name: str, zh: str, en: str) -> None:
            problems.append(ImportProblem(number, columns.get(name), zh, en))

        item_id, title = cell(row, "item_id"), cell(row, "name")
        if not item_id:
            bad("item_id", "宝贝ID是空的", "the item id is missing")
        elif _SCIENTIFIC_RE.fullmatch(item_id):
            bad("item_id", f"宝贝ID「{item_id}」被改成了科学计数法(Excel 打开后另存会这样);请用平台导出的原文件",
                f"the item id '{item_id}' was turned into scientific notation (saved from Excel); "
                "use the file as the platform exported it")
        elif not _ITEM_ID_RE.fullmatch(item_id):
            bad("item_id", f"宝贝ID「{item_id}」只能是字母和数字", f"the item id '{item_id}' should be letters and digits")
        if not title:
            bad("name", "标题是空的", "the title is missing")
        price_text = cell(row, "price")
        price = _price(price_text)
        if not price_text:
            bad("price", "价格是空的", "the price is missing")
        elif price is None:
            bad("price", f"价格「{price_text}」不是数字", f"the price '{price_text}' is not a number")
        elif price <= 0:
            bad("price", f"价格 {price_text} 要大于 0", f"the price {price_text} must be more than 0")
        stock = 1  # an export without a stock column: all in stock
        if "stock" in found:
            stock_text = cell(row, "stock")
            stock = _stock(stock_text)
            if stock is None:
                bad("stock", f"库存「{stock_text}」不是整数", f"the stock '{stock_text}' is not a whole number")

        if "colour" in found and "size" in found:
            colours, sizes = [cell(row, "colour")], [cell(row, "size")]
            colour_col = size_col = None
        else:
            attrs = parse_attributes(cell(row, "attributes"), mapping.attribute_names)
            colours, sizes = attrs.get("colour", []), attrs.get("size", [])
            colour_col = size_col = "attributes"
        colours = [c for c in colours if c]
        sizes = [normal_size(s) for s in sizes if s]
        if not colours:
            bad(colour_col or "colour", "没有颜色", "no colour")
        if not sizes:
            bad(size_col or "size", "没有尺码", "no size")
        if not item_id or not title:
            continue

        listing = listings.setdefault(item_id, _Listing(item_id, number, title))
        listing.codes.append(cell(row, "code"))
        listing.category_text = listing.category_text or cell(row, "category")
        if price is not None and price > 0:
            listing.prices.append(price)
        for colour in colours:
            key = colour_key(colour)
            listing.colour_names.setdefault(key, colour)
            listing.stock[key] = listing.stock.get(key, False) or bool(stock)
            for size in sizes:
                listing.sizes.setdefault(size, number)
                first = listing.seen.setdefault((key, size), number)
                if first != number:
                    bad(size_col or "size", f"{colour} {size} 在第{first}行已经有了", f"{colour} {size} is already on row {first}")

    items = _build_items(listings, sizing, mapping, columns, problems, words)
    if problems:
        raise CatalogueImportError(sorted(problems, key=lambda p: (p.row or 0)))
    return Export(items, MappingProxyType(columns), count)


def _build_items(
    listings: dict[str, _Listing], sizing: Sizing, mapping: ExportMapping, columns: dict[str, str],
    problems: list[ImportProblem], words: Iterable[str],
) -> tuple[ImportedItem, ...]:
    def bad(row: int, name: str, zh: str, en: str) -> None:
        problems.append(ImportProblem(row, columns.get(name), zh, en))

    tokenizer = title_tokenizer(tuple(sorted(set(words)))) if listings else None
    items: list[ImportedItem] = []
    codes: dict[str, _Listing] = {}
    names: dict[str, _Listing] = {}
    for listing in listings.values():
        name = clean_title(listing.title) or listing.title
        sku = _item_code(listing.codes) or listing.item_id
        first = codes.setdefault(sku.casefold(), listing)
        if first is not listing:
            bad(listing.row, "code", f"商家编码 {sku} 和第{first.row}行的宝贝 {first.item_id} 重复了",
                f"merchant code {sku} is also item {first.item_id}'s (row {first.row})")
        twin = names.setdefault(name.casefold(), listing)
        if twin is not listing:
            bad(listing.row, "name", f"标题和第{twin.row}行的宝贝 {twin.item_id} 一样,买家分不清",
                f"the same title as item {twin.item_id} (row {twin.row}); buyers could not tell them apart")
        category = category_of(listing.category_text) or category_of(listing.title)
        if category is None:
            kinds = "、".join(c.label for c in CATEGORIES)
            bad(listing.row, "name", f"标题里看不出是哪一类({kinds});请在标题里写上,或在映射文件里指定类目列",
                "the title names no category we know (tops, trousers, dresses, outerwear, children's, shoes); "
                "add one, or map a category column")
            continue
        wanted = (mapping.charts[category.key],) if category.key in mapping.charts else category.charts
        chart = next((sizing.charts[c] for c in wanted if c in sizing.charts), None)
        if chart is None:
            bad(listing.row, "name", f"sizing.yml 没有{category.label}的尺码表({' 或 '.join(wanted)})",
                f"sizing.yml has no chart for {category.key} ({' or '.join(wanted)})")
            continue
        size_column = "size" if "size" in columns else "attributes"
        for size, row in listing.sizes.items():
            if size not in chart.sizes:
                bad(row, size_column, f"尺码 {size} 不在{category.label}的尺码表「{chart.title}」里({'、'.join(chart.sizes)})",
                    f"size {size} is not in the {category.key} chart '{chart.name}' ({', '.join(chart.sizes)})")
        if not listing.prices:
            continue
        items.append(ImportedItem(
            item_id=listing.item_id,
            sku=sku,
            name=name,
            category=category.label,
            size_chart=chart.name,
            price=min(listing.prices),
            colours=tuple(Colour(listing.colour_names[k], listing.stock[k]) for k in listing.colour_names),
            sizes=tuple(s for s in chart.sizes if s in listing.sizes),
            aliases=tuple(title_phrases(name, tokenizer)),
            row=listing.row,
        ))
    return _unique_aliases(items)


def _unique_aliases(items: Sequence[ImportedItem]) -> tuple[ImportedItem, ...]:
    """Keep only the phrases one listing has: a phrase two items share names neither."""
    owners: dict[str, set[str]] = {}
    for item in items:
        for term in (item.name, *item.aliases):
            owners.setdefault(term.casefold(), set()).add(item.item_id)
    return tuple(
        replace(item, aliases=tuple(a for a in item.aliases if len(owners[a.casefold()]) == 1)) for item in items
    )
