"""Browser tests: Debian's headless Chromium and ChromeDriver against the real bot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tools.stack import running_bot

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Nothing may fetch a browser or talk to the outside: only our own pages.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN",
)


@pytest.fixture(scope="session")
def live_bot(tmp_path_factory):
    """The real bot (model, Rasa, actions, gateway, Redis) for the browser tests."""
    with running_bot(tmp_path_factory.mktemp("browser-live"), REDIS_URL) as bot:
        yield bot


@pytest.fixture
def browser(tmp_path):
    """A factory of fresh headless Chromium sessions (each its own profile), all closed after."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Debian's chromium and chromium-driver are missing: `make browser-deps` installs them")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def start(name: str):
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        profile = tmp_path / f"profile-{name}"
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        driver.set_page_load_timeout(30)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()
    shutil.rmtree(tmp_path, ignore_errors=True)
