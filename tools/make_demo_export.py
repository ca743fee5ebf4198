"""Write a realistic product export of a clothing shop, for tests, demos and benchmarks.

    python -m tools.make_demo_export                   # 300 items -> shop/demo_exports/
    python -m tools.make_demo_export --items 3000 --out /tmp/bench   # the benchmark size
    python -m tools.make_demo_export --attributes      # also the sale-attribute shape

Made the way Taobao's seller centre exports listings: one row per SKU (colour x size)
with the Chinese headers 宝贝ID, 宝贝名称, 商家编码, SKU ID, SKU商家编码, 颜色分类, 尺码,
价格, 库存, 宝贝状态, as CSV (UTF-8 with BOM, as Excel opens it) and .xlsx. With
``--attributes`` also the 千牛 shape, one sale-attribute cell per row
(``颜色分类:黑色;尺码:L``, a few written ``颜色分类:黑色,尺码:L``).

Items spread over tops, trousers, dresses, outerwear, children's and shoes, with titles
as shops write them (keyword-stuffed, 2024新款, 包邮 ...), colours and sizes per category
(S-XXL, children's 90-160 by height, shoes 35-44), prices, and stock with some colours
and a few items sold out. Deterministic: the same seed and count give the same rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xiaoer.shop.catalogue_words import clean_title  # noqa: E402

SKU_HEADER = ["宝贝ID", "宝贝名称", "商家编码", "SKU ID", "SKU商家编码", "颜色分类", "尺码", "价格", "库存", "宝贝状态"]
ATTRIBUTE_HEADER = ["商品ID", "商品标题", "货号", "销售属性", "售价", "可售库存"]
LETTERS = ["S", "M", "L", "XL", "XXL"]


@dataclass(frozen=True)
class Kind:
    key: str
    code: str  # merchant code prefix
    share: float  # of the items
    products: tuple[str, ...]
    modifiers: tuple[str, ...]
    extras: tuple[str, ...]
    colours: tuple[str, ...]
    prices: tuple[int, int]


KINDS = (
    Kind("tops", "TX", 0.24,
         ("T恤", "短袖T恤", "长袖T恤", "衬衫", "卫衣", "连帽卫衣", "针织衫", "打底衫", "POLO衫", "毛衣"),
         ("纯棉", "重磅", "宽松", "修身", "圆领", "V领", "条纹", "印花", "纯色", "复古", "法式", "简约", "落肩", "小香风"),
         ("百搭上衣", "学生", "情侣装", "打底", "通勤", "大码", "ins", "韩版"),
         ("白色", "黑色", "灰色", "杏色", "浅蓝", "藏青", "粉色", "燕麦色", "雾霾蓝", "牛油果绿"), (39, 159)),
    Kind("trousers", "KZ", 0.2,
         ("牛仔裤", "阔腿裤", "直筒裤", "休闲裤", "西装裤", "工装裤", "运动裤", "烟管裤", "哈伦裤", "微喇裤"),
         ("高腰", "直筒", "宽松", "垂感", "显瘦", "九分", "加绒", "束脚", "冰丝", "弹力", "复古", "水洗"),
         ("拖地裤子", "小个子", "梨形身材", "春秋", "长裤", "百搭"),
         ("浅蓝", "深蓝", "黑色", "灰色", "卡其", "米白", "烟灰"), (69, 199)),
    Kind("dresses", "QZ", 0.16,
         ("连衣裙", "半身裙", "吊带裙", "衬衫裙", "针织裙", "百褶裙", "A字裙", "长裙"),
         ("碎花", "雪纺", "法式", "收腰", "桔梗", "方领", "泡泡袖", "荷叶边", "复古", "气质", "显瘦", "开叉"),
         ("小个子", "仙女裙", "度假", "通勤", "夏季", "温柔风"),
         ("黑色", "米白", "雾蓝", "酒红", "豆绿", "杏色", "蓝色碎花"), (99, 329)),
    Kind("outerwear", "WT", 0.16,
         ("外套", "羽绒服", "大衣", "风衣", "夹克", "棉服", "西装外套", "牛仔外套", "冲锋衣"),
         ("短款", "长款", "加厚", "连帽", "双面呢", "白鸭绒", "宽松", "廊形", "工装", "小个子", "收腰", "立领"),
         ("秋冬", "保暖", "面包服", "通勤", "百搭", "oversize"),
         ("黑色", "卡其", "驼色", "米白", "藏青", "军绿", "燕麦色"), (159, 899)),
    Kind("children", "TZ", 0.12,
         ("卫衣", "T恤", "牛仔裤", "连衣裙", "外套", "羽绒服", "运动套装", "打底裤"),
         ("加绒", "纯棉", "卡通", "连帽", "洋气", "宽松", "印花", "条纹"),
         ("中大童", "宝宝", "小童", "春秋款", "亲子装"),
         ("红色", "蓝色", "粉色", "黄色", "灰色", "藏青", "白色"), (49, 199)),
    Kind("shoes", "XZ", 0.12,
         ("小白鞋", "帆布鞋", "运动鞋", "老爹鞋", "乐福鞋", "板鞋", "马丁靴", "切尔西靴", "单鞋", "凉鞋"),
         ("厚底", "真皮", "软底", "透气", "增高", "防滑", "复古", "轻便", "百搭", "平底"),
         ("休闲鞋", "学生", "春季", "秋冬", "网面", "一脚蹬"),
         ("白色", "黑色", "白绿", "米色", "棕色", "白粉", "灰色"), (89, 399)),
)
SEASONS = ("春秋", "夏季", "秋冬", "春夏", "四季")
MARKETING = ("2024新款", "2024秋冬新款", "新款", "爆款", "包邮", "【官方正品】", "现货速发", "网红同款", "")


@dataclass(frozen=True)
class Sku:
    colour: str
    size: str  # as the shop writes it: 2XL, 110cm, 37
    price: float
    stock: int


@dataclass(frozen=True)
class Listing:
    item_id: str
    code: str
    title: str
    kind: str
    skus: tuple[Sku, ...]


def _title(rng: random.Random, kind: Kind) -> str:
    product = rng.choice(kind.products)
    modifiers = [m for m in kind.modifiers if m not in product]  # no 直筒直筒裤
    mods = "".join(rng.sample(modifiers, rng.choice((1, 2, 2, 3))))
    season = rng.choice(SEASONS)
    extra = "".join(rng.sample([e for e in kind.extras if e != season], 2))
    marketing = rng.choice(MARKETING)
    if kind.key == "children":
        who = rng.choice(("男童", "女童", "儿童"))
        return f"童装{who}{mods}{product}{season}{marketing}{extra}"
    who = rng.choice(("女", "女", "男")) if kind.key in ("tops", "trousers", "outerwear", "shoes") else "女"
    return f"{marketing}{mods}{product}{who}{season}{extra}"


def _sizes(rng: random.Random, kind: Kind, title: str) -> list[str]:
    if kind.key == "children":
        heights = [str(h) for h in range(90, 170, 10)]
        start = rng.randrange(0, 4)
        run = heights[start:start + rng.choice((4, 5, 5))]
        return [f"{h}cm" for h in run] if rng.random() < 0.6 else run
    if kind.key == "shoes":
        low = 39 if title.find("男") >= 0 else 35
        return [str(s) for s in range(low, low + 6)]
    letters = LETTERS[:4] if kind.key == "dresses" else LETTERS
    start = rng.choice((0, 0, 1))
    run = letters[start:start + rng.choice((3, 4, 4, 5))]
    big = "2XL" if rng.random() < 0.4 else "XXL"  # many shops write 2XL
    return [big if s == "XXL" else s for s in run]


def demo_listings(count: int = 300, seed: int = 19) -> list[Listing]:
    """``count`` listings across the categories, the same for the same seed."""
    rng = random.Random(seed)
    listings: list[Listing] = []
    titles: set[str] = set()
    ids: set[str] = set()
    codes: set[str] = set()
    weights = [k.share for k in KINDS]
    while len(listings) < count:
        kind = rng.choices(KINDS, weights)[0]
        title = _title(rng, kind)
        if clean_title(title).casefold() in titles:
            continue  # shops do not list the same title twice
        item_id = f"{rng.choice('67')}{rng.randrange(10**10, 10**11)}"
        code = f"{kind.code}-{rng.randrange(1000, 10000)}"
        if item_id in ids or code in codes:
            continue
        titles.add(clean_title(title).casefold())
        ids.add(item_id)
        codes.add(code)
        price = rng.randrange(*kind.prices) + rng.choice((0, 0.9, 0.9))
        colours = rng.sample(kind.colours, rng.choice((1, 2, 3, 3, 4)))
        sizes = _sizes(rng, kind, title)
        sold_out_item = rng.random() < 0.03
        skus = []
        for colour in colours:
            sold_out_colour = sold_out_item or rng.random() < 0.08
            for size in sizes:
                stock = 0 if sold_out_colour or rng.random() < 0.12 else rng.randrange(1, 300)
                dearer = 10 if size in ("2XL", "XXL") and rng.random() < 0.3 else 0  # bigger sizes cost more
                skus.append(Sku(colour, size, round(price + dearer, 2), stock))
        listings.append(Listing(item_id, code, title, kind.key, tuple(skus)))
    return listings


def _money(value: float) -> str:
    return f"{value:.2f}"


def sku_rows(listings: list[Listing]) -> list[list[object]]:
    """The one-row-per-SKU table (SKU_HEADER), as the seller centre exports it."""
    rows: list[list[object]] = []
    for listing in listings:
        for n, sku in enumerate(listing.skus):
            rows.append([listing.item_id, listing.title, listing.code, f"{listing.item_id[-6:]}{n:03d}",
                         f"{listing.code}-{n + 1:02d}", sku.colour, sku.size, _money(sku.price), sku.stock,
                         "出售中"])
    return rows


def attribute_rows(listings: list[Listing]) -> list[list[object]]:
    """The sale-attribute table (ATTRIBUTE_HEADER): colour and size in one cell."""
    rows: list[list[object]] = []
    for listing in listings:
        size_name = {"children": "参考身高", "shoes": "鞋码"}.get(listing.kind, "尺码")
        for n, sku in enumerate(listing.skus):
            joint = "," if n % 5 == 4 else ";"
            rows.append([listing.item_id, listing.title, listing.code,
                         f"颜色分类:{sku.colour}{joint}{size_name}:{sku.size}", _money(sku.price), sku.stock])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], sheet: str = "宝贝列表") -> None:
    """Numbers as numbers (price, stock), ids and codes as text, as the platform writes them."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        ws.append([float(v) if h in ("价格", "售价") else v for h, v in zip(header, row)])
    packed = io.BytesIO()
    book.save(packed)
    path.write_bytes(_without_dates(packed.getvalue()))


def _without_dates(xlsx: bytes) -> bytes:
    """The same workbook with fixed save times (its properties and its zip entries), so the
    same rows give the same bytes and a regenerated file shows no change in git."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300, help="how many listings (default 300; 3000 for benchmarks)")
    parser.add_argument("--seed", type=int, default=19, help="the random seed (default 19)")
    parser.add_argument("--out", default=str(ROOT / "shop" / "demo_exports"), help="the folder to write to")
    parser.add_argument("--attributes", action="store_true", help="also write the sale-attribute shape")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    listings = demo_listings(args.items, args.seed)
    stem = f"taobao-{args.items}"
    rows = sku_rows(listings)
    write_csv(out / f"{stem}.csv", SKU_HEADER, rows)
    write_xlsx(out / f"{stem}.xlsx", SKU_HEADER, rows)
    written = [f"{stem}.csv", f"{stem}.xlsx"]
    if args.attributes:
        write_csv(out / f"{stem}-attributes.csv", ATTRIBUTE_HEADER, attribute_rows(listings))
        written.append(f"{stem}-attributes.csv")
    print(f"{len(listings)} items, {len(rows)} SKU rows -> {out}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
