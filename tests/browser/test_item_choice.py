"""A choice of items in the widget, in headless Chromium against the real bot on the imported
300-item shop: "裤子有黑色吗" draws three product cards under the question, each with the colour
asked and a 「就是这款」 button big enough for a finger; tapping one sends its item number and the
answer is the stock of black for that item."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.waiting import texts_of, wait
from tests.conftest import REDIS_URL
from tests.imported_shop import imported_shop
from tools.stack import running_bot
from xiaoer.shop import load_shop

PHONE = (390, 844)


@pytest.fixture(scope="module")
def imported_bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("choice-live")
    imported_shop(workdir / "shop")
    with running_bot(workdir, REDIS_URL) as bot:
        yield bot


def test_tapping_a_card_of_the_choice_gets_the_answer_for_that_item(imported_bot, browser):
    shop = load_shop(imported_bot.shop_dir)
    in_black = [i for i in shop.items if i.category == "裤装" and i.in_stock("黑色")][:3]
    buyer = browser("choice-buyer")
    buyer.set_window_size(*PHONE)
    buyer.get(imported_bot.url + "/chat")
    box = wait(buyer).until(lambda d: d.find_element(By.ID, "input"))
    box.send_keys("裤子有黑色吗")
    box.send_keys(Keys.ENTER)

    cards = wait(buyer, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .msg.bot .card.product"))
    assert [c.find_element(By.CSS_SELECTOR, ".card-title").text for c in cards] == [i.name for i in in_black]
    assert all("黑色有货" in c.text for c in cards)
    choose = cards[1].find_element(By.CSS_SELECTOR, "button.card-choose")
    assert choose.text == "就是这款" and choose.size["height"] >= 44 and choose.size["width"] >= 44
    assert buyer.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    before = len(texts_of(buyer, "#log .msg.bot .bubble"))
    choose.click()
    answers = wait(buyer, 60).until(lambda d: texts_of(d, "#log .msg.bot .bubble")[before:])
    assert in_black[1].name in answers[0] and "黑色" in answers[0] and "没有" not in answers[0], answers
    assert texts_of(buyer, "#log .msg.buyer .bubble")[-1] == f"货号{in_black[1].sku}"


def test_the_agent_sees_the_cards_the_buyer_was_offered(imported_bot, browser):
    from tests.browser.waiting import queued, signed_in_agent
    from tests.e2e.test_handoff_live import agent_client

    conversation = f"choice-{uuid.uuid4().hex[:12]}"
    offered = imported_bot.say(conversation, "裤子有黑色吗")["messages"][0]["cards"]
    assert imported_bot.say(conversation, "转人工")["mode"] == "waiting"
    try:
        agent = signed_in_agent(browser, imported_bot, "choice-agent", conversation)
        agent.find_element(By.CSS_SELECTOR, queued(conversation)).click()
        cards = wait(agent).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log li.bot .card.product"))
        titles = [c.find_element(By.CSS_SELECTOR, ".card-title").text for c in cards]
        assert titles == [f"商品卡片 · {c['sku']} {c['title']}" for c in offered]
    finally:
        with agent_client(imported_bot) as client:
            client.post(f"/agent/api/cases/{conversation}/claim")
            client.post(f"/agent/api/cases/{conversation}/handback")
