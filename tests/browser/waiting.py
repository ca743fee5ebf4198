"""Waiting on pages that re-render: an element read mid-update is simply read again."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait


def wait(driver, timeout=30):
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))


def texts_of(driver, css):
    """The texts of the elements matching css, read again if the page re-renders meanwhile."""
    for _ in range(10):
        try:
            return [element.text for element in driver.find_elements("css selector", css)]
        except StaleElementReferenceException:
            continue
    return [element.text for element in driver.find_elements("css selector", css)]
