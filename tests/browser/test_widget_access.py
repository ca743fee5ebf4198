"""The widget for every buyer, in headless Chromium against the real bot: a Chinese input
method's Enter picks a candidate and does not send, the keyboard reaches and works every
control, a screen reader hears who said what and that a message did not go, and on a phone
the controls are big enough to tap, nothing scrolls sideways and the keyboard hides neither
the input nor the latest message. Screenshots of a short conversation, on a phone and on a
desktop, go to results/widget-phone.png and results/widget-desktop.png."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conversations import come_back_to, widget_conversation
from tests.browser.test_cards import no_alert
from tests.browser.test_handoff_console import bubbles, buyer_says
from tests.browser.waiting import texts_of, wait

RESULTS = Path(__file__).resolve().parents[2] / "results"
PHONE = (390, 844)
NARROW_PHONE = 360
KEYBOARD = 336  # the height an on-screen keyboard takes on such a phone
DESKTOP = (1280, 800)
HOSTILE_TEXT = "<img src=x onerror=alert(1)>"

# The network is down: the socket never opens and every message post fails, so a message
# the buyer sends stays failed, with its retry button.
OFFLINE = """
(function () {
  const Native = window.WebSocket;
  function Unreachable() { return new Native("ws://127.0.0.1:9/"); }
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Unreachable[k] = Native[k]; });
  window.WebSocket = Unreachable;
  const nativeFetch = window.fetch.bind(window);
  window.fetch = function (url, options) {
    if (options && options.method === "POST" && /\\/messages$/.test(String(url))) {
      return Promise.reject(new TypeError("Failed to fetch"));
    }
    return nativeFetch(url, options);
  };
})();
"""


def screen(driver, width, height, mobile):
    """The page's viewport is exactly width × height CSS px (a phone's, with its viewport tag)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile})


def opened(live_bot, browser, name, before=None):
    """The widget in a new Chromium session; before is a script run ahead of the page's own."""
    buyer = browser(name)
    if before:
        buyer.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": before})
    return show(live_bot, buyer)


def show(live_bot, driver, conversation=None):
    """The widget, its history shown: a returning buyer's when conversation is given."""
    driver.get(live_bot.url + "/chat")
    if conversation:
        come_back_to(driver, live_bot, conversation)
        driver.refresh()
    wait(driver).until(lambda d: d.execute_script("return !document.getElementById('log').hasAttribute('aria-busy')"))
    return driver


def focused(driver):
    return driver.execute_script("return document.activeElement")


def press(driver, key, windows_code):
    """A key pressed on the real keyboard (as the browser gets it), to the focused element."""
    for kind in ("keyDown", "keyUp"):
        driver.execute_cdp_cmd("Input.dispatchKeyEvent", {
            "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": windows_code})


def answered(driver, turn):
    """After the buyer's message: the bot's answer to it is on the screen."""
    before = len(bubbles(driver, "bot"))
    turn()
    wait(driver, 60).until(lambda d: len(bubbles(d, "bot")) > before)


def test_an_enter_that_picks_a_chinese_candidate_does_not_send(live_bot, browser):
    buyer = opened(live_bot, browser, "access-ime")
    box = buyer.find_element(By.ID, "input")
    box.click()

    # Chrome: Enter while the pinyin candidates are open picks one (isComposing)
    buyer.execute_cdp_cmd("Input.imeSetComposition", {"text": "nihao", "selectionStart": 5, "selectionEnd": 5})
    press(buyer, "Enter", 13)
    # Safari: the composition ends first, then the Enter's keydown comes with keyCode 229
    buyer.execute_cdp_cmd("Input.insertText", {"text": "你好"})
    press(buyer, "Enter", 229)
    # the page handles a key in full before the next command: nothing went
    assert buyer.find_elements(By.CSS_SELECTOR, "#log .msg.buyer") == [], "an input method's Enter sent the message"
    assert box.get_attribute("value").strip() == "你好"

    # the composition is over: Enter sends what was typed, and the input is empty for the next
    answered(buyer, lambda: press(buyer, "Enter", 13))
    assert bubbles(buyer, "buyer") == ["你好"]
    assert box.get_attribute("value") == ""

    # Shift+Enter makes a new line in the message; Enter sends both lines as one
    box.send_keys("我身高165")
    ActionChains(buyer).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    box.send_keys("体重110斤")
    assert box.get_attribute("value") == "我身高165\n体重110斤"
    assert bubbles(buyer, "buyer") == ["你好"]
    box.send_keys(Keys.ENTER)
    wait(buyer).until(lambda d: bubbles(d, "buyer") == ["你好", "我身高165\n体重110斤"])


def tab_to(driver, css, at_most=30):
    """Press Tab until the element matching css has the focus; each control passed on the way
    shows a focus ring. Past the last control, focus leaves the page (the body) and comes back."""
    for _ in range(at_most):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        here = focused(driver)
        if here.tag_name == "body":
            continue
        ring = driver.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, parseFloat(s.outlineWidth)]", here)
        assert ring[0] != "none" and ring[1] >= 2, f"no focus ring on {here.get_attribute('outerHTML')[:80]}: {ring}"
        if driver.execute_script("return arguments[0].matches(arguments[1])", here, css):
            return here
    raise AssertionError(f"Tab never reached {css}")


def test_a_keyboard_reaches_and_works_every_control(live_bot, browser):
    buyer = opened(live_bot, browser, "access-keys")
    box = buyer.find_element(By.ID, "input")
    answered(buyer, lambda: buyer_says(buyer, "你好"))
    assert focused(buyer) == box, "after sending, the input has the focus again"
    wait(buyer).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#quick button"))
    first_reply = buyer.find_element(By.CSS_SELECTOR, "#quick button").text

    chosen = tab_to(buyer, "#quick button")
    assert chosen.text == first_reply
    answered(buyer, lambda: ActionChains(buyer).send_keys(Keys.ENTER).perform())
    assert len(bubbles(buyer, "buyer")) == 2, "Enter on a quick reply sends it"
    assert focused(buyer) == box, "after a quick reply, the input has the focus"

    # typed, then the send button reached by Tab and pressed with Space
    box.send_keys("什么时候发货")
    tab_to(buyer, "#send")
    answered(buyer, lambda: ActionChains(buyer).send_keys(Keys.SPACE).perform())
    assert bubbles(buyer, "buyer")[-1] == "什么时候发货"
    assert focused(buyer) == box


def test_what_the_buyer_types_stays_text(live_bot, browser):
    buyer = opened(live_bot, browser, "access-hostile")
    answered(buyer, lambda: buyer_says(buyer, HOSTILE_TEXT))
    assert bubbles(buyer, "buyer") == [HOSTILE_TEXT]
    assert buyer.find_elements(By.CSS_SELECTOR, "#log img, #log [onerror]") == []
    assert no_alert(buyer)
    buyer.refresh()  # drawn again from the conversation's history
    wait(buyer).until(lambda d: bubbles(d, "buyer") == [HOSTILE_TEXT])
    assert buyer.find_elements(By.CSS_SELECTOR, "#log img, #log [onerror]") == []
    assert no_alert(buyer)


def test_a_screen_reader_hears_who_said_what_and_what_did_not_go(live_bot, browser):
    buyer = opened(live_bot, browser, "access-reader")
    answered(buyer, lambda: buyer_says(buyer, "你好"))
    log = buyer.find_element(By.ID, "log")
    assert (log.get_attribute("role"), log.get_attribute("aria-live")) == ("log", "polite")
    spoken = buyer.execute_script(
        "return Array.from(document.querySelectorAll('#log .msg'), m => m.textContent)")
    # the widget's own greeting (a notice), the buyer's message, the bot's answer
    assert spoken[0].startswith("提示：") and spoken[1] == "我：你好" and spoken[2].startswith("店小二："), spoken
    box = buyer.find_element(By.ID, "input")
    assert buyer.find_element(By.CSS_SELECTOR, "label[for=input]").get_attribute("textContent") == "输入您的问题"
    assert buyer.find_element(By.ID, "send").get_attribute("textContent") == "发送"
    assert box.get_attribute("enterkeyhint") == "send"
    assert buyer.find_element(By.ID, "quick").get_attribute("aria-label") == "快捷回复"


def test_a_failed_message_says_so_and_its_retry_works_by_keyboard(live_bot, browser):
    buyer = opened(live_bot, browser, "access-failed", before=OFFLINE)
    buyer_says(buyer, "在吗")
    failed = wait(buyer).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .msg.failed"))[0]
    note = failed.find_element(By.CSS_SELECTOR, ".failed-note").get_attribute("textContent")
    assert "网络不稳定" in note and "重发" in note, note  # read out by the log, a live region
    retry = tab_to(buyer, "#log .retry")
    assert retry.size["width"] >= 44 and retry.size["height"] >= 44, retry.size
    ActionChains(buyer).send_keys(Keys.ENTER).perform()
    # sent again (and failed again, the network is still down), once on the screen
    wait(buyer).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .msg.failed .retry"))
    assert bubbles(buyer, "buyer") == ["在吗"]
    assert focused(buyer) == buyer.find_element(By.ID, "input"), "the retry button is gone: focus is on the input"


def too_small(driver):
    """Every control a finger taps that is smaller than 44×44 CSS px."""
    return driver.execute_script("""
      return Array.from(document.querySelectorAll('button, a[href], textarea'))
        .map(e => [e.textContent || e.id, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
        .map(([name, r]) => name + ' ' + r.width + '×' + r.height);""")


def no_sideways_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def inside_viewport(driver, element):
    return driver.execute_script("""
      const r = arguments[0].getBoundingClientRect(), view = window.visualViewport;
      return r.top >= 0 && r.bottom <= view.height && r.left >= 0 && r.right <= view.width;""", element)


def latest_message_shown(driver):
    return driver.execute_script("""
      const log = document.getElementById('log'), last = log.lastElementChild;
      const box = log.getBoundingClientRect(), r = last.getBoundingClientRect();
      return r.bottom <= box.bottom + 1 && r.bottom > box.top;""")


def test_on_a_phone_and_a_desktop(live_bot, browser):
    buyer = browser("access-phone")
    screen(buyer, *PHONE, mobile=True)
    show(live_bot, buyer)
    viewport = buyer.find_element(By.CSS_SELECTOR, "meta[name=viewport]").get_attribute("content")
    assert "width=device-width" in viewport and "initial-scale=1" in viewport
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport, "the buyer may zoom"
    box = buyer.find_element(By.ID, "input")
    assert float(box.value_of_css_property("font-size").removesuffix("px")) >= 16, "iOS zooms into a smaller input"

    # a short conversation: a greeting, a quick reply tapped, questions on sizing, shipping, colour
    answered(buyer, lambda: buyer_says(buyer, "你好"))
    wait(buyer).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#quick button"))
    assert too_small(buyer) == []
    answered(buyer, lambda: buyer.find_element(By.CSS_SELECTOR, "#quick button").click())
    for question in ("165cm 110斤穿什么码？", "什么时候发货", "实物和图片颜色一样吗，会不会有色差"):
        answered(buyer, lambda: buyer_says(buyer, question))
    assert too_small(buyer) == []
    assert no_sideways_scroll(buyer)
    RESULTS.mkdir(exist_ok=True)
    buyer.execute_script("document.activeElement.blur()")  # the picture without a focus ring
    buyer.save_screenshot(str(RESULTS / "widget-phone.png"))

    screen(buyer, NARROW_PHONE, PHONE[1], mobile=True)
    assert no_sideways_scroll(buyer), "a 360 px phone scrolls sideways"

    # the on-screen keyboard opens: the page gets shorter, the input and the latest message stay in sight
    screen(buyer, *PHONE, mobile=True)
    box.click()
    log = buyer.find_element(By.ID, "log")
    screen(buyer, PHONE[0], PHONE[1] - KEYBOARD, mobile=True)
    wait(buyer).until(lambda d: d.execute_script("return window.innerHeight") == PHONE[1] - KEYBOARD)
    assert buyer.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight", log), \
        "the conversation is long enough to need scrolling above the keyboard"
    wait(buyer).until(lambda d: inside_viewport(d, box) and latest_message_shown(d))

    # the same conversation on a desktop
    conversation = widget_conversation(buyer, live_bot)
    desktop = browser("access-desktop")
    screen(desktop, *DESKTOP, mobile=False)
    show(live_bot, desktop, conversation)
    wait(desktop).until(lambda d: texts_of(d, "#log .msg.buyer .bubble") == bubbles(buyer, "buyer"))
    assert no_sideways_scroll(desktop)
    desktop.save_screenshot(str(RESULTS / "widget-desktop.png"))
