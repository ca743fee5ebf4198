"""Waiting on pages that re-render: an element read mid-update is simply read again. And the
console's sign-in, which several tests go through before their own steps."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
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


def queued(conversation):
    """The CSS of a conversation's case in the console's queue."""
    return f'#queue li[data-conversation="{conversation}"]'


def sign_in(driver, bot, page, role):
    """Open a staff page (/agent, /dashboard) and sign in with the bot's own person of the role
    (tools/stack.py)."""
    driver.get(bot.url + page)
    wait(driver).until(seen.visibility_of_element_located((By.ID, "login")))
    login, password = bot.staff_login(role)
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()


def signed_in_agent(browser, bot, profile, conversation):
    """A new Chromium session (browser fixture, this profile) signed in to the console at /agent
    as the bot's own agent (tools/stack.py), once the conversation's case shows in its queue."""
    agent = browser(profile)
    sign_in(agent, bot, "/agent", "agent")
    wait(agent).until(seen.visibility_of_element_located((By.CSS_SELECTOR, queued(conversation))))
    return agent
