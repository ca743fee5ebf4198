"""A conversation's id is not its key: a second browser given the first buyer's conversation id
but not its token reads nothing of it (bot/chat/keys.py, bot/web/widget.js). Against the real
bot, in headless Chromium."""

from __future__ import annotations

import json

import httpx
from selenium.webdriver.common.by import By
from websockets.sync.client import connect

from tests.browser.conversations import ID_KEY, TOKEN_KEY, widget_conversation
from tests.browser.test_handoff_console import bubbles, buyer_says
from tests.browser.waiting import wait

SECRET = "我家地址是杭州西湖区文三路88号 电话13900001234"


def shown(driver) -> str:
    return " ".join(element.text for element in driver.find_elements(By.CSS_SELECTOR, "#log .msg"))


def opened(driver) -> bool:
    return driver.execute_script("return !document.getElementById('log').hasAttribute('aria-busy')")


def test_a_second_browser_with_the_first_buyers_id_but_not_its_token_reads_nothing(live_bot, browser):
    first = browser("token-first")
    first.get(live_bot.url + "/chat")
    conversation = widget_conversation(first, live_bot)
    buyer_says(first, "在吗")
    wait(first, 60).until(lambda d: bubbles(d, "bot"))
    buyer_says(first, SECRET)
    wait(first, 60).until(lambda d: len(bubbles(d, "bot")) >= 2)
    assert SECRET in live_bot.history(conversation).text, "the first buyer reads their own conversation"

    # the id alone, as seen in a log or a link: the API and the socket say no
    refused = httpx.get(f"{live_bot.url}/api/conversations/{conversation}", timeout=30)
    assert refused.status_code == 403 and SECRET not in refused.text
    assert "conversation_token" in refused.json()["error"]
    wrote = httpx.post(f"{live_bot.url}/api/conversations/{conversation}/messages", json={"text": "在吗"}, timeout=30)
    assert wrote.status_code == 403
    with connect(live_bot.url.replace("http://", "ws://") + f"/ws/{conversation}", open_timeout=30) as ws:
        ws.send(json.dumps({"conversation_token": "not-the-token-of-this-conversation"}))
        assert json.loads(ws.recv(timeout=30))["forbidden"] is True

    # a second browser (its own profile and localStorage) given that id, with no token or a wrong one
    for name, token in (("token-second", None), ("token-third", "a" * 43)):
        second = browser(name)
        second.get(live_bot.url + "/chat")
        wait(second).until(opened)
        second.execute_script("localStorage.setItem(arguments[0], arguments[1]);"
                              "if (arguments[3]) localStorage.setItem(arguments[2], arguments[3]);"
                              "else localStorage.removeItem(arguments[2]);", ID_KEY, conversation, TOKEN_KEY, token)
        second.refresh()
        wait(second).until(opened)
        # it goes on quietly in a conversation of its own: none of the first buyer's lines, no error
        wait(second).until(lambda d: d.execute_script("return localStorage.getItem(arguments[0])", ID_KEY) != conversation)
        assert SECRET not in shown(second) and "在吗" not in bubbles(second, "buyer")
        assert not second.find_elements(By.CSS_SELECTOR, "#log .msg.failed")
        assert all("error" not in text.lower() and "403" not in text for text in bubbles(second, "notice"))
        own = widget_conversation(second, live_bot)
        buyer_says(second, "有黑色吗")
        wait(second, 60).until(lambda d: bubbles(d, "bot"))
        assert SECRET not in shown(second)
        said = [m["text"] for m in live_bot.history(own).json()["messages"] if m["sender"] == "buyer"]
        assert said == ["有黑色吗"], "its message went to its own conversation"

    buyers = [m["text"] for m in live_bot.history(conversation).json()["messages"] if m["sender"] == "buyer"]
    assert buyers == ["在吗", SECRET], "nothing was written to the first buyer's conversation"
    first.refresh()
    wait(first).until(lambda d: SECRET in bubbles(d, "buyer"))  # the first buyer still has it
