"""The chat embedded with one <script> tag (bot/web/embed.js), in headless Chromium against the
real bot: on the demo shop's jeans page (/) a bubble reached by Tab opens a panel holding the
chat, the buyer is greeted and asks about the page's item without naming it, Escape closes the
panel and gives the focus back to the bubble; on a phone the panel takes the whole screen. On a
shop's own site (another origin, allowed by XIAOER_EMBED_ORIGINS on its gateway) messages that
arrive while the panel is closed show as an unread badge, and hostile data- options and
messages stay text. Screenshots of the jeans page with the panel open go to
results/embed-desktop.png and results/embed-phone.png."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.test_cards import no_alert
from tests.browser.test_handoff_console import bubbles
from tests.browser.test_widget_access import (
    DESKTOP,
    HOSTILE_TEXT,
    PHONE,
    RESULTS,
    no_sideways_scroll,
    screen,
)
from tests.browser.waiting import texts_of, wait
from tests.e2e.said import said_by
from tests.e2e.test_handoff_live import agent_client, extra_gateway
from tools.stack import free_port

GREETING = "您好，这条高腰直筒牛仔裤有什么想了解的，尺码、颜色、发货都可以问我～"  # bot/web/shop.html
DEFAULT_COLOUR = "rgb(91, 117, 83)"  # #5b7553, the bubble's colour when data-color is refused

# The embed's parts are in its shadow root: read them with JavaScript.
EMBED = "document.querySelector('[data-xiaoer-embed]').shadowRoot"


def part(driver, css):
    return driver.execute_script(f"return {EMBED}.querySelector(arguments[0])", css)


def embed_focus(driver):
    """The class of the embed's part that has the focus ('' when the focus is elsewhere)."""
    return driver.execute_script(f"const a = {EMBED}.activeElement; return a ? a.className || a.tagName : ''")


def panel_open(driver):
    return driver.execute_script(f"return !{EMBED}.querySelector('.panel').hidden")


def badge(driver):
    """The unread badge's text, '' while it is hidden."""
    return driver.execute_script(f"const b = {EMBED}.querySelector('.badge'); return b.hidden ? '' : b.textContent")


def shop_page(driver, url):
    driver.get(url)
    return wait(driver).until(lambda d: part(d, ".bubble"))


@contextlib.contextmanager
def in_chat(driver):
    """Commands inside the panel's frame (the chat), then back on the shop's page."""
    driver.switch_to.frame(part(driver, "iframe"))
    try:
        yield driver
    finally:
        driver.switch_to.default_content()


def chat_ready(driver):
    with in_chat(driver):
        wait(driver).until(lambda d: d.execute_script(
            "const log = document.getElementById('log'); return log && !log.hasAttribute('aria-busy')"))


def says(driver, text, *, answers=1):
    """Typed in the chat and sent with Enter; back when the bot's answer is on the screen."""
    with in_chat(driver):
        before = len(bubbles(driver, "bot"))
        box = driver.find_element(By.ID, "input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)
        wait(driver, 60).until(lambda d: len(bubbles(d, "bot")) >= before + answers)
        return bubbles(driver, "bot")[before:]


def conversation_in(driver):
    with in_chat(driver):
        return driver.execute_script("return localStorage.getItem('xiaoer.conversation')")


def tab_to_bubble(driver, at_most=30):
    """Tab through the shop's page until the bubble has the focus, with a visible focus ring."""
    for _ in range(at_most):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if embed_focus(driver) == "bubble":
            ring = driver.execute_script(
                "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, parseFloat(s.outlineWidth)]",
                part(driver, ".bubble"))
            assert ring[0] != "none" and ring[1] >= 2, ring
            return
    raise AssertionError("Tab never reached the chat bubble")


def box_of(driver, css):
    return driver.execute_script(
        f"const r = {EMBED}.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, top: r.top, width: r.width, height: r.height}", css)


def test_on_the_jeans_page_the_bubble_opens_the_chat_about_the_jeans(live_bot, browser):
    buyer = browser("embed-desktop")
    screen(buyer, *DESKTOP, mobile=False)
    bubble = shop_page(buyer, live_bot.url + "/")
    assert "高腰直筒牛仔裤" in buyer.find_element(By.TAG_NAME, "h1").text, "the shop's own item page"
    assert bubble.get_attribute("aria-label") == "联系禾木服饰客服"
    assert bubble.get_attribute("aria-expanded") == "false"
    size = box_of(buyer, ".bubble")
    assert size["width"] >= 44 and size["height"] >= 44, size
    assert part(buyer, "iframe") is None, "the chat starts only when the buyer opens it"

    # by keyboard: Tab reaches the bubble, Enter opens the panel, the focus is in the chat's input
    tab_to_bubble(buyer)
    ActionChains(buyer).send_keys(Keys.ENTER).perform()
    assert panel_open(buyer) and bubble.get_attribute("aria-expanded") == "true"
    chat_ready(buyer)
    with in_chat(buyer):
        wait(buyer).until(lambda d: d.execute_script("return document.activeElement.id") == "input")
        assert bubbles(buyer, "bot") == [GREETING], "the shop's greeting (data-greeting) opens the chat"
        assert not buyer.find_element(By.CSS_SELECTOR, ".chat-head .shop").is_displayed(), \
            "the panel's header shows the shop's name, not the chat's own"

    answer = says(buyer, "在吗")
    assert said_by(live_bot, "utter_greet", answer[0]), answer
    # the page's item reached the bot: no item named, the answer is about the jeans
    answer = says(buyer, "有黑色吗")
    assert "高腰直筒牛仔裤" in answer[0] and "黑色" in answer[0], answer
    tracker = live_bot.rasa("GET", f"/conversations/{conversation_in(buyer)}/tracker").json()
    pages = [(e.get("metadata") or {}).get("item") for e in tracker["events"] if e.get("event") == "user"]
    assert pages == ["JN-2801", "JN-2801"], pages

    panel = box_of(buyer, ".panel")
    assert panel["width"] < DESKTOP[0] / 2 and panel["left"] > DESKTOP[0] / 2, "a panel at the side on a desktop"
    RESULTS.mkdir(exist_ok=True)
    buyer.save_screenshot(str(RESULTS / "embed-desktop.png"))

    # Escape in the chat closes the panel; the focus is back on the bubble
    with in_chat(buyer):
        ActionChains(buyer).send_keys(Keys.ESCAPE).perform()
    wait(buyer).until(lambda d: not panel_open(d))
    wait(buyer).until(lambda d: embed_focus(d) == "bubble")
    assert bubble.get_attribute("aria-expanded") == "false"


def test_on_a_phone_the_panel_takes_the_whole_screen(live_bot, browser):
    buyer = browser("embed-phone")
    screen(buyer, *PHONE, mobile=True)
    bubble = shop_page(buyer, live_bot.url + "/")
    assert no_sideways_scroll(buyer), "the shop's page fits the phone"
    bubble.click()
    chat_ready(buyer)
    assert box_of(buyer, ".panel") == {"left": 0, "top": 0, "width": PHONE[0], "height": PHONE[1]}
    assert not bubble.is_displayed(), "the panel covers the bubble"
    close = box_of(buyer, ".close")
    assert close["width"] >= 44 and close["height"] >= 44, close
    says(buyer, "在吗")
    answer = says(buyer, "有黑色吗")
    assert "高腰直筒牛仔裤" in answer[0], answer
    RESULTS.mkdir(exist_ok=True)
    buyer.save_screenshot(str(RESULTS / "embed-phone.png"))

    part(buyer, ".close").click()
    wait(buyer).until(lambda d: not panel_open(d) and bubble.is_displayed())


class ShopSite(BaseHTTPRequestHandler):
    """A shop's own site on another origin: each path a page of ``pages``."""
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        page = self.pages.get(self.path.split("?")[0])
        body = (page or "not found").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def shop_site(live_bot, tmp_path_factory):
    """(the shop's site, a gateway that lets it frame the chat): the site serves pages at
    http://127.0.0.1:<its port>, a second gateway of the live bot names it in XIAOER_EMBED_ORIGINS."""
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    server = ThreadingHTTPServer(("127.0.0.1", port), type("Site", (ShopSite,), {"pages": {}}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live_bot.env_overrides["XIAOER_EMBED_ORIGINS"] = site  # for the gateway started next only
    try:
        with extra_gateway(live_bot, tmp_path_factory.mktemp("embed-gateway")) as gateway:
            live_bot.env_overrides.pop("XIAOER_EMBED_ORIGINS")
            yield server, site, gateway
    finally:
        live_bot.env_overrides.pop("XIAOER_EMBED_ORIGINS", None)
        server.shutdown()
        server.server_close()


def put_page(shop_site, path, gateway, **options):
    """A page of the shop's site that embeds the chat of ``gateway`` with these data- options
    (written as a shop would write them, the values escaped for an HTML attribute)."""
    server, site, _ = shop_site
    attributes = "".join(f' data-{name}="{value.replace("&", "&amp;").replace(chr(34), "&quot;").replace("<", "&lt;")}"'
                         for name, value in options.items())
    server.RequestHandlerClass.pages[path] = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>别家店</title></head>'
        f'<body><h1>别家店的宝贝</h1><script src="{gateway}/embed.js" async{attributes}></script></body></html>')
    return site + path


def test_on_a_shop_site_messages_that_come_while_the_panel_is_closed_show_as_unread(live_bot, browser, shop_site):
    _, _, gateway = shop_site
    buyer = browser("embed-unread")
    bubble = shop_page(buyer, put_page(shop_site, "/jeans.html", gateway, shop="禾木服饰", item="JN-2801"))
    bubble.click()
    chat_ready(buyer)
    assert badge(buyer) == ""
    says(buyer, "转人工")
    with in_chat(buyer):
        wait(buyer).until(lambda d: d.find_element(By.ID, "status").text == "正在为您转接人工客服…")
    conversation = conversation_in(buyer)

    def shown_from_the_shop():  # the bot's, the agent's and the notices, in the (hidden) chat
        with in_chat(buyer):
            return buyer.execute_script("return document.querySelectorAll('#log .msg:not(.buyer)').length")

    part(buyer, ".close").click()
    before = shown_from_the_shop()
    try:
        with agent_client(live_bot) as agent:
            assert agent.post(f"/agent/api/cases/{conversation}/claim").status_code == 200
            assert agent.post(f"/agent/api/cases/{conversation}/messages", json={"text": "您好，我是小美"}).status_code == 200

        def counted(d):  # the badge counts what came while the panel was closed
            with in_chat(d):
                arrived = "您好，我是小美" in d.execute_script(
                    "return Array.from(document.querySelectorAll('#log .msg.agent .bubble'), b => b.textContent)")
            new = shown_from_the_shop() - before
            return arrived and new > 0 and badge(d) == str(new) and new
        new = wait(buyer, 60).until(counted)
        assert bubble.get_attribute("aria-label") == f"联系禾木服饰客服（{new}条新消息）"
        with agent_client(live_bot) as agent:
            assert agent.get(f"/agent/api/cases/{conversation}").json()["read_up_to"] == 0, \
                "unread in a closed panel: the agent's console does not say 已读"

        # opening the panel reads them: the badge is gone, and the agent sees them read
        bubble.click()
        wait(buyer).until(lambda d: panel_open(d) and badge(d) == "")
        assert bubble.get_attribute("aria-label") == "联系禾木服饰客服"
        with agent_client(live_bot) as agent:
            wait(buyer).until(lambda d: agent.get(f"/agent/api/cases/{conversation}").json()["read_up_to"] > 0)
        # a message that comes while the panel is open is read at once
        with agent_client(live_bot) as agent:
            agent.post(f"/agent/api/cases/{conversation}/messages", json={"text": "请问有什么可以帮您"})
        with in_chat(buyer):
            wait(buyer).until(lambda d: "请问有什么可以帮您" in texts_of(d, "#log .msg.agent .bubble"))
        part(buyer, ".close").click()
        assert badge(buyer) == ""
    finally:
        with agent_client(live_bot) as agent:
            agent.post(f"/agent/api/cases/{conversation}/handback")


def test_on_a_shop_site_hostile_options_and_messages_stay_text(live_bot, browser, shop_site):
    _, _, gateway = shop_site
    buyer = browser("embed-hostile")
    url = put_page(shop_site, "/hostile.html", gateway, shop="<b>禾木</b>", greeting=HOSTILE_TEXT,
                   color="red;background:url(https://evil.example/x)", item="x' onload='alert(1)")
    bubble = shop_page(buyer, url)
    assert bubble.get_attribute("aria-label") == "联系<b>禾木</b>客服"
    assert buyer.execute_script("return getComputedStyle(arguments[0]).backgroundColor", bubble) == DEFAULT_COLOUR
    bubble.click()
    chat_ready(buyer)
    assert part(buyer, ".head .title").text == "<b>禾木</b>" and part(buyer, ".head b") is None
    with in_chat(buyer):
        assert bubbles(buyer, "bot") == [HOSTILE_TEXT], "the greeting is shown as it was written"
        assert buyer.find_element(By.CSS_SELECTOR, ".chat-head .shop").get_attribute("textContent") == "<b>禾木</b>"
    says(buyer, HOSTILE_TEXT)
    with in_chat(buyer):
        assert bubbles(buyer, "buyer") == [HOSTILE_TEXT]
        assert buyer.find_elements(By.CSS_SELECTOR, "#log img, #log [onerror], .chat-head b") == []
    assert no_alert(buyer)
    # a refused item is not sent: the message went without a page, and was answered
    tracker = live_bot.rasa("GET", f"/conversations/{conversation_in(buyer)}/tracker").json()
    assert [(e.get("metadata") or {}).get("item") for e in tracker["events"] if e.get("event") == "user"] == [None]
