"""Cards beside a reply's text (xiaoer/cards.py), as the buyer and the agent see them in
headless Chromium against the real bot: drawn from the history on reload and live from a
push, the picture really loads, the card fits a phone, and a card's values stay text (never
HTML, never a script address) even when one gets past the gateway.

The card messages are written with the gateway's own Store and Outbound, not through the
NLU: these tests are about drawing, not about which turn produces a card."""

from __future__ import annotations

import asyncio
import contextlib

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bot.infra.outbound import Outbound
from bot.infra.pubsub import RedisHub
from bot.infra.store import RedisStore
from tests.browser.conversations import come_back_to
from tests.browser.waiting import queued, signed_in_agent, texts_of, wait
from tests.e2e.test_handoff_live import agent_client
from xiaoer.cards import clean_card

PICTURE = "/static/products/jn-2801.svg"
PRODUCT = {"type": "product", "sku": "JN-2801", "title": "高腰直筒牛仔裤", "price": 139,
           "image": PICTURE, "url": "https://shop.example.com/items/JN-2801"}
ORDER = {"type": "order", "order_id": "A1234567", "title": "高腰直筒牛仔裤", "colour": "深蓝", "size": "L",
         "quantity": 1, "status": "shipped", "status_zh": "已发货", "courier": "中通",
         "tracking_number": "ZT123", "image": PICTURE}
PRODUCT_TEXT = "高腰直筒牛仔裤 JN-2801，139元，这款是高腰直筒版型哦~"
ORDER_TEXT = "您的订单 A1234567 已发货，中通快递，单号 ZT123。"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
SCRIPT_LINK = "javascript:alert(1)"
# Written raw, past clean_card: the pages must hold even if the gateway's check failed.
HOSTILE = {"type": "product", "sku": "JN-2801", "title": HOSTILE_TITLE, "price": 139,
           "image": SCRIPT_LINK, "url": SCRIPT_LINK}
HOSTILE_TEXT = "这是一张坏卡片"
PHONE = (360, 740)

# Counts the widget's open sockets, so a test knows its messages go over the socket.
SOCKET_WATCH = """
(function () {
  const Native = window.WebSocket;
  window.openSockets = 0;
  function Watched(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("open", function () { window.openSockets += 1; });
    socket.addEventListener("close", function () { window.openSockets -= 1; });
    return socket;
  }
  Watched.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Watched[k] = Native[k]; });
  window.WebSocket = Watched;
})();
"""


def with_store(bot, work):
    """Run work(store) with the gateway's own Redis store, under the bot's key prefix."""
    async def run():
        store = RedisStore(bot.redis_url, prefix=bot.prefix)
        try:
            return await work(store)
        finally:
            await store.close()
    return asyncio.run(run())


def conversation_with(bot, *messages) -> str:
    """A new conversation whose history holds these messages, as the gateway logs them."""
    conversation = bot.new_conversation()  # the widget's id and token (POST /api/conversations)

    async def append(store):
        for message in messages:
            await store.append_message(conversation, message)
    with_store(bot, append)
    return conversation


def bot_says(text, card):
    return {"sender": "bot", "text": text, "buttons": [], "card": card}


def shop_history():
    assert clean_card(PRODUCT) == PRODUCT and clean_card(ORDER) == ORDER, "the test cards follow the contract"
    return (
        {"sender": "buyer", "text": "高腰直筒牛仔裤多少钱"}, bot_says(PRODUCT_TEXT, PRODUCT),
        {"sender": "buyer", "text": "我的订单A1234567到哪了"}, bot_says(ORDER_TEXT, ORDER),
    )


def open_widget(bot, driver, conversation):
    """The widget as a buyer who comes back: it reads its conversation from localStorage."""
    driver.get(bot.url + "/chat")
    come_back_to(driver, bot, conversation)
    driver.refresh()


def card_under(driver, text, kind, scope="#log li"):
    """The card of this kind drawn in the same message as the bubble saying text."""
    def found(d):
        for item in d.find_elements(By.CSS_SELECTOR, scope):
            bubbles = item.find_elements(By.CSS_SELECTOR, ".bubble")
            cards = item.find_elements(By.CSS_SELECTOR, f".card.{kind}")
            if bubbles and bubbles[0].text == text and cards:
                return cards[0]
        return False
    return wait(driver).until(found)


def loaded(driver, img):
    return driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)


def no_alert(driver):
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_the_widget_draws_product_and_order_cards_from_history(live_bot, browser):
    conversation = conversation_with(live_bot, *shop_history())
    buyer = browser("cards-buyer")
    buyer.set_window_size(*PHONE)
    open_widget(live_bot, buyer, conversation)

    product = card_under(buyer, PRODUCT_TEXT, "product")
    assert product.find_element(By.CSS_SELECTOR, ".card-title").text == "高腰直筒牛仔裤"
    assert product.find_element(By.CSS_SELECTOR, ".card-price").text == "¥139"
    assert product.get_attribute("aria-label") == "商品卡片：高腰直筒牛仔裤，139元"
    link = product.find_element(By.LINK_TEXT, "查看商品")
    assert link.get_attribute("href") == PRODUCT["url"]
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    picture = product.find_element(By.CSS_SELECTOR, "img")
    assert picture.get_attribute("src").endswith(PICTURE)
    assert picture.get_attribute("alt") == "高腰直筒牛仔裤"
    wait(buyer).until(lambda d: loaded(d, picture))  # the drawing is served and decodes

    order = card_under(buyer, ORDER_TEXT, "order")
    assert order.find_element(By.CSS_SELECTOR, ".card-head").text.startswith("订单 A1234567")
    lines = order.text.splitlines()
    assert "高腰直筒牛仔裤" in lines
    assert "深蓝 / L码 × 1" in lines and "中通 ZT123" in lines
    assert order.find_element(By.CSS_SELECTOR, ".card-status").text == "已发货"
    assert "已发货" in order.get_attribute("aria-label")
    assert order.find_element(By.CSS_SELECTOR, "img").get_attribute("src").endswith(PICTURE)

    # a phone's screen: the cards fit, nothing scrolls sideways
    assert product.rect["x"] + product.rect["width"] <= PHONE[0]
    assert buyer.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert texts_of(buyer, "#log .msg.bot .bubble") == [PRODUCT_TEXT, ORDER_TEXT], "the text still says it all"


def test_a_hostile_card_stays_text_and_gets_no_picture_or_link(live_bot, browser):
    conversation = conversation_with(live_bot, {"sender": "buyer", "text": "你好"}, bot_says(HOSTILE_TEXT, HOSTILE))
    buyer = browser("cards-hostile")
    open_widget(live_bot, buyer, conversation)

    card = card_under(buyer, HOSTILE_TEXT, "product")
    assert card.find_element(By.CSS_SELECTOR, ".card-title").text == HOSTILE_TITLE
    assert card.find_element(By.CSS_SELECTOR, ".card-price").text == "¥139"
    assert buyer.find_elements(By.CSS_SELECTOR, "#log img") == [], "neither the title nor the address became a picture"
    assert card.find_elements(By.CSS_SELECTOR, "a") == [], "a javascript: address never becomes a link"
    assert buyer.find_elements(By.CSS_SELECTOR, '#log [src="x"], #log [src^="javascript"], #log [href^="javascript"]') == []
    assert no_alert(buyer)


def test_a_card_pushed_while_the_widget_is_open_is_drawn_live(live_bot, browser):
    conversation = conversation_with(live_bot, {"sender": "buyer", "text": "你好"})
    buyer = browser("cards-live")
    buyer.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SOCKET_WATCH})
    open_widget(live_bot, buyer, conversation)
    wait(buyer).until(lambda d: d.execute_script("return window.openSockets") == 1)
    # one message over the socket and its answer: the gateway now listens for this buyer
    box = buyer.find_element(By.ID, "input")
    box.send_keys("在吗")
    box.send_keys(Keys.ENTER)
    wait(buyer, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .msg.bot"))

    # an order message the way the gateway sends one: logged, then pushed to the widget
    async def deliver(store):
        outbound = Outbound(None, store, RedisHub(store.redis, store.prefix), {})
        await outbound.deliver(conversation, [bot_says(ORDER_TEXT, ORDER)], "bot")
    with_store(live_bot, deliver)

    order = card_under(buyer, ORDER_TEXT, "order")
    assert order.find_element(By.CSS_SELECTOR, ".card-status").text == "已发货"
    assert "中通 ZT123" in order.text.splitlines()


@contextlib.contextmanager
def case_opened(bot, conversation: str, text: str):
    """The buyer's message opens a case; the case is handed back after the test, so the other
    browser tests on this bot find the queue as they expect (their case first in line)."""
    assert bot.say(conversation, text)["mode"] == "waiting"
    try:
        yield
    finally:
        with agent_client(bot) as agent:
            agent.post(f"/agent/api/cases/{conversation}/claim")
            agent.post(f"/agent/api/cases/{conversation}/handback")


def test_the_agent_sees_the_cards_in_the_transcript(live_bot, browser):
    conversation = conversation_with(live_bot, *shop_history(), bot_says(HOSTILE_TEXT, HOSTILE))
    with case_opened(live_bot, conversation, "转人工"):
        agent_reads_the_cards(live_bot, browser, conversation)


def agent_reads_the_cards(live_bot, browser, conversation):
    agent = signed_in_agent(browser, live_bot, "cards-agent", conversation)
    agent.find_element(By.CSS_SELECTOR, queued(conversation)).click()  # opens it to read, before claiming
    wait(agent).until(lambda d: d.find_element(By.ID, "case").get_attribute("data-conversation") == conversation)

    product = card_under(agent, PRODUCT_TEXT, "product", "#log li.bot")
    assert "高腰直筒牛仔裤" in product.text and "¥139" in product.text
    assert product.get_attribute("aria-label") == "商品卡片：高腰直筒牛仔裤，139元"
    picture = product.find_element(By.CSS_SELECTOR, "img")
    assert picture.get_attribute("src").endswith(PICTURE)
    wait(agent).until(lambda d: loaded(d, picture))
    order = card_under(agent, ORDER_TEXT, "order", "#log li.bot")
    assert "A1234567" in order.text and "深蓝 / L码 × 1" in order.text and "中通 ZT123" in order.text
    assert order.find_element(By.CSS_SELECTOR, ".card-status").text == "已发货"

    hostile = card_under(agent, HOSTILE_TEXT, "product", "#log li.bot")
    assert HOSTILE_TITLE in hostile.text
    assert hostile.find_elements(By.CSS_SELECTOR, "img, a") == []
    assert agent.find_elements(By.CSS_SELECTOR, '#log [src="x"], #log [src^="javascript"], #log [href^="javascript"]') == []
    assert no_alert(agent)


def test_the_agent_sees_the_order_change_the_buyer_asked_for(live_bot, browser):
    from tests.e2e.test_orders_live import new_order, post_event

    conversation = live_bot.new_conversation()  # the widget's (the order names it)
    order_id = new_order(live_bot, conversation)
    assert post_event(live_bot, "order_paid", {"order_id": order_id}).status_code == 200
    with case_opened(live_bot, conversation, "地址写错了 改成上海市浦东新区世纪大道88号"):
        agent_reads_the_change(live_bot, browser, conversation, order_id)


def agent_reads_the_change(live_bot, browser, conversation, order_id):
    agent = signed_in_agent(browser, live_bot, "change-agent", conversation)
    waiting_case = queued(conversation)
    assert "要改收货地址" in agent.find_element(By.CSS_SELECTOR, waiting_case).text  # seen in the queue
    agent.find_element(By.CSS_SELECTOR, waiting_case).click()
    wait(agent).until(lambda d: d.find_element(By.ID, "case").get_attribute("data-conversation") == conversation)
    facts = dict(zip(texts_of(agent, "#case-facts dt"), texts_of(agent, "#case-facts dd")))
    assert facts["要改收货地址"] == "四川省成都市武侯区一环路1号 → 上海市浦东新区世纪大道88号", facts
    assert order_id in facts["买家的订单"] and "[object Object]" not in " ".join(facts.values()), facts
