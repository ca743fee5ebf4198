"""Importing a shop's product export: what the owner sees in catalog.yml and from the loader.

Every import here goes into a copy of the demo shop in a temporary folder; the committed
shop/catalog.yml (the 4-item shop the model is trained on) is never touched."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from tools.import_catalogue import import_catalogue, main
from tools.make_demo_export import (
    ATTRIBUTE_HEADER,
    SKU_HEADER,
    attribute_rows,
    demo_listings,
    sku_rows,
    write_csv,
    write_xlsx,
)
from xiaoer.shop import ShopConfigError, load_shop
from xiaoer.shop.catalogue_import import (
    CatalogueImportError,
    ExportMapping,
    normal_size,
    parse_attributes,
    read_export,
    read_mapping,
)
from xiaoer.shop.catalogue_merge import merge_catalogue
from xiaoer.shop.catalogue_words import clean_title
from xiaoer.shop.model import default_floor

REPO = Path(__file__).resolve().parents[2]
DEMO_SKUS = ("JN-2801", "DR-1066", "TS-0520", "SET-01")


@pytest.fixture(scope="module")
def sizing():
    return load_shop(REPO / "shop").sizing


@pytest.fixture
def shop_dir(tmp_path) -> Path:
    """A copy of the demo shop's files."""
    folder = tmp_path / "shop"
    folder.mkdir()
    for path in (REPO / "shop").glob("*.yml"):
        shutil.copy(path, folder)
    return folder


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding=encoding)
    return path


def entries(folder: Path) -> dict[str, dict]:
    """catalog.yml's items by sku, as plain YAML."""
    data = yaml.safe_load((folder / "catalog.yml").read_text(encoding="utf-8"))
    return {str(e["sku"]): e for e in data["items"]}


SMALL = """
    宝贝ID,宝贝名称,商家编码,颜色分类,尺码,价格,库存
    600000000001,2024新款高腰阔腿牛仔裤女宽松显瘦爆款包邮,KZ-1001,黑色,S,139.00,5
    600000000001,2024新款高腰阔腿牛仔裤女宽松显瘦爆款包邮,KZ-1001,黑色,M,139.00,0
    600000000001,2024新款高腰阔腿牛仔裤女宽松显瘦爆款包邮,KZ-1001,浅蓝,S,139.00,0
    600000000001,2024新款高腰阔腿牛仔裤女宽松显瘦爆款包邮,KZ-1001,浅蓝,2XL,149.00,0
    600000000002,童装男童加绒卫衣儿童上衣【现货速发】,TZ-2001,红色,110cm,89,3
    600000000002,童装男童加绒卫衣儿童上衣【现货速发】,TZ-2001,红色,120cm,89,3
    600000000003,真皮厚底小白鞋女,XZ-3001,白色,37码,199,1
    """


# --------------------------------------------------------------------------- reading exports


def test_a_taobao_export_becomes_items_with_stock_per_colour_and_a_chart_per_category(tmp_path, sizing):
    export = read_export(write(tmp_path / "small.csv", SMALL), sizing)
    jeans, hoodie, shoes = export.items
    assert (jeans.item_id, jeans.sku, jeans.name) == ("600000000001", "KZ-1001", "高腰阔腿牛仔裤女宽松显瘦")
    assert [(c.name, c.in_stock) for c in jeans.colours] == [("黑色", True), ("浅蓝", False)]  # 浅蓝 has no stock
    assert jeans.sizes == ("S", "M", "XXL")  # 2XL as the chart writes it, in the chart's order
    assert (jeans.price, jeans.category, jeans.size_chart) == (139, "裤装", "jeans")  # the lowest SKU price
    assert "阔腿牛仔裤" in jeans.aliases and "牛仔裤" not in jeans.aliases  # a bare 牛仔裤 names thirty items
    assert (hoodie.category, hoodie.size_chart, hoodie.sizes) == ("童装", "children", ("110", "120"))
    assert hoodie.name == "童装男童加绒卫衣儿童上衣"  # 【现货速发】 is selling, not naming
    assert (shoes.category, shoes.size_chart, shoes.sizes, shoes.price) == ("鞋靴", "shoes", ("37",), 199)
    assert export.rows == 7


def test_titles_sizes_and_sale_attributes_are_read_as_shops_write_them():
    assert clean_title("2024秋冬新款 加厚羽绒服女 爆款 包邮") == "秋冬 加厚羽绒服女"
    assert [normal_size(s) for s in ("ｘｌ", "2XL", "3xl", "110cm", "37码", "均码")] == ["XL", "XXL", "XXXL", "110", "37", "均码"]
    for cell in ("颜色分类:黑色;尺码:L", "颜色分类:黑色,尺码:L", "颜色分类：黑色；尺码：L", "颜色分类:黑色;套餐类型:官方标配;尺码:L"):
        assert parse_attributes(cell) == {"colour": ["黑色"], "size": ["L"]}, cell
    assert parse_attributes("颜色分类:黑色,白色;尺码:S,M") == {"colour": ["黑色", "白色"], "size": ["S", "M"]}


def test_both_shapes_a_mapping_file_gbk_bom_and_xlsx_give_the_same_items(tmp_path, sizing):
    listings = demo_listings(40, seed=5)
    rows = sku_rows(listings)
    expected = read_export(_csv(tmp_path / "utf8.csv", SKU_HEADER, rows, "utf-8"), sizing).items
    assert {i.size_chart for i in expected} == {"tee", "jeans", "dress", "outerwear", "children", "shoes"}

    bom = _csv(tmp_path / "bom.csv", SKU_HEADER, rows, "utf-8-sig")
    gbk = _csv(tmp_path / "gbk.csv", SKU_HEADER, rows, "gbk")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    xlsx = tmp_path / "export.xlsx"
    write_xlsx(xlsx, SKU_HEADER, rows)
    attrs = _csv(tmp_path / "attributes.csv", ATTRIBUTE_HEADER, attribute_rows(listings), "utf-8-sig")
    assert any(",尺码:" in line for line in attrs.read_text(encoding="utf-8-sig").splitlines())  # both separators

    # a shape no synonym knows: a note above the headers, other names, described by a mapping file
    other = tmp_path / "jd.csv"
    other.write_text("京东商品导出 2024-05-01\n" + "\n".join(
        ",".join(map(str, (r[0], r[1], r[2], r[5], r[6], r[7], r[8])))
        for r in [["SPU编号", "商品全称", "外部编码", "", "", "规格一", "规格二", "京东价", "可用库存"], *rows]
    ), encoding="utf-8")
    mapping = write(tmp_path / "jd.yml", """
        # 京东导出:哪一列是哪个字段
        header_row: 2
        columns:
          item_id: SPU编号
          name: 商品全称
          code: 外部编码
          colour: 规格一
          size: 规格二
          price: 京东价
          stock: 可用库存
        """)
    for path, rules in ((bom, None), (gbk, None), (xlsx, None), (attrs, None), (other, read_mapping(mapping))):
        assert _rowless(read_export(path, sizing, rules).items) == _rowless(expected), path.name


def _rowless(items):  # the mapped file has a note above its headers: its rows are one lower
    return [replace(i, row=0) for i in items]


def _csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> Path:
    write_csv(path, header, rows, encoding)
    return path


def test_a_note_above_the_headers_is_skipped_and_rows_keep_the_sheets_numbers(tmp_path, sizing):
    export = write(tmp_path / "noted.csv", "宝贝导出 2024-05-01 共3件\n" + textwrap.dedent(SMALL).lstrip("\n"))
    assert [i.row for i in read_export(export, sizing).items] == [3, 7, 9]


def test_a_mapping_file_with_a_mistake_names_its_line(tmp_path):
    path = write(tmp_path / "map.yml", """
        columns:
          item_id: 商品编号
          prise: 单价
        """)
    with pytest.raises(CatalogueImportError) as caught:
        read_mapping(path)
    assert f"{path} line 3: unknown setting 'prise' (did you mean 'price'?)" in str(caught.value)


# --------------------------------------------------------------------------- bad rows

BROKEN = """
    宝贝ID,宝贝名称,商家编码,颜色分类,尺码,价格,库存
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,S,139,5
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,M,一百三,5
    600000000002,纯棉短袖T恤女,KZ-1001,白色,M,59,5
    600000000003,直筒西装裤女,KZ-3001,黑色,3XL,129,5
    ,无ID的衬衫,TX-4001,白色,M,59,5
    600000000005,,TX-5001,白色,M,59,5
    600000000006,真丝围巾,PJ-6001,红色,均码,99,5
    600000000007,法式碎花连衣裙,QZ-7001,米白,M,169,两件
    6.00000000008E+11,宽松卫衣,TX-8001,灰色,L,89,5
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,S,139,5
    """


def test_a_broken_export_names_every_bad_row_and_column_and_changes_nothing(tmp_path, shop_dir, capsys):
    before = (shop_dir / "catalog.yml").read_bytes()
    export = write(tmp_path / "broken.csv", BROKEN)
    assert main([str(export), "--shop", str(shop_dir)]) == 2
    err = capsys.readouterr().err
    assert f"Nothing imported; {shop_dir / 'catalog.yml'} is unchanged" in err
    for expected in (
        "第3行 价格 (F): 价格「一百三」不是数字 / row 3, column 价格 (F): the price '一百三' is not a number",
        "row 4, column 商家编码 (C): merchant code KZ-1001 is also item 600000000001's (row 2)",
        "第4行 商家编码 (C): 商家编码 KZ-1001 和第2行的宝贝 600000000001 重复了",
        "row 5, column 尺码 (E): size XXXL is not in the trousers chart 'jeans' (S, M, L, XL, XXL)",
        "row 6, column 宝贝ID (A): the item id is missing",
        "row 7, column 宝贝名称 (B): the title is missing",
        "row 8, column 宝贝名称 (B): the title names no category we know",
        "row 9, column 库存 (G): the stock '两件' is not a whole number",
        "row 10, column 宝贝ID (A): the item id '6.00000000008E+11' was turned into scientific notation",
        "row 11, column 尺码 (E): 黑色 S is already on row 2",
    ):
        assert expected in err, expected
    assert (shop_dir / "catalog.yml").read_bytes() == before
    assert not (shop_dir / "backups").exists()


def test_a_category_without_a_chart_in_sizing_yml_is_reported(tmp_path, sizing):
    export = write(tmp_path / "shoes.csv", SMALL)
    rules = ExportMapping(charts={"shoes": "sneakers"})
    with pytest.raises(CatalogueImportError) as caught:
        read_export(export, sizing, rules)
    assert str(caught.value) == (
        "第8行 宝贝名称 (B): sizing.yml 没有鞋靴的尺码表(sneakers) / "
        "row 8, column 宝贝名称 (B): sizing.yml has no chart for shoes (sneakers)")


def test_an_old_xls_file_is_refused_with_how_to_save_it(tmp_path, sizing):
    old = tmp_path / "宝贝.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # the old binary format's header
    with pytest.raises(CatalogueImportError, match="save it as .xlsx or CSV"):
        read_export(old, sizing)


def test_an_export_without_a_price_column_says_which_names_it_takes(tmp_path, sizing):
    export = write(tmp_path / "no-price.csv", "宝贝ID,宝贝名称,颜色分类,尺码\n1,牛仔裤,黑色,S\n")
    with pytest.raises(CatalogueImportError) as caught:
        read_export(export, sizing)
    assert "no price column (headers taken: 价格, 售价, 一口价, 销售价); name it in a mapping file" in str(caught.value)


# --------------------------------------------------------------------------- merging


V1 = """
    宝贝ID,宝贝名称,商家编码,颜色分类,尺码,价格,库存
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,S,139,5
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,M,139,5
    600000000001,高腰阔腿牛仔裤女,KZ-1001,浅蓝,M,139,5
    600000000002,重磅纯棉圆领T恤女,TX-2001,白色,M,69,5
    600000000003,加厚短款羽绒服女,WT-3001,黑色,L,499,5
    """
V2 = """
    宝贝ID,宝贝名称,商家编码,颜色分类,尺码,价格,库存
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,S,129,0
    600000000001,高腰阔腿牛仔裤女,KZ-1001,黑色,M,129,0
    600000000001,高腰阔腿牛仔裤女,KZ-1001,浅蓝,M,129,5
    600000000001,高腰阔腿牛仔裤女,KZ-1001,浅蓝,L,129,5
    600000000003,加厚短款羽绒服女,WT-3001,黑色,L,499,5
    600000000004,法式碎花雪纺连衣裙女,QZ-4001,米白,S,169,5
    """


def test_a_newer_export_updates_by_item_id_keeps_what_people_added_and_retires_the_rest(tmp_path, shop_dir):
    original = (shop_dir / "catalog.yml").read_text(encoding="utf-8")
    first = import_catalogue(write(tmp_path / "v1.csv", V1), shop_dir)
    assert (len(first.merge.added), first.merge.updated, first.merge.retired) == (3, (), ())
    assert first.backup.read_text(encoding="utf-8") == original
    jeans = load_shop(shop_dir).item("KZ-1001")
    assert (jeans.price, jeans.floor) == (139, 119)  # 0.85 of 139 = 118.15, rounded up

    # people add to the jeans: facts, their own floor, an alias, a picture, a page, a similar item
    text = (shop_dir / "catalog.yml").read_text(encoding="utf-8")
    text = text.replace("    category: 裤装\n    price: 139\n", textwrap.indent(textwrap.dedent("""\
        category: 裤装
        price: 139
        floor: 110
        image: /static/products/kz-1001.jpg
        url: https://item.taobao.com/item.htm?id=600000000001
        similar: [WT-3001]
        facts:
          fabric: 98%棉、2%氨纶
        """), "    "), 1)
    text = text.replace("aliases: [阔腿牛仔裤", "aliases: [阔腿裤子, 阔腿牛仔裤", 1)
    (shop_dir / "catalog.yml").write_text(text, encoding="utf-8")

    second = import_catalogue(write(tmp_path / "v2.csv", V2), shop_dir)
    m = second.merge
    assert (m.added, m.updated, m.unchanged, m.retired) == (("QZ-4001",), ("KZ-1001",), 1, ("TX-2001",))
    shop = load_shop(shop_dir)
    jeans = shop.item("KZ-1001")
    assert (jeans.price, jeans.floor) == (129, 110)  # the export's price, the owner's floor
    assert [(c.name, c.in_stock) for c in jeans.colours] == [("黑色", False), ("浅蓝", True)]
    assert jeans.sizes == ("S", "M", "L")
    assert "阔腿裤子" in jeans.aliases and jeans.facts == {"fabric": "98%棉、2%氨纶"}
    assert (jeans.image, jeans.url, jeans.similar) == (
        "/static/products/kz-1001.jpg", "https://item.taobao.com/item.htm?id=600000000001", ("WT-3001",))
    # the tee is no longer listed: kept with its words, never offered
    assert shop.item("TX-2001") is None
    assert getattr(shop.find_item("重磅纯棉圆领T恤女"), "sku", None) != "TX-2001"
    assert [i.sku for i in shop.retired_items] == ["TX-2001"]
    assert entries(shop_dir)["TX-2001"]["retired"] is True
    # the four hand-written items are exactly as they were, comments and all
    assert (shop_dir / "catalog.yml").read_text(encoding="utf-8").startswith(original.rstrip("\n"))
    assert all(shop.item(sku) is not None for sku in DEMO_SKUS)

    # listed again: it comes back as it was
    third = import_catalogue(write(tmp_path / "v3.csv", V1), shop_dir)
    assert third.merge.relisted == ("TX-2001",)
    shop = load_shop(shop_dir)
    assert shop.item("TX-2001") is not None and [i.sku for i in shop.retired_items] == ["QZ-4001"]


def test_a_price_below_a_floor_set_by_hand_is_refused_with_its_row(tmp_path, shop_dir):
    import_catalogue(write(tmp_path / "v1.csv", V1), shop_dir)
    text = (shop_dir / "catalog.yml").read_text(encoding="utf-8")
    (shop_dir / "catalog.yml").write_text(text.replace("price: 499\n", "price: 499\n    floor: 450\n"), encoding="utf-8")
    before = (shop_dir / "catalog.yml").read_bytes()
    cheaper = write(tmp_path / "sale.csv", V1.replace(",499,", ",399,"))
    with pytest.raises(CatalogueImportError) as caught:
        import_catalogue(cheaper, shop_dir)
    assert "row 6, column 价格 (F): the new price 399 is below the floor 450 set by hand" in str(caught.value)
    assert (shop_dir / "catalog.yml").read_bytes() == before


def test_a_merchant_code_or_title_of_a_hand_written_item_is_refused(tmp_path, shop_dir, sizing):
    clash = write(tmp_path / "clash.csv", """
        宝贝ID,宝贝名称,商家编码,颜色分类,尺码,价格,库存
        600000000001,高腰阔腿牛仔裤女,JN-2801,黑色,S,139,5
        600000000002,短袖T恤,TX-2001,白色,M,59,5
        """)
    catalog = (shop_dir / "catalog.yml").read_text(encoding="utf-8")
    with pytest.raises(CatalogueImportError) as caught:
        merge_catalogue(catalog, read_export(clash, sizing))
    assert str(caught.value).splitlines() == [
        "第2行 商家编码 (C): 商家编码 JN-2801 已经是目录里「高腰直筒牛仔裤」的货号 / "
        "row 2, column 商家编码 (C): merchant code JN-2801 is already the sku of '高腰直筒牛仔裤' in catalog.yml",
        "第3行 宝贝名称 (B): 标题「短袖T恤」已经是目录里商品 TS-0520 的名字或别名 / "
        "row 3, column 宝贝名称 (B): the title '短袖T恤' is already a name or alias of item TS-0520 in catalog.yml",
    ]


# --------------------------------------------------------------------------- the demo export


def test_the_committed_demo_export_is_what_the_script_makes(tmp_path):
    from tools.make_demo_export import main as make

    assert make(["--out", str(tmp_path)]) == 0
    for name in ("taobao-300.csv", "taobao-300.xlsx"):
        assert (tmp_path / name).read_bytes() == (REPO / "shop" / "demo_exports" / name).read_bytes(), name


def test_importing_the_300_item_demo_export_gives_a_shop_the_loader_accepts(tmp_path, shop_dir, capsys):
    assert main([str(REPO / "shop" / "demo_exports" / "taobao-300.csv"), "--shop", str(shop_dir)]) == 0
    out = capsys.readouterr().out
    assert "新增 added 300" in out and "run `make train` to rebuild it" in out
    shop = load_shop(shop_dir)
    assert len(shop.items) == 304 and all(shop.item(sku) for sku in DEMO_SKUS)
    imported = [i for i in shop.items if i.item_id]
    assert {i.category for i in imported} == {"上衣", "裤装", "裙装", "外套", "童装", "鞋靴"}
    assert all(i.floor == default_floor(i.price, 0.85) for i in imported)
    assert any(not c.in_stock for i in imported for c in i.colours)  # some colours sold out
    assert any(not i.in_stock() for i in imported)  # and a few items
    assert sum(bool(i.aliases) for i in imported) > 100

    # the xlsx of the same export says the same: importing it changes nothing
    again = import_catalogue(REPO / "shop" / "demo_exports" / "taobao-300.xlsx", shop_dir)
    assert (again.merge.unchanged, again.merge.added, again.merge.updated, again.backup) == (300, (), (), None)


# --------------------------------------------------------------------------- the loader's new fields


def test_default_floors_round_up_to_whole_yuan_and_never_pass_the_price():
    assert [default_floor(p, 0.85) for p in (139, 100, 59.9, 0.5)] == [119, 85, 51, 0.5]


@pytest.mark.parametrize("edit, problem", [
    (("default_floor_share: 0.85", "default_floor_share: 85"),
     "'default_floor_share' is 85; write the share of the price, e.g. 0.85 for 85%"),
    (("default_floor_share: 0.85", "default_floor_share: 0"), "'default_floor_share' is 0; it must be more than 0"),
])
def test_a_wrong_default_floor_share_is_reported(shop_dir, edit, problem):
    path = shop_dir / "bargaining.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    with pytest.raises(ShopConfigError) as caught:
        load_shop(shop_dir)
    assert problem in str(caught.value)


def test_without_a_default_share_every_item_still_needs_its_floor(shop_dir):
    path = shop_dir / "bargaining.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("default_floor_share: 0.85", ""), encoding="utf-8")
    catalog = shop_dir / "catalog.yml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("    floor: 52\n", ""), encoding="utf-8")
    with pytest.raises(ShopConfigError, match="item TS-0520: missing 'floor'"):
        load_shop(shop_dir)


@pytest.mark.parametrize("edit, problem", [
    (("  - sku: SET-01\n", "  - sku: SET-01\n    item_id: '1'\n", "  - sku: TS-0520\n", "  - sku: TS-0520\n    item_id: '1'\n"),
     "item_id 1 is used twice"),
    (("  - sku: TS-0520\n", "  - sku: TS-0520\n    item_id: '2'\n    retired: true\n"),
     "item SET-01: component TS-0520 is retired; a set cannot be sold without it"),
    (("    price: 59\n", "    price: 59\n    retired: 是\n"), "item TS-0520: 'retired' should be true or false"),
])
def test_broken_item_ids_and_retired_items_are_reported(shop_dir, edit, problem):
    catalog = shop_dir / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    for old, new in zip(edit[::2], edit[1::2]):
        text = text.replace(old, new, 1)
    catalog.write_text(text, encoding="utf-8")
    with pytest.raises(ShopConfigError) as caught:
        load_shop(shop_dir)
    assert problem in str(caught.value)


def test_a_chart_with_its_own_sizes_checks_them(shop_dir):
    path = shop_dir / "sizing.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("      160: {chest: 88", "      170: {chest: 88"),
                    encoding="utf-8")
    with pytest.raises(ShopConfigError) as caught:
        load_shop(shop_dir)
    assert "size 170 is not in this chart's body_sizes (90, 100, 110, 120, 130, 140, 150, 160)" in str(caught.value)


def test_the_childrens_and_shoe_charts_size_by_height_and_foot_length(sizing):
    children, shoes = sizing.charts["children"], sizing.charts["shoes"]
    assert (children.size_for_height(112), children.size_for_weight(20)) == ("110", "120")
    assert (shoes.ease_cm, shoes.size_for_measurement("foot_length", 23.2)) == (0, "37")
    assert sizing.charts["jeans"].sizes == ("S", "M", "L", "XL", "XXL")  # the shared table, as before
