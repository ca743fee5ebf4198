"""Order changes read from buyers' words: the field, the old value and the new one."""

import pytest

from xiaoer.order_changes import change_requests, clean_changes, describe

ORDER = {"size": "M", "colour": "深蓝", "address": "浙江省杭州市西湖区文三路100号"}


def entity(name, value):
    return {"entity": name, "value": value}


@pytest.mark.parametrize("text, new", [
    ("地址改成上海市浦东新区世纪大道88号", "上海市浦东新区世纪大道88号"),
    ("收货地址改为 北京市朝阳区建国路1号，谢谢", "北京市朝阳区建国路1号"),
    ("能改一下寄到四川省成都市武侯区人民南路4段吗", "四川省成都市武侯区人民南路4段"),
    ("新地址：广东省深圳市南山区科技园8栋", "广东省深圳市南山区科技园8栋"),
])
def test_a_new_address_is_read_with_the_old_one(text, new):
    assert change_requests(text, [], ORDER) == [
        {"field": "address", "field_zh": "收货地址", "old": ORDER["address"], "new": new}]


def test_size_and_colour_come_from_the_entities():
    changes = change_requests("帮我改成黑色L码", [entity("color", "黑色"), entity("size", "L")], ORDER)
    assert describe(changes) == "颜色 深蓝 → 黑色；尺码 M → L"


def test_without_an_order_only_the_new_value_is_known():
    assert describe(change_requests("尺码换成XL", [entity("size", "XL")])) == "尺码 → XL"


@pytest.mark.parametrize("text", ["改地址", "我想改一下地址", "订单信息填错了", "能改吗"])
def test_no_new_value_is_no_request(text):
    assert change_requests(text, [], ORDER) == []


def test_the_gateway_keeps_only_well_formed_changes():
    good = {"field": "size", "field_zh": "x", "old": "M", "new": "L"}
    assert clean_changes([good, {"field": "phone", "new": "1"}, {"field": "size", "new": 3}, "x"]) == [
        {"field": "size", "field_zh": "尺码", "old": "M", "new": "L"}]
    assert clean_changes("not a list") == [] and clean_changes([good] * 5) == [clean_changes([good])[0]] * 3
