"""A buyer in the widget and an agent in the console, in two headless Chromium sessions,
against the real bot: hand-off, claim, reply, hand back, and the bot answers again."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen

from tests.browser.waiting import queued, signed_in_agent, texts_of, wait
from tests.e2e.test_handoff_live import agent_client, extra_gateway
from tools.stack import STAFF, free_port
from xiaoer.scripts import ScriptCorpus, fill

AGENT_REPLY = "您好，我是小美，您的问题我来处理，请稍等~"
HOSTILE_TEXT = "<img src=x onerror=alert(1)>转人工"


def texts(bot, script_id, **values):
    script = ScriptCorpus(bot.scripts_dir).get(script_id)
    return {fill(v, {"shop_name": "禾木服饰", **values}) for v in script.variants}


def said_by(bot, script_id, text):
    """Whether text is one of the script's variants, whatever its placeholders were filled with."""
    script = ScriptCorpus(bot.scripts_dir).get(script_id)
    return any(re.fullmatch(variant_pattern(v), text) for v in script.variants)


def variant_pattern(variant):
    parts = re.split(r"(\{[a-z_][a-z0-9_]*\})", variant.replace("{{", "{").replace("}}", "}"))
    return "".join(".+?" if re.fullmatch(r"\{[a-z_][a-z0-9_]*\}", p) else re.escape(p) for p in parts)


def bubbles(driver, sender):
    return texts_of(driver, f"#log .msg.{sender} .bubble")


def buyer_says(driver, text):
    before = len(driver.find_elements(By.CSS_SELECTOR, "#log .msg"))
    box = driver.find_element(By.ID, "input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log .msg")) > before)


def test_agent_claims_replies_and_hands_back(live_bot, browser, tmp_path):
    buyer = browser("buyer")
    buyer.get(live_bot.url + "/chat")
    wait(buyer).until(lambda d: d.execute_script("return localStorage.getItem('xiaoer.conversation')"))
    conversation = buyer.execute_script("return localStorage.getItem('xiaoer.conversation')")
    status = buyer.find_element(By.ID, "status")

    # the buyer asks for a person: the bot says so, and the buyer learns the place in line
    buyer_says(buyer, "转人工")
    wait(buyer).until(lambda d: status.text == "正在为您转接人工客服…")
    queue_notice = texts(live_bot, "utter_queue_position", position=1)
    wait(buyer).until(lambda d: bubbles(d, "notice")[-1] in queue_notice)
    assert bubbles(buyer, "bot")[-1] in texts(live_bot, "utter_handoff")
    buyer_says(buyer, HOSTILE_TEXT)  # buyer text is shown as text in the console, never run

    # the agent signs in and claims the case
    agent = signed_in_agent(browser, live_bot, "agent", conversation)
    agent.find_element(By.CSS_SELECTOR, f"{queued(conversation)} button.claim").click()
    wait(agent).until(seen.visibility_of_element_located((By.ID, "reply")))
    wait(agent).until(lambda d: HOSTILE_TEXT in [b.text for b in d.find_elements(By.CSS_SELECTOR, "#log .buyer .bubble")])
    assert agent.find_elements(By.CSS_SELECTOR, "#log img") == [], "buyer text never becomes HTML"
    assert "要人工" in agent.find_element(By.ID, "log").text, "what the bot understood, per turn"
    wait(buyer).until(lambda d: status.text == "人工客服为您服务中")

    # the agent replies; the buyer's page shows it
    agent.find_element(By.ID, "reply").send_keys(AGENT_REPLY)
    agent.find_element(By.ID, "send").click()
    wait(buyer).until(lambda d: AGENT_REPLY in bubbles(d, "agent"))
    assert bubbles(buyer, "agent")[0] in texts(live_bot, "utter_agent_joined", agent_name=STAFF["agent"])

    # the buyer writes while the agent has it: the bot stays silent, the agent sees it
    bot_said = len(bubbles(buyer, "bot"))
    buyer_says(buyer, "好的，谢谢")
    wait(agent).until(lambda d: "好的，谢谢" in [b.text for b in d.find_elements(By.CSS_SELECTOR, "#log .buyer .bubble")])
    assert len(bubbles(buyer, "bot")) == bot_said

    # hand back: the bot answers the buyer's next question
    agent.find_element(By.ID, "handback").click()
    wait(buyer).until(lambda d: status.text == "店小二在线")
    wait(buyer).until(lambda d: bubbles(d, "bot")[-1] in texts(live_bot, "utter_back_to_bot"))
    buyer_says(buyer, "实物和图片颜色一样吗，会不会有色差")
    wait(buyer).until(lambda d: said_by(live_bot, "utter_color_difference", bubbles(d, "bot")[-1]))
    wait(agent).until(lambda d: not d.find_elements(By.CSS_SELECTOR, f'#mine li[data-conversation="{conversation}"]'))
    buyer.save_screenshot(str(tmp_path / "buyer.png"))
    agent.save_screenshot(str(tmp_path / "agent.png"))


def test_the_console_page_without_a_session_shows_only_the_sign_in(live_bot, browser):
    agent = browser("anonymous")
    agent.get(live_bot.url + "/agent")
    wait(agent).until(seen.visibility_of_element_located((By.ID, "login-form")))
    assert not agent.find_element(By.ID, "console-view").is_displayed()
    agent.find_element(By.ID, "login").send_keys(live_bot.staff_login("agent")[0])
    agent.find_element(By.ID, "password").send_keys("wrong-password")
    agent.find_element(By.ID, "login-submit").click()
    wait(agent).until(lambda d: d.find_element(By.ID, "login-error").text == "账号或密码不对，请再试一次")
    cookies = {c["name"]: c for c in agent.get_cookies()}
    assert "xiaoer_agent" not in cookies


def test_the_widget_loses_nothing_across_a_gateway_restart(live_bot, browser, tmp_path):
    """The buyer writes while the gateway is down and the agent replies meanwhile: once it is
    back, the widget sends the message and shows the reply."""
    port = free_port()
    buyer = browser("restart-buyer")
    with extra_gateway(live_bot, tmp_path / "first", port=port) as url:
        buyer.get(url + "/chat")
        wait(buyer).until(lambda d: d.execute_script("return localStorage.getItem('xiaoer.conversation')"))
        conversation = buyer.execute_script("return localStorage.getItem('xiaoer.conversation')")
        buyer_says(buyer, "转人工")
        wait(buyer).until(lambda d: d.find_element(By.ID, "status").text == "正在为您转接人工客服…")
    buyer_says(buyer, "网关重启时发的消息")  # nobody answers: kept in the widget's outbox
    with agent_client(live_bot) as agent:
        assert agent.post(f"/agent/api/cases/{conversation}/claim").status_code == 200
        agent.post(f"/agent/api/cases/{conversation}/messages", json={"text": "重启期间客服的回复"})
    with extra_gateway(live_bot, tmp_path / "second", port=port):
        wait(buyer, 60).until(lambda d: "重启期间客服的回复" in bubbles(d, "agent"))
        wait(buyer).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#log .msg.failed"))
        with agent_client(live_bot) as agent:
            def logged(_):
                messages = agent.get(f"/agent/api/cases/{conversation}").json()["messages"]
                return [m["text"] for m in messages if m["sender"] == "buyer"]
            wait(buyer).until(lambda d: logged(d) == ["转人工", "网关重启时发的消息"])
        assert buyer.find_element(By.ID, "status").text == "人工客服为您服务中"
