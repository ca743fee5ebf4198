"""Table-driven tests for xiaoer.entities: Chinese numerals and every entity form."""

import pytest

from xiaoer.entities import chinese_number, extract_entities

# The demo shop (DESIGN.md), colours in both shapes the catalog may use.
CATALOG = {"items": [
    {"sku": "JN-2801", "name": "高腰直筒牛仔裤", "aliases": ["牛仔裤", "裤子", "直筒裤"],
     "colors": [{"name": "浅蓝", "in_stock": True}, {"name": "深蓝", "in_stock": True},
                {"name": "黑色", "in_stock": True}],
     "sizes": ["S", "M", "L", "XL", "XXL"]},
    {"sku": "DR-1066", "name": "碎花连衣裙", "aliases": ["连衣裙", "裙子"],
     "colors": ["米白", "雾蓝"], "sizes": ["S", "M", "L", "XL"]},
    {"sku": "TS-0520", "name": "纯棉短袖T恤", "aliases": ["T恤", "短袖", "体恤"],
     "colors": ["白", "黑", "灰", "粉"], "sizes": ["S", "M", "L", "XL", "XXL"]},
    {"sku": "SET-01", "name": "T恤+牛仔裤套餐", "aliases": ["套餐", "套装"]},
]}


def pairs(text, catalog=None):
    return [(e["entity"], e["value"]) for e in extract_entities(text, catalog)]


NUMBERS = [
    ("165", 165), ("1.65", 1.65), ("１６５", 165), ("一百一十", 110), ("一百二", 120),
    ("两百", 200), ("三十五", 35), ("十八", 18), ("二十八", 28), ("两千", 2000),
    ("零点五", 0.5), ("一千零五十", 1050), ("一百零五", 105), ("九十八", 98), ("十", 10),
    ("两千五", 2500), ("一万二", 12000), ("十万", 100000), ("一六五", 165), ("一点六五", 1.65),
    (" 55 ", 55),
]


@pytest.mark.parametrize("text,expected", NUMBERS)
def test_chinese_number(text, expected):
    assert chinese_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "你好", "两点", "万一", "一米六五", "点五", "abc", "十百"])
def test_chinese_number_rejects(text):
    assert chinese_number(text) is None


CASES = [
    # height
    ("165cm", [("height", 165)]),
    ("身高165", [("height", 165)]),
    ("一米六五", [("height", 165)]),
    ("1米65", [("height", 165)]),
    ("一米六", [("height", 160)]),
    ("1米6", [("height", 160)]),
    ("一米五八", [("height", 158)]),
    ("一米七", [("height", 170)]),
    ("一米七二", [("height", 172)]),
    ("1.65米", [("height", 165)]),
    ("1.65m", [("height", 165)]),
    ("1.6米", [("height", 160)]),
    ("160公分", [("height", 160)]),
    ("一百六十五厘米", [("height", 165)]),
    ("身高一六五", [("height", 165)]),
    ("身高是一米六五", [("height", 165)]),
    ("身高1.65", [("height", 165)]),
    ("个子150", [("height", 150)]),
    ("我高158呢", [("height", 158)]),
    ("亲，身高１６５哈", [("height", 165)]),
    ("身高１６５ｃｍ", [("height", 165)]),
    # weight
    ("一百斤", [("weight", 50.0)]),
    ("110斤", [("weight", 55.0)]),
    ("105斤", [("weight", 52.5)]),
    ("九十斤", [("weight", 45.0)]),
    ("九十八斤", [("weight", 49.0)]),
    ("一百零五斤", [("weight", 52.5)]),
    ("一百一十斤", [("weight", 55.0)]),
    ("一百二斤", [("weight", 60.0)]),
    ("50公斤", [("weight", 50.0)]),
    ("55公斤", [("weight", 55.0)]),
    ("55kg", [("weight", 55.0)]),
    ("55KG啊", [("weight", 55.0)]),
    ("体重50", [("weight", 50.0)]),
    ("体重120", [("weight", 60.0)]),
    ("体重一百", [("weight", 50.0)]),
    ("体重：90", [("weight", 90.0)]),
    # height and weight together
    ("身高165体重110斤穿什么码", [("height", 165), ("weight", 55.0)]),
    ("一米六五 一百斤", [("height", 165), ("weight", 50.0)]),
    ("一米六五一百斤", [("height", 165), ("weight", 50.0)]),
    ("一米六一百斤", [("height", 160), ("weight", 50.0)]),
    ("165 110斤", [("height", 165), ("weight", 55.0)]),
    ("亲 165 55kg 穿多大呢", [("height", 165), ("weight", 55.0)]),
    ("165 100", [("height", 165), ("weight", 50.0)]),
    ("160/50", [("height", 160), ("weight", 50.0)]),
    ("身高体重：170，130", [("height", 170), ("weight", 65.0)]),
    ("１６５，１１０斤", [("height", 165), ("weight", 55.0)]),
    ("体重150", [("weight", 75.0)]),
    # waist and hip
    ("腰围72", [("waist", 72.0)]),
    ("腰围72cm", [("waist", 72.0)]),
    ("腰两尺一", [("waist", 69.9)]),
    ("两尺一", [("waist", 69.9)]),
    ("二尺", [("waist", 66.6)]),
    ("腰2尺", [("waist", 66.6)]),
    ("腰2尺1", [("waist", 69.9)]),
    ("腰围二尺二", [("waist", 73.3)]),
    ("腰围2.1", [("waist", 69.9)]),
    ("臀围九十", [("hip", 90.0)]),
    ("臀围95cm", [("hip", 95.0)]),
    ("臀围一百", [("hip", 100.0)]),
    ("我腰围2.1尺，臀围95", [("waist", 69.9), ("hip", 95.0)]),
    # usual size
    ("平时穿28", [("usual_size", "28")]),
    ("平常穿M的", [("usual_size", "M")]),
    ("一般穿L码", [("usual_size", "L")]),
    ("我穿27的裤子", [("usual_size", "27")]),
    ("平时M", [("usual_size", "M")]),
    ("平时穿xl", [("usual_size", "XL")]),
    ("一般都穿二十八", [("usual_size", "28")]),
    ("之前买的都是2XL", [("usual_size", "XXL")]),
    # size
    ("要L码", [("size", "L")]),
    ("XL的有吗", [("size", "XL")]),
    ("m码", [("size", "M")]),
    ("s码还有吗", [("size", "S")]),
    ("2xl", [("size", "XXL")]),
    ("3XL有吗", [("size", "XXXL")]),
    ("XXXL有没有", [("size", "XXXL")]),
    ("175/92A", [("size", "175/92A")]),
    ("28码有货吗", [("size", "28")]),
    ("我穿L合适吗", [("size", "L")]),
    ("平时穿M，这款要L吗", [("usual_size", "M"), ("size", "L")]),
    # price
    ("100块", [("price", 100)]),
    ("120元", [("price", 120)]),
    ("一百二块", [("price", 120)]),
    ("十块钱", [("price", 10)]),
    ("¥99", [("price", 99)]),
    ("￥99", [("price", 99)]),
    ("99包邮吗", [("price", 99)]),
    ("139块", [("price", 139)]),
    ("一千零五十元", [("price", 1050)]),
    ("少十块", [("price", 10)]),
    ("便宜20", [("price", 20)]),
    ("便宜一点20行吗", [("price", 20)]),
    # courier
    ("顺丰", [("courier", "顺丰")]),
    ("能发中通吗", [("courier", "中通")]),
    ("ems", [("courier", "邮政")]),
    ("EMS能到吗", [("courier", "邮政")]),
    ("邮政快递", [("courier", "邮政")]),
    ("发京东快递", [("courier", "京东")]),
    ("极兔可以吗", [("courier", "极兔")]),
    ("韵达还是德邦", [("courier", "韵达"), ("courier", "德邦")]),
    # region
    ("新疆", [("region", "新疆")]),
    ("乌鲁木齐", [("region", "新疆")]),
    ("内蒙", [("region", "内蒙古")]),
    ("内蒙古包邮吗", [("region", "内蒙古")]),
    ("广东省", [("region", "广东")]),
    ("杭州", [("region", "浙江")]),
    ("寄到北京市", [("region", "北京")]),
    ("黑龙江几天到", [("region", "黑龙江")]),
    ("哈尔滨呢", [("region", "黑龙江")]),
    ("广西壮族自治区南宁市", [("region", "广西"), ("region", "广西")]),
    ("发深圳啊", [("region", "广东")]),
    # order id
    ("订单号123456789012345", [("order_id", "123456789012345")]),
    ("单号是 1234567890123", [("order_id", "1234567890123")]),
    ("订单号是123456789012，要退货", [("order_id", "123456789012")]),
    # sku without a catalog
    ("JN-2801", [("sku", "JN-2801")]),
    ("jn2801有货吗", [("sku", "JN-2801")]),
    ("SET-01", [("sku", "SET-01")]),
    ("set01", [("sku", "SET-01")]),
    # colour without a catalog: kept as written
    ("白色", [("color", "白色")]),
    ("浅蓝的", [("color", "浅蓝")]),
    ("卡其色有吗", [("color", "卡其色")]),
    # several at once, English letters
    ("我要黑色的L码 寄顺丰到杭州", [("color", "黑色"), ("size", "L"), ("courier", "顺丰"),
                                ("region", "浙江")]),
    ("身高160cm，体重50kg，平时穿S", [("height", 160), ("weight", 50.0), ("usual_size", "S")]),
    # negatives
    ("你好", []),
    ("在吗", []),
    ("亲在吗？", []),
    ("2件", []),
    ("买两件", []),
    ("165", []),
    ("165的有吗", []),
    ("明白了", []),
    ("有红包吗", []),
    ("一块买便宜吗", []),
    ("便宜一点吧", []),
    ("少两件", []),
    ("至少3天", []),
    ("电话13812345678", []),
    ("iphone12", []),
    ("高腰的吗", []),
    ("165，139块能买吗", [("price", 139)]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_extract(text, expected):
    assert pairs(text) == expected


CATALOG_CASES = [
    ("一米六五 一百斤 牛仔裤要什么码", [("height", 165), ("weight", 50.0), ("sku", "JN-2801")]),
    ("jn2801", [("sku", "JN-2801")]),
    ("DR-1066", [("sku", "DR-1066")]),
    ("ts0520有白的吗", [("sku", "TS-0520"), ("color", "白")]),
    ("SET01", [("sku", "SET-01")]),
    ("AB-12", []),
    ("高腰直筒牛仔裤", [("sku", "JN-2801")]),
    ("连衣裙", [("sku", "DR-1066")]),
    ("裙子", [("sku", "DR-1066")]),
    ("t恤", [("sku", "TS-0520")]),
    ("短袖", [("sku", "TS-0520")]),
    ("T恤+牛仔裤套餐", [("sku", "SET-01")]),
    ("套餐多少钱", [("sku", "SET-01")]),
    ("白色", [("color", "白")]),
    ("白T恤", [("color", "白"), ("sku", "TS-0520")]),
    ("粉色还有吗", [("color", "粉")]),
    ("黑色牛仔裤", [("color", "黑色"), ("sku", "JN-2801")]),
    ("黑的T恤", [("color", "黑"), ("sku", "TS-0520")]),
    ("米白的连衣裙", [("color", "米白"), ("sku", "DR-1066")]),
    ("浅蓝色M码", [("color", "浅蓝"), ("size", "M")]),
    ("卡其色有吗", []),
    ("明白了", []),
    ("我穿27的裤子", [("usual_size", "27"), ("sku", "JN-2801")]),
]


@pytest.mark.parametrize("text,expected", CATALOG_CASES)
def test_extract_with_catalog(text, expected):
    assert pairs(text, CATALOG) == expected


ROLE_CASES = [("少十块", "discount"), ("便宜20", "discount"), ("能减10元吗", "discount"),
              ("100块", None), ("¥99", None)]


@pytest.mark.parametrize("text,role", ROLE_CASES)
def test_price_role(text, role):
    [price] = extract_entities(text)
    assert price.get("role") == role


SPANS = [
    ("身高165体重110斤", [(2, 5, "165"), (7, 11, "110斤")]),
    ("亲，一米六五哈", [(2, 6, "一米六五")]),
    ("腰围72cm", [(2, 6, "72cm")]),
    ("一般穿L码", [(3, 5, "L码")]),
    ("身高１６５", [(2, 5, "１６５")]),
]


@pytest.mark.parametrize("text,spans", SPANS)
def test_spans_point_into_original_text(text, spans):
    got = extract_entities(text)
    assert [(e["start"], e["end"], e["text"]) for e in got] == spans
    assert all(text[e["start"]:e["end"]] == e["text"] for e in got)


@pytest.mark.parametrize("text", [c[0] for c in CASES + CATALOG_CASES])
def test_no_overlaps_and_sorted(text):
    got = extract_entities(text, CATALOG)
    for a, b in zip(got, got[1:]):
        assert a["end"] <= b["start"]


def test_value_types():
    got = {e["entity"]: e["value"] for e in extract_entities("身高165体重105斤腰围72 139块")}
    assert got == {"height": 165, "weight": 52.5, "waist": 72.0, "price": 139}
    assert isinstance(got["height"], int) and isinstance(got["price"], int)
    assert isinstance(got["weight"], float)


def test_empty_and_none_catalog():
    assert extract_entities("") == []
    assert extract_entities("顺丰", {}) == [
        {"entity": "courier", "value": "顺丰", "start": 0, "end": 2, "text": "顺丰"}]
