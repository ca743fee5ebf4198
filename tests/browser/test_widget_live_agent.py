"""The widget while a person is involved, in headless Chromium against the real bot: 店小二
typing while its answer is on the way, the place in the line (pushed as the line moves), the
agent typing in the console shown as 客服正在输入…, the agent's message on the buyer's page and
已读 under it in the console."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen

from tests.browser.test_handoff_console import bubbles, buyer_says
from tests.browser.waiting import queued, signed_in_agent, wait
from tests.e2e.test_handoff_live import agent_client

AGENT_REPLY = "您好 我是小美 这就帮您查"
# What the widget's typing line says over time, recorded in the page (it may show for less
# than a poll's interval: the real bot answers fast).
RECORD_TYPING = """
window.typingSeen = [];
const line = document.getElementById("typing");
new MutationObserver(function () {
  window.typingSeen.push({text: line.textContent, hidden: line.hidden, role: line.getAttribute("role"),
                          label: line.getAttribute("aria-label")});
}).observe(line, {childList: true, characterData: true, subtree: true, attributes: true});
window.visibilitySeen = [];
document.addEventListener("visibilitychange", function () { window.visibilitySeen.push(document.visibilityState); });
"""


def open_widget(browser, bot, profile):
    buyer = browser(profile)
    buyer.get(bot.url + "/chat")
    wait(buyer).until(lambda d: d.execute_script("return localStorage.getItem('xiaoer.conversation')"))
    return buyer, buyer.execute_script("return localStorage.getItem('xiaoer.conversation')")


def ahead_of(bot, conversation) -> int:
    """How many buyers are ahead of this one in the line, as the console's queue has it."""
    with agent_client(bot) as agent:
        waiting = agent.get("/agent/api/queue").json()["waiting"]
    return next(c["position"] for c in waiting if c["conversation_id"] == conversation) - 1


def line_text(ahead: int) -> str:
    return "已为您转接人工客服，" + (f"您前面还有 {ahead} 位" if ahead else "下一位就是您") + "，请稍候"


def line_of(driver) -> str:
    box = driver.find_element(By.ID, "line")
    return box.text if box.is_displayed() else ""


@pytest.fixture
def handed_back(live_bot):
    """The conversations a test hands to a person, handed back to the bot after it (claimed
    first if still in the line): the next test on this live bot finds the line empty."""
    conversations = []
    yield conversations
    with agent_client(live_bot) as agent:
        for conversation in conversations:
            agent.post(f"/agent/api/cases/{conversation}/claim")  # the same agent's case: 200 again
            agent.post(f"/agent/api/cases/{conversation}/handback")


def test_typing_the_line_and_read_receipts_between_buyer_and_agent(live_bot, browser, handed_back):
    buyer, conversation = open_widget(browser, live_bot, "live-buyer")
    handed_back.append(conversation)
    typing = buyer.find_element(By.ID, "typing")

    # the bot's typing line shows while the answer is on its way, and goes when it comes
    buyer.execute_script(RECORD_TYPING)
    buyer_says(buyer, "在吗")
    wait(buyer).until(lambda d: bubbles(d, "bot"))
    wait(buyer).until(lambda d: not typing.is_displayed())
    shown = [s for s in buyer.execute_script("return window.typingSeen") if not s["hidden"]]
    assert shown and shown[0] == {"text": "店小二正在输入…", "hidden": False, "role": "status", "label": "店小二正在输入"}

    # the buyer asks for a person: the line says their place, from the queue
    buyer_says(buyer, "转人工")
    wait(buyer).until(lambda d: d.find_element(By.ID, "status").text == "正在为您转接人工客服…")
    mine_ahead = ahead_of(live_bot, conversation)
    wait(buyer).until(lambda d: line_of(d) == line_text(mine_ahead))
    assert buyer.find_element(By.ID, "line").get_attribute("role") == "status"

    # a second buyer joins behind: one more ahead of them; the line moves when the agent
    # takes the first buyer, and a reload shows the place too
    other, other_conversation = open_widget(browser, live_bot, "live-other")
    handed_back.append(other_conversation)
    buyer_says(other, "转人工")
    other_ahead = ahead_of(live_bot, other_conversation)
    assert other_ahead == mine_ahead + 1
    wait(other).until(lambda d: line_of(d) == line_text(other_ahead))

    agent = signed_in_agent(browser, live_bot, "live-agent", conversation)
    agent.find_element(By.CSS_SELECTOR, f"{queued(conversation)} button.claim").click()
    wait(agent).until(seen.visibility_of_element_located((By.ID, "reply")))
    wait(buyer).until(lambda d: d.find_element(By.ID, "status").text == "人工客服为您服务中")
    assert line_of(buyer) == "", "no line once a person has the conversation"
    wait(other).until(lambda d: line_of(d) == line_text(other_ahead - 1))
    other.refresh()
    wait(other).until(lambda d: line_of(d) == line_text(other_ahead - 1))

    # the agent types: the buyer sees it; the agent sends: the buyer's page has the message and
    # no more typing; the console says 未读 while the buyer looks at another tab, 已读 once back
    wait(agent).until(lambda d: receipts(d) and receipts(d)[0][1] == "已读")  # the greeting on claiming
    agent.find_element(By.ID, "reply").send_keys(AGENT_REPLY)
    wait(buyer).until(lambda d: typing.is_displayed() and typing.text == "客服正在输入…")
    assert typing.get_attribute("aria-label") == "客服正在输入"
    widget_tab = buyer.current_window_handle
    buyer.switch_to.new_window("tab")
    agent.find_element(By.ID, "reply").send_keys(Keys.ENTER)
    wait(agent).until(lambda d: receipts(d)[-1:] == [(AGENT_REPLY, "未读")])
    buyer.switch_to.window(widget_tab)
    wait(buyer).until(lambda d: AGENT_REPLY in bubbles(d, "agent") and not typing.is_displayed())
    assert buyer.execute_script("return window.visibilitySeen")[:2] == ["hidden", "visible"], "the tab was hidden"
    wait(agent).until(lambda d: [state for _, state in receipts(d)] == ["已读", "已读"]
                      and receipts(d)[-1][0] == AGENT_REPLY)


def receipts(agent):
    """(text, 已读/未读) of each of the agent's messages in the console's open case."""
    found = []
    for item in agent.find_elements(By.CSS_SELECTOR, "#log li.agent"):
        marks = item.find_elements(By.CSS_SELECTOR, ".receipt")
        found.append((item.find_element(By.CSS_SELECTOR, ".bubble").text, marks[0].text if marks else ""))
    return found
