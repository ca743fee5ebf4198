"""The shop as data: the real demo shop says what the owner expects, and a broken
shop file is reported with its file, its line and the problem."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from xiaoer.shop import Item, Shop, ShopConfigError, catalog_for_nlu, load_shop

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shop() -> Shop:
    return load_shop(REPO / "shop")


# --------------------------------------------------------------------------- the real shop


def test_shop_basics(shop):
    assert shop.name == "禾木服饰"
    assert shop.timezone == "Asia/Shanghai"
    assert str(shop.agent_hours) == "09:00-23:00"
    assert shop.promotion.enabled is False
    assert shop.promotion.busy_notice is True
    assert shop.vip.discount == 0.98 and shop.vip.zhe == "9.8"
    assert shop.reminders.delay_minutes == 15
    assert str(shop.reminders.quiet_hours) == "23:00-09:00"
    assert shop.reminders.max_per_buyer_per_24h == 1


def test_default_path_is_the_shop_folder(monkeypatch):
    monkeypatch.chdir(REPO)
    assert load_shop().name == "禾木服饰"


def test_jeans_price_and_floor(shop):
    jeans = shop.item("JN-2801")
    assert (jeans.name, jeans.price, jeans.floor) == ("高腰直筒牛仔裤", 139, 119)
    assert jeans.colour_names == ("浅蓝", "深蓝", "黑色")
    assert jeans.sizes == ("S", "M", "L", "XL", "XXL")


@pytest.mark.parametrize(
    "sku, price, floor",
    [("JN-2801", 139, 119), ("DR-1066", 169, 149), ("TS-0520", 59, 52), ("SET-01", 179, 169)],
)
def test_every_item_keeps_its_floor_below_its_price(shop, sku, price, floor):
    item = shop.item(sku)
    assert (item.price, item.floor) == (price, floor)
    assert 0 < item.floor <= item.price


def test_pink_tee_is_sold_out(shop):
    tee = shop.item("TS-0520")
    assert tee.in_stock("白")
    assert not tee.in_stock("粉")
    assert not tee.in_stock("粉色")  # 粉 and 粉色 are the same colour
    assert tee.in_stock()  # other colours are left
    assert "粉" not in tee.in_stock_colours
    assert not tee.in_stock("紫")  # not a colour it comes in
    assert shop.item("JN-2801").in_stock("黑")  # 黑 matches 黑色


def test_sold_out_items_point_to_similar_ones(shop):
    similar = shop.similar_items("TS-0520")
    assert similar and all(isinstance(i, Item) and i.sku != "TS-0520" for i in similar)


def test_the_set_is_made_of_the_tee_and_the_jeans(shop):
    bundle = shop.item("SET-01")
    assert bundle.is_set
    assert {i.sku for i in shop.components(bundle)} == {"TS-0520", "JN-2801"}
    assert bundle.sizes == ("S", "M", "L", "XL", "XXL")
    assert {"白", "浅蓝"} <= set(bundle.colour_names)
    assert not bundle.in_stock("粉")  # the tee's pink is sold out, so is the set's
    assert shop.bundle_for("JN-2801") is bundle
    assert shop.bundle_for("DR-1066") is None


@pytest.mark.parametrize(
    "text, sku",
    [
        ("JN-2801", "JN-2801"),
        ("jn2801", "JN-2801"),
        ("牛仔裤", "JN-2801"),
        ("这条裤子有货吗", "JN-2801"),
        ("连衣裙", "DR-1066"),
        ("裙子", "DR-1066"),
        ("碎花", "DR-1066"),
        ("T恤", "TS-0520"),
        ("t恤", "TS-0520"),
        ("短袖还有粉色吗", "TS-0520"),
        ("套餐", "SET-01"),
        ("T恤+牛仔裤套餐", "SET-01"),
    ],
)
def test_find_item_by_what_buyers_say(shop, text, sku):
    assert shop.find_item(text).sku == sku


@pytest.mark.parametrize("text", ["", "   ", "外套", "你好"])
def test_find_item_returns_none_for_other_words(shop, text):
    assert shop.find_item(text) is None


def test_unknown_sku(shop):
    assert shop.item("XX-0000") is None
    assert shop.item("jn-2801").sku == "JN-2801"


@pytest.mark.parametrize(
    "region, days, free",
    [
        ("新疆", (5, 7), False),
        ("新疆维吾尔自治区", (5, 7), False),
        ("西藏", (5, 7), False),
        ("青海", (5, 7), False),
        ("内蒙古", (5, 7), False),
        ("江苏", (1, 2), True),
        ("浙江", (1, 2), True),
        ("上海市", (1, 2), True),
        ("江浙沪", (1, 2), True),
        ("浙江杭州", (1, 2), True),
        ("广东", (2, 4), True),
        ("四川省", (2, 4), True),
    ],
)
def test_delivery_days_by_region(shop, region, days, free):
    assert shop.shipping.delivery_days(region) == days
    assert shop.shipping.free_shipping(region) is free


def test_couriers_and_shipping_hours(shop):
    shipping = shop.shipping
    assert shipping.default_courier == "中通"
    assert shipping.courier().name == "中通"
    assert shipping.surcharge("中通") == 0
    assert shipping.surcharge("顺丰") == 10
    assert shipping.courier("顺丰速运").name == "顺丰"
    assert shipping.courier("火箭快递") is None
    assert shipping.ship_hours(promotion=False) == 48
    assert shipping.ship_hours(promotion=True) == 72
    assert shipping.ship_in_payment_order
    assert shop.ship_hours() == 48  # promotion is off


def test_returns_policy(shop):
    returns = shop.returns
    assert returns.no_reason_days == 7 and returns.counted_from == "receipt"
    received = dt.date(2025, 3, 1)
    assert returns.within_window(received, dt.date(2025, 3, 8))
    assert not returns.within_window(received, dt.date(2025, 3, 9))
    assert returns.postage_payer() == "buyer"
    assert returns.postage_payer(insured=True) == "insurance"
    assert returns.postage_payer("quality_problem") == "shop"
    assert returns.postage_payer("wrong_item") == "shop"
    assert returns.coupon_for("wrong_item") == 10
    assert returns.coupon_for(None) == 0
    assert not returns.made_to_order_returnable
    assert shop.refund_needs_human(300.01)
    assert not shop.refund_needs_human(300)


def test_bargaining_policy(shop):
    bargain = shop.bargaining
    assert bargain.ladder == ("bundle", "free_shipping")
    assert bargain.bundles == ("SET-01",)
    jeans = shop.item("JN-2801")
    assert bargain.excuse_accepted(jeans, 130)  # 9 yuan short
    assert bargain.excuse_accepted(jeans, 129)  # 10 yuan short
    assert not bargain.excuse_accepted(jeans, 128)  # 11 yuan short: held for the buyer
    tee = shop.item("TS-0520")
    assert not bargain.excuse_accepted(tee, 50)  # a small gap, but below the floor 52
    assert not bargain.acceptable(jeans, 118)
    assert [bargain.ask_manager(n) for n in (1, 2, 3)] == [False, False, True]
    assert "一双袜子" in bargain.gifts


def test_size_chart(shop):
    jeans = shop.size_chart("JN-2801")
    assert jeans.size_for_height(165) == "L"
    assert jeans.size_for_height(157.5) == "S"  # between S and M: no jump
    assert jeans.size_for_weight(47) == "M"  # on the edge: the larger size
    assert jeans.size_for_weight(80) is None  # bigger than the chart
    assert [jeans.size_for_usual(n) for n in (26, 27, 28, 29, 30)] == ["S", "M", "L", "XL", "XXL"]
    assert jeans.size_for_usual("m") == "M"
    assert jeans.ease_cm == 5
    # 69.9 cm (两尺一) waist + 5 cm ease = 74.9: L (76) is the smallest that fits
    assert jeans.size_for_measurement("waist", 69.9) == "L"
    assert jeans.size_for_measurement("waist", 72) == "XL"
    dress = shop.size_chart("DR-1066")
    assert dress.sizes == ("S", "M", "L", "XL")
    assert dress.size_for_height(180) is None  # the dress stops at XL
    assert shop.size_chart("SET-01") is None


@pytest.mark.parametrize(
    "clock, open_",
    [("08:59", False), ("09:00", True), ("22:59", True), ("23:00", False), ("23:30", False), ("03:00", False)],
)
def test_agent_hours_boundaries(shop, clock, open_):
    when = dt.datetime.fromisoformat(f"2025-06-01T{clock}")
    assert shop.is_agent_hours(when) is open_


def test_next_agent_opening(shop):
    late = dt.datetime(2025, 6, 1, 23, 30)
    assert shop.next_agent_opening(late) == dt.datetime(2025, 6, 2, 9, 0)
    early = dt.datetime(2025, 6, 1, 3, 15)
    assert shop.next_agent_opening(early) == dt.datetime(2025, 6, 1, 9, 0)
    on_duty = dt.datetime(2025, 6, 1, 14, 0)
    assert shop.next_agent_opening(on_duty) == on_duty
    new_year = dt.datetime(2025, 12, 31, 23, 0)
    assert shop.next_agent_opening(new_year) == dt.datetime(2026, 1, 1, 9, 0)


def test_aware_datetimes_use_the_shop_time_zone(shop):
    utc_1530 = dt.datetime(2025, 6, 1, 15, 30, tzinfo=dt.timezone.utc)  # 23:30 in Shanghai
    assert not shop.is_agent_hours(utc_1530)
    opening = shop.next_agent_opening(utc_1530)
    assert opening == dt.datetime(2025, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert shop.is_agent_hours(dt.datetime(2025, 6, 1, 1, 0, tzinfo=dt.timezone.utc))  # 09:00


def test_quiet_hours_for_reminders(shop):
    assert shop.is_quiet_hours(dt.datetime(2025, 6, 1, 23, 0))
    assert shop.is_quiet_hours(dt.datetime(2025, 6, 1, 2, 0))
    assert not shop.is_quiet_hours(dt.datetime(2025, 6, 1, 9, 0))


def test_catalog_for_nlu_is_plain_data(shop):
    catalog = catalog_for_nlu(REPO / "shop")
    assert catalog == shop.catalog_for_nlu()
    assert [i["sku"] for i in catalog["items"]] == ["JN-2801", "DR-1066", "TS-0520", "SET-01"]
    for entry in catalog["items"]:
        assert set(entry) == {"sku", "name", "aliases", "colors", "sizes"}
        assert all(isinstance(entry[k], list) for k in ("aliases", "colors", "sizes"))
    tee = catalog["items"][2]
    assert "粉" in tee["colors"]  # sold out, but buyers still name it
    assert "短袖" in tee["aliases"]


def test_shop_is_frozen(shop):
    with pytest.raises(AttributeError):
        shop.name = "别家"
    with pytest.raises(AttributeError):
        shop.item("JN-2801").price = 1


# --------------------------------------------------------------------------- broken shops

# A small valid shop of our own, so these cases do not move when the owner edits shop/.
MINI_SHOP = {
    "shop.yml": """\
        name: 测试店
        timezone: Asia/Shanghai
        agent_hours:
          open: "09:00"
          close: "23:00"
        promotion:
          enabled: false
          busy_notice: true
          ship_within_hours: 72
        vip:
          discount: 0.98
        payment_reminders:
          delay_minutes: 15
          quiet_hours:
            start: "23:00"
            end: "09:00"
          max_per_buyer_per_24h: 1
        retention_days: 30
        """,
    "catalog.yml": """\
        items:
          - sku: JN-2801
            name: 高腰直筒牛仔裤
            aliases: [牛仔裤, 裤子]
            price: 139
            floor: 119
            colors:
              - {name: 浅蓝, in_stock: true}
              - {name: 黑色, in_stock: true}
            sizes: [S, M, L]
            size_chart: jeans
            similar: [SET-01]
          - sku: TS-0520
            name: 纯棉短袖T恤
            aliases: [T恤, 短袖]
            price: 59
            floor: 52
            colors:
              - {name: 白, in_stock: true}
              - {name: 粉, in_stock: false}
            sizes: [S, M]
            size_chart: tee
            similar: [JN-2801]
          - sku: SET-01
            name: T恤+牛仔裤套餐
            aliases: [套餐]
            price: 179
            floor: 169
            components: [TS-0520, JN-2801]
        """,
    "sizing.yml": """\
        ease_cm: 5
        body_sizes:
          S: {height_cm: 150-157, weight_kg: 40-47}
          M: {height_cm: 158-164, weight_kg: 47-53}
          L: {height_cm: 165-170, weight_kg: 53-60}
        charts:
          jeans:
            usual_sizes: {26: S, 27: M, 28: L}
            measurements_cm:
              S: {waist: 66, hip: 88}
              M: {waist: 70, hip: 92}
              L: {waist: 74, hip: 96}
          tee:
            measurements_cm:
              S: {chest: 96}
              M: {chest: 100}
        """,
    "shipping.yml": """\
        default_courier: 中通
        couriers:
          - {name: 中通, surcharge: 0}
          - {name: 顺丰, surcharge: 10}
        ship_within_hours: 48
        regions:
          - name: 江浙沪
            provinces: [江苏, 浙江, 上海]
            days: 1-2
            postage: 6
            free_shipping: true
          - name: 偏远地区
            provinces: [新疆, 西藏]
            days: 5-7
            postage: 18
            free_shipping: false
        other_provinces:
          days: 2-4
          postage: 8
          free_shipping: true
        """,
    "returns.yml": """\
        no_reason_days: 7
        conditions: [吊牌完整]
        postage:
          default_payer: buyer
          shop_pays_for: {quality_problem: 质量问题}
          compensation_coupon: 10
          shipping_insurance: true
        refund_approval_above: 300
        """,
    "bargaining.yml": """\
        ladder: [bundle, free_shipping]
        bundles: [SET-01]
        excuse:
          accept_gap_up_to: 10
        ask_manager:
          on_haggle: 3
          gifts: [一双袜子]
        """,
}


def write_shop(folder: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MINI_SHOP.items():
        text = textwrap.dedent(text)
        if edits and name in edits:
            old, new = edits[name]
            assert old in text, f"test case edits text that {name} does not have: {old!r}"
            text = text.replace(old, new, 1)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def line_of(path: Path, needle: str | tuple[str, int]) -> int:
    """Line number of the first (or the nth, for ``(needle, n)``) line holding needle."""
    needle, nth = needle if isinstance(needle, tuple) else (needle, 1)
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [number for number, line in enumerate(lines, start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} is not in {path} {nth} times"
    return hits[nth - 1]


def test_the_mini_shop_is_valid(tmp_path):
    shop = load_shop(write_shop(tmp_path / "shop"))
    assert shop.name == "测试店"
    assert shop.item("SET-01").sizes == ("S", "M", "L")


def test_buyers_data_is_kept_for_the_days_shop_yml_says(tmp_path, shop):
    assert (shop.retention_days, shop.retention_seconds) == (90, 90 * 24 * 3600)
    mini = load_shop(write_shop(tmp_path / "mini"))
    assert (mini.retention_days, mini.retention_seconds) == (30, 30 * 86400)
    # left out: three months
    unset = load_shop(write_shop(tmp_path / "unset", {"shop.yml": ("retention_days: 30\n", "")}))
    assert unset.retention_days == 90


# (file, text to replace, replacement, a text on the line the error must name, problem)
BROKEN = [
    # catalog.yml
    ("catalog.yml", "floor: 119", "floor: 149", "floor: 149",
     "item JN-2801: floor 149 is above price 139"),
    ("catalog.yml", "price: 59", "price: 0", "price: 0",
     "item TS-0520: 'price' is 0; it must be more than 0"),
    ("catalog.yml", "floor: 52", "floor: -5", "floor: -5",
     "item TS-0520: 'floor' is -5; it must be more than 0"),
    ("catalog.yml", "price: 59", "price: 五十九", "price: 五十九",
     "item TS-0520: 'price' should be a number, not the text \"五十九\""),
    ("catalog.yml", "    price: 139\n", "", "- sku: JN-2801",
     "item JN-2801: missing 'price'"),
    ("catalog.yml", "price: 139", "prise: 139", "prise: 139",
     "item JN-2801: unknown setting 'prise' (did you mean 'price'?)"),
    ("catalog.yml", "sku: TS-0520", "sku: JN-2801", ("sku: JN-2801", 2),
     "sku JN-2801 is used twice (first on line 2)"),
    ("catalog.yml", "      - {name: 白, in_stock: true}\n      - {name: 粉, in_stock: false}",
     "      []", ("colors:", 2), "item TS-0520: 'colors' is empty"),
    ("catalog.yml", "{name: 粉, in_stock: false}", "{name: 粉, in_stock: 没货}", "name: 粉",
     "item TS-0520: 'in_stock' should be true or false"),
    ("catalog.yml", "sizes: [S, M]", "sizes: [S, M, XL]", "sizes: [S, M, XL]",
     "item TS-0520: size XL is not in size chart 'tee' (S, M)"),
    ("catalog.yml", "size_chart: tee", "size_chart: tees", "size_chart: tees",
     "item TS-0520: size chart 'tees' is not in sizing.yml (did you mean 'tee'?)"),
    ("catalog.yml", "similar: [JN-2801]", "similar: [JN-2810]", "similar: [JN-2810]",
     "item TS-0520: similar sku JN-2810 is not in the catalog"),
    ("catalog.yml", "components: [TS-0520, JN-2801]", "components: [TS-0520, XX-1]", "components:",
     "item SET-01: components sku XX-1 is not in the catalog"),
    ("catalog.yml", "aliases: [T恤, 短袖]", "aliases: [T恤, 裤子]", "aliases: [T恤, 裤子]",
     "item TS-0520: '裤子' also names item JN-2801"),
    ("catalog.yml", "    floor: 52\n", "    floor: 52\n    floor: 53\n", "floor: 53",
     "'floor' is written twice (first on line"),
    ("catalog.yml", "    floor: 52", "   floor: 52", "floor: 52", "YAML syntax error"),
    ("catalog.yml", "    floor: 52", "\tfloor: 52", "floor: 52", "indent with spaces, not tabs"),
    # an unclosed [ is noticed on the next line; the message names the line it opened on
    ("catalog.yml", "    name: 纯棉短袖T恤", "    name: [纯棉短袖T恤", "aliases: [T恤, 短袖]",
     "YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence on line 14)"),
    # shop.yml
    ("shop.yml", 'open: "09:00"', 'open: "9点"', "open:",
     "'open' should be a time written as \"HH:MM\""),
    ("shop.yml", 'close: "23:00"', 'close: "25:00"', "close:", "'close' should be a time"),
    ("shop.yml", 'close: "23:00"', 'close: "08:00"', "close:",
     "agent hours close 08:00 is not after open 09:00"),
    ("shop.yml", 'end: "09:00"', 'end: "23:00"', "end:", "quiet hours start and end are both 23:00"),
    ("shop.yml", "discount: 0.98", "discount: 9.8", "discount:", "for 9.8折 write 0.98"),
    ("shop.yml", "timezone: Asia/Shanghai", "timezone: Asia/Shanghia", "timezone:",
     "unknown time zone 'Asia/Shanghia'"),
    ("shop.yml", "ship_within_hours: 72", "ship_within_hours: 24", "ship_within_hours:",
     "promotion ship_within_hours 24 is shorter than the normal 48"),
    ("shop.yml", "delay_minutes: 15", "delay_minutes: 1.5", "delay_minutes:",
     "'delay_minutes' should be a whole number"),
    ("shop.yml", "  enabled: false", "  enabled: 关", "enabled:", "'enabled' should be true or false"),
    ("shop.yml", "vip:\n  discount: 0.98", "vip:\n  discount: 0.5", "discount: 0.5",
     "VIP 5折 would sell JN-2801 at 69.5, below its floor 119"),
    ("shop.yml", "name: 测试店\n", "", "timezone:", "missing 'name'"),
    ("shop.yml", "retention_days: 30", "retention_days: 0", "retention_days:",
     "'retention_days' is 0; it must be at least 1"),
    ("shop.yml", "retention_days: 30", "retention_days: 7.5", "retention_days:",
     "'retention_days' should be a whole number, not 7.5"),
    ("shop.yml", "retention_days: 30", "retention_days: 三个月", "retention_days:",
     "'retention_days' should be a whole number"),
    ("shop.yml", "retention_days: 30", "retention_days: 90000", "retention_days:",
     "'retention_days' is 90000; keep buyers' data at most 3650 days"),
    # sizing.yml
    ("sizing.yml", "M: {height_cm: 158-164", "M: {height_cm: 164-158", "M: {height_cm",
     "size M: 'height_cm' range 164-158 is backwards"),
    ("sizing.yml", "L: {height_cm: 165-170", "L: {height_cm: 140-149", "L: {height_cm",
     "size L: height 140-149 is below size M (158-164); list sizes from small to large"),
    ("sizing.yml", "weight_kg: 40-47", "weight_kg: 四十", "S: {height_cm",
     "size S: 'weight_kg' should be a range like 150-157"),
    ("sizing.yml", "M: {waist: 70, hip: 92}", "M: {waist: 60, hip: 92}", "M: {waist: 60",
     "chart jeans: waist 60 for size M is smaller than 66 for size S"),
    ("sizing.yml", "M: {waist: 70, hip: 92}", "M: {waist: 70}", "M: {waist: 70}",
     "chart jeans: size M has no hip"),
    ("sizing.yml", "usual_sizes: {26: S", "usual_sizes: {26: XS", "usual_sizes",
     "chart jeans: usual size 26 maps to XS, which is not in this chart"),
    ("sizing.yml", "S: {chest: 96}", "XS: {chest: 96}", "XS: {chest",
     "chart tee: size XS is not in body_sizes (S, M, L)"),
    ("sizing.yml", "ease_cm: 5", "ease_cm: -5", "ease_cm", "'ease_cm' is -5; it must be at least 0"),
    # shipping.yml
    ("shipping.yml", "days: 5-7", "days: 7-5", "days: 7-5",
     "region 偏远地区: 'days' range 7-5 is backwards"),
    ("shipping.yml", "provinces: [新疆, 西藏]", "provinces: [新彊, 西藏]", "provinces: [新彊",
     "region 偏远地区: '新彊' is not a province (did you mean 新疆?)"),
    ("shipping.yml", "provinces: [新疆, 西藏]", "provinces: [新疆, 上海]", "provinces: [新疆, 上海]",
     "region 偏远地区: 上海 is also in region 江浙沪"),
    ("shipping.yml", "default_courier: 中通", "default_courier: 极兔", "default_courier",
     "default courier 极兔 is not in 'couriers' (中通, 顺丰)"),
    ("shipping.yml", "surcharge: 10", "surcharge: 十元", "name: 顺丰",
     "courier 顺丰: 'surcharge' should be a number"),
    ("shipping.yml", "ship_within_hours: 48", "ship_within_hours: 0", "ship_within_hours",
     "'ship_within_hours' is 0; it must be more than 0"),
    # returns.yml
    ("returns.yml", "default_payer: buyer", "default_payer: 买家", "default_payer",
     "'default_payer' is \"买家\"; it must be one of: buyer, shop"),
    ("returns.yml", "refund_approval_above: 300", "refund_approval_above: -1", "refund_approval_above",
     "'refund_approval_above' is -1; it must be at least 0"),
    ("returns.yml", "no_reason_days: 7", "no_reason_days 7", "conditions",
     "YAML syntax error: mapping values are not allowed here"),
    # bargaining.yml
    ("bargaining.yml", "bundles: [SET-01]", "bundles: [JN-2801]", "bundles",
     "bundle JN-2801 is not a set"),
    ("bargaining.yml", "ladder: [bundle, free_shipping]", "ladder: [bundle, discount]", "ladder",
     "ladder step 'discount' is unknown; steps are: bundle, free_shipping"),
    ("bargaining.yml", "gifts: [一双袜子]", "gifts: []", "gifts", "'gifts' is empty"),
    ("bargaining.yml", "on_haggle: 3", "on_haggle: 0", "on_haggle",
     "'on_haggle' is 0; it must be at least 1"),
]


@pytest.mark.parametrize(
    "name, old, new, line_text, problem",
    BROKEN,
    ids=[f"{c[0]}:{c[4][:40]}" for c in BROKEN],
)
def test_broken_shop_names_file_line_and_problem(tmp_path, name, old, new, line_text, problem):
    folder = write_shop(tmp_path / "shop", {name: (old, new)})
    with pytest.raises(ShopConfigError) as caught:
        load_shop(folder)
    path = folder / name
    expected = f"{path} line {line_of(path, line_text)}: "
    lines = str(caught.value).splitlines()
    assert any(line.startswith(expected) and problem in line for line in lines), (
        f"wanted a line starting {expected!r} containing {problem!r}, got:\n{caught.value}"
    )
    assert any(p.file == str(path) for p in caught.value.problems)


def test_missing_file(tmp_path):
    folder = write_shop(tmp_path / "shop")
    (folder / "returns.yml").unlink()
    with pytest.raises(ShopConfigError) as caught:
        load_shop(folder)
    assert str(caught.value) == f"{folder / 'returns.yml'}: file not found; every shop needs it"
    assert caught.value.line is None


def test_missing_folder(tmp_path):
    with pytest.raises(ShopConfigError, match="shop folder not found"):
        load_shop(tmp_path / "nowhere")


def test_empty_file(tmp_path):
    folder = write_shop(tmp_path / "shop")
    (folder / "bargaining.yml").write_text("# 还没写 / not written yet\n", encoding="utf-8")
    with pytest.raises(ShopConfigError) as caught:
        load_shop(folder)
    assert str(caught.value) == f"{folder / 'bargaining.yml'} line 1: file is empty"


def test_every_problem_is_listed_at_once(tmp_path):
    folder = write_shop(tmp_path / "shop", {
        "catalog.yml": ("floor: 119", "floor: 149"),
        "shipping.yml": ("days: 5-7", "days: 7-5"),
        "returns.yml": ("default_payer: buyer", "default_payer: 买家"),
    })
    with pytest.raises(ShopConfigError) as caught:
        load_shop(folder)
    files = {Path(p.file).name for p in caught.value.problems}
    assert files == {"catalog.yml", "shipping.yml", "returns.yml"}
    assert len(str(caught.value).splitlines()) == 3


def test_unquoted_times_and_windows_bom_are_fine(tmp_path):
    """An owner who writes close: 23:00 without quotes (YAML 1.1 would read 1380) and
    saves with Notepad's UTF-8 BOM still gets a working shop."""
    folder = write_shop(tmp_path / "shop", {"shop.yml": ('close: "23:00"', "close: 23:00")})
    path = folder / "shop.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    shop = load_shop(folder)
    assert shop.agent_hours.end == dt.time(23, 0)


def test_not_utf8(tmp_path):
    folder = write_shop(tmp_path / "shop")
    path = folder / "catalog.yml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(ShopConfigError) as caught:
        load_shop(folder)
    assert str(caught.value).startswith(f"{path} line ")
    assert "is not UTF-8 text" in str(caught.value)
