"""The widget re-sends a message whose answer it lost (a cut socket, a failed request) with the
same message_id, and the gateway answers it once: one buyer message in the log, one answer
from the bot, once on the screen. Against the real bot, in headless Chromium."""

from __future__ import annotations

import json
import time

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from tests.browser.conversations import widget_conversation
from tests.browser.test_handoff_console import bubbles, buyer_says, said_by
from tests.browser.waiting import wait

QUESTION = "实物和图片颜色一样吗，会不会有色差"

# Runs before the widget: records the socket's frames and the message posts, and cuts the
# socket right after the next frame / fails the next answers, as a flaky network would.
FLAKY_NETWORK = """
(function () {
  const state = window.__flaky = { sockets: [], frames: [], posts: [], cutAfterNextFrame: false, dropAnswers: 0,
                                  cutInsteadOfNextFrame: false, failPosts: 0 };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url, protocols) { super(url, protocols); state.sockets.push(this); }
    send(data) {
      if (state.cutInsteadOfNextFrame) { state.cutInsteadOfNextFrame = false; this.close(); return; }
      state.frames.push(String(data));
      super.send(data);
      if (state.cutAfterNextFrame) { state.cutAfterNextFrame = false; this.close(); }
    }
  };
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async function (url, options) {
    if (options && options.method === "POST" && /\\/messages$/.test(String(url)) && state.failPosts > 0) {
      state.failPosts -= 1;
      throw new TypeError("Failed to fetch");  // the request never left the phone
    }
    const response = await nativeFetch(url, options);
    if (options && options.method === "POST" && /\\/messages$/.test(String(url))) {
      state.posts.push({ body: String(options.body), status: response.status });
      if (state.dropAnswers > 0) {
        state.dropAnswers -= 1;
        throw new TypeError("Failed to fetch");  // the answer came, the page never sees it
      }
    }
    return response;
  };
})();
"""


def open_widget(live_bot, browser, name):
    buyer = browser(name)
    buyer.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FLAKY_NETWORK})
    buyer.get(live_bot.url + "/chat")
    wait(buyer).until(lambda d: d.execute_script("return localStorage.getItem('xiaoer.conversation')"))
    wait(buyer).until(lambda d: d.execute_script("return window.__flaky.sockets.some(s => s.readyState === 1)"))
    return buyer, widget_conversation(buyer, live_bot)


def sent_ids(buyer):
    """The message_id of every delivery of the question: over the socket, then over HTTP."""
    flaky = buyer.execute_script("return window.__flaky")
    bodies = [json.loads(frame) for frame in flaky["frames"]] + [json.loads(p["body"]) for p in flaky["posts"]]
    return [body.get("message_id") for body in bodies if body.get("text") == QUESTION]


def page_state(live_bot, buyer, conversation):
    """What the page and the gateway hold, for a failure's message."""
    log = live_bot.history(conversation).json()
    screen = [(m.get_attribute("class"), m.text) for m in buyer.find_elements(By.CSS_SELECTOR, "#log .msg")]
    return f"screen: {screen}\nnetwork: {buyer.execute_script('return window.__flaky')}\nlog: {log}"


def check_answered_once(live_bot, buyer, conversation, deliveries=2):
    try:
        # a loaded machine's Rasa may take its time; the retries wait for it
        wait(buyer, 60).until(lambda d: bubbles(d, "bot") and said_by(live_bot, "utter_color_difference", bubbles(d, "bot")[-1]))
        wait(buyer).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#log .msg.failed"))
    except TimeoutException:
        raise AssertionError("the answer did not come:\n" + page_state(live_bot, buyer, conversation)) from None
    time.sleep(3)  # a repeat still on its way would show up now
    log = live_bot.history(conversation).json()["messages"]
    assert [m["text"] for m in log if m["sender"] == "buyer"] == [QUESTION], "the buyer's text is logged once"
    bot_said = [m["text"] for m in log if m["sender"] == "bot"]
    assert bot_said and said_by(live_bot, "utter_color_difference", bot_said[-1])
    assert bubbles(buyer, "bot") == bot_said, "the answer is on the screen once"
    assert bubbles(buyer, "buyer") == [QUESTION]
    events = live_bot.rasa("GET", f"/conversations/{conversation}/tracker").json()["events"]
    asked = [e["text"] for e in events if e.get("event") == "user"]
    assert asked and len(asked) == len(set(asked)), f"Rasa was asked once, not {asked}"
    ids = sent_ids(buyer)
    assert len(ids) >= deliveries and len(set(ids)) == 1 and ids[0], f"every retry carries the same message_id: {ids}"


def test_a_message_whose_socket_is_cut_is_sent_again_and_answered_once(live_bot, browser):
    buyer, conversation = open_widget(live_bot, browser, "retry-cut-socket")
    buyer.execute_script("window.__flaky.cutAfterNextFrame = true")
    buyer_says(buyer, QUESTION)  # the socket closes with the answer on its way: sent again over HTTP
    check_answered_once(live_bot, buyer, conversation)


def test_a_message_whose_answer_is_lost_twice_is_answered_once(live_bot, browser):
    """The socket is cut, then the HTTP retry's answer is lost too: the widget keeps the
    message and sends it again when the socket is back."""
    buyer, conversation = open_widget(live_bot, browser, "retry-lost-answer")
    buyer.execute_script("window.__flaky.cutAfterNextFrame = true; window.__flaky.dropAnswers = 1")
    buyer_says(buyer, QUESTION)
    check_answered_once(live_bot, buyer, conversation)
    assert len(sent_ids(buyer)) >= 3, "sent over the socket, over HTTP, and over the socket again"


def test_a_first_message_that_never_arrived_is_sent_when_the_socket_is_back(live_bot, browser):
    """Neither the socket frame nor the HTTP retry of a new conversation's first message got
    out: nothing of the conversation is on the gateway yet (its history is a 404), and the
    widget still sends the message once the socket is back."""
    buyer, conversation = open_widget(live_bot, browser, "retry-never-arrived")
    buyer.execute_script("window.__flaky.cutInsteadOfNextFrame = true; window.__flaky.failPosts = 1")
    buyer_says(buyer, QUESTION)
    check_answered_once(live_bot, buyer, conversation, deliveries=1)
