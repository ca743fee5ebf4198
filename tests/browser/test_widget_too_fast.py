"""The widget when the buyer sends faster than the shop's limits: one polite line, then the
message goes again by itself, with the same message_id, when the gateway's wait is over, and
is answered once. The real bot in headless Chromium.

The conversation's minute is filled beforehand through the gateway's own limits, as if the
buyer had sent their allowance 45 s ago: the next message is refused with a wait of about
15 s (the stack's clock cannot be moved, so the test makes the window end soon instead).
"""

from __future__ import annotations

import asyncio
import time

from selenium.webdriver.common.by import By

from bot.chat.limits import BuyerLimits
from bot.config import Settings
from bot.infra.store import RedisStore
from tests.browser.conversations import widget_conversation
from tests.browser.test_handoff_console import bubbles, buyer_says, said_by
from tests.browser.waiting import wait
from tests.conftest import REDIS_URL

QUESTION = "实物和图片颜色一样吗，会不会有色差"
TOO_FAST_LINE = "您发得有点快，请稍等一下，消息会自动帮您发出～"
FILLED_AGO_S = 45

# Runs before the widget: records the frames the page's sockets send and receive.
FRAMES = """
(function () {
  const state = window.__frames = { sent: [], heard: [], sockets: [] };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url, protocols) {
      super(url, protocols);
      state.sockets.push(this);
      this.addEventListener("message", function (event) { state.heard.push(JSON.parse(event.data)); });
    }
    send(data) { state.sent.push(JSON.parse(String(data))); super.send(data); }
  };
})();
"""


def fill_the_minute(live_bot, conversation: str) -> None:
    """The conversation's allowance used up FILLED_AGO_S seconds ago, on the bot's clock."""
    async def fill():
        store = RedisStore(REDIS_URL, prefix=live_bot.prefix)
        then = time.time() + live_bot.clock_offset - FILLED_AGO_S
        # the conversation's own limit only: 127.0.0.1's counts are every browser test's
        limits = BuyerLimits.from_settings(Settings(rate_per_address=0, new_conversations_per_address=0),
                                           clock=lambda: then)
        limits.use(store)
        try:
            for _ in range(limits.per_conversation):
                await limits.message(conversation, "127.0.0.1")
        finally:
            await store.close()

    asyncio.run(fill())


def test_a_message_sent_too_fast_is_told_politely_and_sent_again_after_the_wait(live_bot, browser):
    buyer = browser("too-fast")
    buyer.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FRAMES})
    buyer.get(live_bot.url + "/chat")
    conversation = widget_conversation(buyer, live_bot)
    wait(buyer).until(lambda d: d.execute_script("return window.__frames.sockets.some(s => s.readyState === 1)"))
    fill_the_minute(live_bot, conversation)

    buyer_says(buyer, QUESTION)
    wait(buyer).until(lambda d: TOO_FAST_LINE in bubbles(d, "notice"))
    refused = next(f for f in buyer.execute_script("return window.__frames.heard") if f.get("retry_after"))
    assert 1 <= refused["retry_after"] <= 60 - FILLED_AGO_S + 1, refused
    assert "too many messages in this conversation" in refused["error"]
    assert not bubbles(buyer, "bot") and not buyer.find_elements(By.CSS_SELECTOR, "#log .msg.failed")

    # sent again by itself once the wait is over (a loaded machine's Rasa may take its time)
    wait(buyer, 60).until(lambda d: bubbles(d, "bot") and said_by(live_bot, "utter_color_difference", bubbles(d, "bot")[-1]))
    sent = [f for f in buyer.execute_script("return window.__frames.sent") if f.get("text") == QUESTION]
    assert len(sent) == 2 and sent[0]["message_id"] == sent[1]["message_id"] == refused["message_id"], sent
    assert bubbles(buyer, "notice").count(TOO_FAST_LINE) == 1, "said once, not on every try"
    assert bubbles(buyer, "buyer") == [QUESTION] and not buyer.find_elements(By.CSS_SELECTOR, "#log .msg.failed")
    log = live_bot.history(conversation).json()["messages"]
    assert [m["text"] for m in log if m["sender"] == "buyer"] == [QUESTION], "logged once: the refused try was not"
    assert bubbles(buyer, "bot") == [m["text"] for m in log if m["sender"] == "bot"], "the answer on the screen once"
