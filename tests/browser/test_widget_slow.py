"""The widget when the bot is slower than the gateway's timeout: the buyer reads a kind line at
once and no failure mark, and Rasa's late answer comes by itself, once on the screen. The
real bot behind a slow Rasa (tests/e2e/slow_rasa.py), in headless Chromium."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By

from tests.browser.conversations import widget_conversation
from tests.browser.test_handoff_console import bubbles, buyer_says
from tests.browser.waiting import wait
from tests.e2e.slow_rasa import gateway_behind_slow_rasa

TIMEOUT_S = 3  # the gateway's XIAOER_RASA_TIMEOUT here
QUESTION, THEN = "牛仔裤有弹力吗", "有黑色的吗"
SLOW_LINE = "不好意思，店小二这会儿回复得慢了一些，您的消息已收到，请稍等片刻～"

# Runs before the widget: records every frame the page's sockets receive.
HEARD = """
(function () {
  const heard = window.__heard = [];
  const sockets = window.__sockets = [];
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url, protocols) {
      super(url, protocols);
      sockets.push(this);
      this.addEventListener("message", function (event) { heard.push(JSON.parse(event.data)); });
    }
  };
})();
"""


def heard(buyer) -> list[dict]:
    return buyer.execute_script("return window.__heard")


def logged(live_bot, conversation) -> list[dict]:
    return live_bot.history(conversation).json()["messages"]


def test_a_slow_bot_gets_the_buyer_a_kind_line_then_its_answer_once(live_bot, browser):
    with gateway_behind_slow_rasa(live_bot, TIMEOUT_S) as slow_rasa:
        buyer = browser("buyer")
        buyer.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HEARD})
        buyer.get(live_bot.url + "/chat")
        conversation = widget_conversation(buyer, live_bot)
        wait(buyer).until(lambda d: d.execute_script("return window.__sockets.some(s => s.readyState === 1)"))
        slow_rasa.hold()
        try:
            buyer_says(buyer, QUESTION)
            wait(buyer).until(lambda d: SLOW_LINE in bubbles(d, "notice"))
            assert not bubbles(buyer, "bot") and not buyer.find_elements(By.CSS_SELECTOR, "#log .msg.failed")
        finally:
            slow_rasa.release()
        slow = next(frame for frame in heard(buyer) if frame.get("slow"))
        # the late answer is pushed, and the widget, asking again quietly, gets it too
        wait(buyer, 60).until(lambda d: any(f.get("message_id") == slow["message_id"] and not f.get("error")
                                            and not f.get("push") for f in heard(d)))
        buyer_says(buyer, THEN)
        wait(buyer, 60).until(lambda d: logged(live_bot, conversation)[-1]["sender"] != "buyer"
                              and bubbles(d, "bot") == [m["text"] for m in logged(live_bot, conversation) if m["sender"] == "bot"])
    log = logged(live_bot, conversation)
    assert [m["text"] for m in log if m["sender"] == "buyer"] == [QUESTION, THEN], json.dumps(log, ensure_ascii=False)
    assert bubbles(buyer, "notice").count(SLOW_LINE) == 1, "said once"
    events = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [QUESTION, THEN], "Rasa got each once"
    assert not buyer.find_elements(By.CSS_SELECTOR, "#log .msg.failed")
