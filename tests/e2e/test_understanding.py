"""What the trained model understands, asked of the running Rasa server (`/model/parse`):
buyer messages as they are typed (particles, typos, pinyin, English, Chinese numerals, other
shops' goods), entities with normalised values, and what it declines."""

from __future__ import annotations

import pytest

NOT_UNDERSTOOD = {"out_of_scope", "nlu_fallback"}


def parse(live_bot, text: str) -> dict:
    response = live_bot.rasa("POST", "/model/parse", json={"text": text})
    response.raise_for_status()
    return response.json()


UNDERSTOOD = [
    ("在吗", "greet"),
    ("亲 在不在呀", "greet"),
    ("zai ma 老板", "greet"),
    ("好的 先这样 拜拜啦", "goodbye"),
    ("谢谢亲 辛苦啦", "thank"),
    ("嗯嗯 可以的", "affirm"),
    ("不用了 我再看看", "deny"),
    ("这件风衣卡其色还有L码吗", "ask_stock"),
    ("一米六五 一百一十斤 穿几码", "ask_size"),
    ("我平时穿二十八的牛仔裤 拍哪个码", "ask_size"),
    ("便宜十块我马上拍", "bargain"),
    ("包邮的话我就下单了", "bargain"),
    ("发到拉萨要几天", "ask_shipping"),
    ("能发顺丰吗 要补多少钱", "ask_shipping"),
    ("我的快递到哪了 三天没动了", "ask_delivery_status"),
    ("实物和图片颜色一样吗，会不会有色差", "color_difference"),
    ("鞋子小了能换大一码吗", "return_exchange"),
    ("支持七天无理由吗", "return_exchange"),
    ("能用花呗分期吗", "ask_payment"),
    ("地址写错了 帮我改一下", "modify_order"),
    ("什么破质量 我要投诉", "complaint"),
    ("卫衣是纯棉的吗 会不会起球", "ask_product_info"),
    ("转人工", "request_human"),
    ("你是机器人吧 我要找真人", "request_human"),
]


@pytest.mark.parametrize("text,intent", UNDERSTOOD)
def test_buyer_messages_are_understood(live_bot, text, intent):
    assert parse(live_bot, text)["intent"]["name"] == intent


DECLINED = [
    "帮我订一张去北京的机票",
    "那你给我讲个笑话吧",
    "qwxz zzkv ppl",
    "明天北京下雨吗",
    "你们卖不卖洗衣机",
    "帮我写一篇作文",
    "😂😂😂",
]


@pytest.mark.parametrize("text", DECLINED)
def test_what_a_clothing_shop_bot_is_not_for_is_declined(live_bot, text):
    assert parse(live_bot, text)["intent"]["name"] in NOT_UNDERSTOOD


def entities(parsed: dict) -> dict:
    return {e["entity"]: e["value"] for e in parsed["entities"]}


@pytest.mark.parametrize("text,expected", [
    ("我一米六五，一百一十斤，穿什么码", {"height": 165, "weight": 55.0}),
    ("腰围两尺一 臀围九十 拍几码", {"waist": 69.9, "hip": 90.0}),
    ("平时穿28的 jn2801拍哪个码", {"usual_size": "28", "sku": "JN-2801"}),
    ("浅蓝色XL还有吗", {"color": "浅蓝", "size": "XL"}),
    ("发顺丰到新疆要几天", {"courier": "顺丰", "region": "新疆"}),
    ("订单号 202611241234567 到哪了", {"order_id": "202611241234567"}),
    ("120包邮行不行", {"price": 120}),
])
def test_entities_have_normalised_values(live_bot, text, expected):
    parsed = parse(live_bot, text)
    found = entities(parsed)
    for name, value in expected.items():
        assert found.get(name) == value, parsed["entities"]
    assert all(e["extractor"] == "ShopEntityExtractor" for e in parsed["entities"])


def test_the_ranking_is_there_for_the_fallback_and_the_agent_console(live_bot):
    parsed = parse(live_bot, "能便宜点吗")
    ranking = parsed["intent_ranking"]
    assert ranking[0]["name"] == "bargain"
    assert len(ranking) >= 5
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
