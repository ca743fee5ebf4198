"""A manager in headless Chromium signs in at /dashboard and sees a scripted day of
conversations in its charts, and the staffing planner's agents per hour (the real bot, at
14:00 in the shop by the app's clock)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By

from bot.ops.dashboard import PLAN_DEFAULTS
from tests.browser.waiting import sign_in, wait
from tools.stack import SHOP_TZ
from xiaoer.staffing import PlanInput, default_start, plan

RESULTS = Path(__file__).resolve().parents[2] / "results"
# Four buyers, typing as on a phone: the bot answers one, a person is asked for twice (one
# of them angry), one is gibberish.
SCRIPTED = {"greets": "在吗", "wants_person": "转人工", "complains": "你们是骗子吧 我要投诉", "gibberish": "asdkjh qwe"}


def signed_in(bot, area: str, role: str) -> httpx.Client:
    http = httpx.Client(base_url=bot.url, headers={"Origin": bot.url}, timeout=30)
    login, password = bot.staff_login(role)
    response = http.post(f"/{area}/api/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return http


def values(driver, css: str) -> list[float]:
    return [float(rect.get_attribute("data-value")) for rect in driver.find_elements(By.CSS_SELECTOR, css)]


def label(driver, chart: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"#{chart} svg").get_attribute("aria-label")


def expected_plan(resolution: float, **changes) -> list[int]:
    start = default_start(dt.datetime.now(SHOP_TZ).year, SHOP_TZ)
    given = {**PLAN_DEFAULTS, "bot_resolution_rate": resolution, "start": start, **changes}
    return [hour.agents for hour in plan(PlanInput(**given)).hours]


def closed_cases(agent: httpx.Client, conversations: list[str]) -> None:
    """The agent takes and closes these conversations' cases: the next test's buyer is first in line."""
    for conversation in conversations:
        agent.post(f"/agent/api/cases/{conversation}/claim")
        agent.post(f"/agent/api/cases/{conversation}/close", json={"outcome": "resolved"})


def test_a_manager_sees_the_scripted_day_and_the_staffing_plan(live_bot, browser):
    manager = signed_in(live_bot, "dashboard", "manager")
    agent = signed_in(live_bot, "agent", "agent")
    before = manager.get("/dashboard/api/day").json()  # the browser tests before this one chatted too
    ids = {who: f"dash{who}{uuid.uuid4().hex[:10]}" for who in SCRIPTED}
    try:
        a_day_seen_by_a_manager(live_bot, browser, manager, agent, before, ids)
    finally:
        closed_cases(agent, [ids["wants_person"], ids["complains"]])
        manager.close()
        agent.close()


def a_day_seen_by_a_manager(live_bot, browser, manager, agent, before, ids) -> None:
    for who, text in SCRIPTED.items():
        live_bot.say(ids[who], text)
    assert agent.post(f"/agent/api/cases/{ids['wants_person']}/claim").status_code == 200
    after = manager.get("/dashboard/api/day").json()
    assert after["conversations"] == before["conversations"] + 4
    assert after["handed_off"] == before["handed_off"] + 2

    driver = browser("manager")
    sign_in(driver, live_bot, "/dashboard", "manager")
    wait(driver).until(lambda d: d.find_element(By.ID, "conversations").text == str(after["conversations"]))

    resolved, total = before["bot_resolved"] + 2, before["conversations"] + 4
    assert f"{resolved} / {total} 个会话没有转人工" in label(driver, "chart-resolution")
    assert f"{round(100 * resolved / total)}%" in label(driver, "chart-resolution")
    reasons = {r["name"]: r["count"] for r in before["handoffs_by_reason"]}
    assert values(driver, '#chart-reasons g[data-label="买家要求人工"] rect') == [reasons.get("买家要求人工", 0) + 1]
    assert sum(values(driver, "#chart-reasons rect")) == sum(reasons.values()) + 2
    assert sum(values(driver, "#chart-waits rect")) == before["waits"]["count"] + 1
    assert sum(values(driver, '#chart-hours rect[data-series="会话"]')) == total
    assert sum(values(driver, '#chart-hours rect[data-series="转人工"]')) == before["handed_off"] + 2
    replies = after["replies"]
    assert f"{replies['within_goal']} / {replies['count']} 条回复" in label(driver, "chart-within-goal")
    assert "目标 90%" in label(driver, "chart-within-goal")
    assert f"{after['fallbacks']} / {after['messages']} 条消息" in label(driver, "chart-fallbacks")
    shown_scripts = {g.get_attribute("data-label") for g in driver.find_elements(By.CSS_SELECTOR, "#chart-scripts g.row")}
    assert {s["script"] for s in after["scripts"]} == shown_scripts and "utter_greet" in shown_scripts

    # the planner: this year's peak, the measured resolution rate, agents per hour as columns
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chart-plan rect.bar")) == 8)
    measured = resolved / total
    assert values(driver, "#chart-plan rect.bar") == expected_plan(measured)
    shown_rate = float(driver.find_element(By.ID, "bot_resolution_rate").get_attribute("value"))
    assert shown_rate == round(measured * 100, 2)
    labels = [g.get_attribute("data-label") for g in driver.find_elements(By.CSS_SELECTOR, "#chart-plan g.column")]
    assert labels[0] == "11-10 18:00" and labels[-1] == "11-11 01:00"
    per_agent = driver.find_element(By.ID, "chats_per_agent_hour")
    per_agent.clear()
    per_agent.send_keys("10")
    driver.find_element(By.ID, "plan-submit").click()
    fewer_chats_each = expected_plan(shown_rate / 100, chats_per_agent_hour=10)  # the rate as the form sends it
    wait(driver).until(lambda d: values(d, "#chart-plan rect.bar") == fewer_chats_each)
    assert f"{max(fewer_chats_each)} 位客服" in driver.find_element(By.ID, "plan-summary").text
    driver.set_window_size(1280, 2400)
    RESULTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(RESULTS / "dashboard.png"))  # for a person to look at
