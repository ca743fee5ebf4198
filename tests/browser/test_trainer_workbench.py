"""A trainer in headless Chromium signs in at /trainer, edits utter_greet, and the
gateway's NLG answers with the new text (a gateway on a copy of scripts_zh/, real Redis)."""

from __future__ import annotations

import asyncio
import threading

from selenium.webdriver.common.by import By

from tests.browser.waiting import wait
from tests.gateway.test_trainer_workbench import PASSWORD, Bench

NEW_TEXT = "欢迎光临{shop_name}！<b>今天</b>想看点什么？"


class Running:
    """The Bench gateway served from a thread of its own, for the synchronous browser."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Bench:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.bench.__aenter__(), self.loop).result(20)
        return self.bench

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(20)

    def __exit__(self, *exc) -> None:
        self.call(self.bench.__aexit__())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_trainer_edits_the_greeting_and_buyers_get_it(browser, redis_prefix, tmp_path):
    bench = Bench(redis_prefix, tmp_path)
    running = Running(bench)
    with running:
        driver = browser("trainer")
        driver.get(bench.url + "/trainer")
        driver.find_element(By.ID, "login").send_keys("trainer")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login-submit").click()
        wait(driver).until(lambda d: d.find_element(By.ID, "script-utter_greet").is_displayed())
        driver.find_element(By.ID, "script-utter_greet").click()
        wait(driver).until(lambda d: d.find_element(By.ID, "editor").is_displayed())
        boxes = driver.find_elements(By.CSS_SELECTOR, "#variants .variant")
        assert len(boxes) == 3
        for remove in driver.find_elements(By.CSS_SELECTOR, "#variants .remove")[1:]:
            remove.click()
        boxes[0].clear()
        boxes[0].send_keys(NEW_TEXT)
        driver.find_element(By.ID, "save").click()
        wait(driver).until(lambda d: d.find_element(By.ID, "editor-ok").text.startswith("已保存"))
        answer = running.call(bench.nlg("utter_greet"))
        assert answer["text"] == "欢迎光临禾木服饰！<b>今天</b>想看点什么？"

        # a refused save says why, in Chinese, naming the variant; the page stays usable
        box = driver.find_element(By.CSS_SELECTOR, "#variants .variant")
        box.clear()
        box.send_keys("这个我不知道")
        driver.find_element(By.ID, "save").click()
        wait(driver).until(lambda d: "禁用语" in d.find_element(By.ID, "editor-error").text)
        assert "第 1 条" in driver.find_element(By.ID, "editor-error").text
        assert running.call(bench.nlg("utter_greet"))["text"] == answer["text"]
