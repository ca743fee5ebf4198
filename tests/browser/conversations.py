"""The widget's conversation as a test holds it: its id and its token, both in the buyer's
localStorage (bot/web/widget.js), the token also in the live bot's jar so that bot.history and
bot.say reach the conversation as its buyer does (bot/chat/keys.py)."""

from tests.browser.waiting import wait

ID_KEY, TOKEN_KEY = "xiaoer.conversation", "xiaoer.conversation_token"


def widget_conversation(driver, bot) -> str:
    """The id of the conversation the widget in ``driver`` holds (waited for); its token is kept."""
    conversation, token = wait(driver).until(lambda d: d.execute_script(
        "const id = localStorage.getItem(arguments[0]), token = localStorage.getItem(arguments[1]);"
        "return id && token ? [id, token] : null;", ID_KEY, TOKEN_KEY))
    bot.tokens.keep(conversation, token)
    return conversation


def come_back_to(driver, bot, conversation: str) -> None:
    """The widget's storage as a buyer's who had this conversation (its id and its token); the
    page is on the widget's origin already, and is reloaded after."""
    driver.execute_script("localStorage.setItem(arguments[0], arguments[1]); localStorage.setItem(arguments[2], arguments[3]);",
                          ID_KEY, conversation, TOKEN_KEY, bot.tokens.token(conversation))
