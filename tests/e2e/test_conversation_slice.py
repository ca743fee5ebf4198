"""The first slice end to end: the real model, Rasa, the action server, the gateway and Redis."""

from __future__ import annotations

import os
import time
import uuid

import redis

from tests.conftest import REDIS_URL
from xiaoer.scripts import ScriptCorpus, fill


def new_conversation() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def texts_of(bot, script_id: str, **values) -> set[str]:
    """Every text a script can produce, filled as the gateway fills it."""
    script = ScriptCorpus(bot.scripts_dir).get(script_id)
    assert script is not None, script_id
    return {fill(v, {"shop_name": "禾木服饰", **values}) for v in script.variants}


def bot_texts(reply) -> list[str]:
    return [m["text"] for m in reply["messages"]]


def test_greeting_comes_from_the_script_corpus(live_bot):
    reply = live_bot.say(new_conversation(), "在吗")
    assert reply["mode"] == "bot"
    assert bot_texts(reply)[0] in texts_of(live_bot, "utter_greet")
    assert reply["messages"][0]["buttons"], "the greeting offers quick replies"


def test_greetings_do_not_repeat_word_for_word(live_bot):
    conversation = new_conversation()
    texts = [bot_texts(live_bot.say(conversation, message))[0] for message in ("在吗", "你好", "在不在呀")]
    assert all(text in texts_of(live_bot, "utter_greet") for text in texts)
    assert texts[0] != texts[1] and texts[1] != texts[2]


def test_colour_difference_is_answered(live_bot):
    reply = live_bot.say(new_conversation(), "实物和图片颜色一样吗，会不会有色差")
    assert bot_texts(reply)[0] in texts_of(live_bot, "utter_color_difference", days=7)


def test_asking_for_a_person_hands_off_and_the_bot_goes_quiet(live_bot):
    conversation = new_conversation()
    reply = live_bot.say(conversation, "转人工")
    assert reply["mode"] == "waiting"
    assert bot_texts(reply)[0] in texts_of(live_bot, "utter_handoff")
    later = live_bot.say(conversation, "还有人吗")
    assert later["mode"] == "waiting" and later["messages"] == []


def test_gibberish_gets_a_polite_answer_not_a_guess(live_bot):
    reply = live_bot.say(new_conversation(), "qwxz zzkv ppl")
    assert reply["mode"] == "bot"
    polite_no_guess = texts_of(live_bot, "utter_ask_rephrase") | texts_of(live_bot, "utter_out_of_scope")
    assert bot_texts(reply)[0] in polite_no_guess


def test_third_message_in_a_row_the_bot_cannot_help_with_goes_to_a_person(live_bot):
    conversation = new_conversation()
    first = live_bot.say(conversation, "帮我订一张去北京的机票")
    second = live_bot.say(conversation, "那你给我讲个笑话吧")
    assert first["mode"] == second["mode"] == "bot", "the second miss offers the topics as buttons"
    third = live_bot.say(conversation, "你们老板是谁啊")
    assert third["mode"] == "waiting"
    assert bot_texts(third)[0] in texts_of(live_bot, "utter_handoff_after_failures")


def test_out_of_scope_is_declined_politely(live_bot):
    reply = live_bot.say(new_conversation(), "帮我订一张去北京的机票")
    assert reply["mode"] == "bot"
    assert bot_texts(reply)[0] in texts_of(live_bot, "utter_out_of_scope") | texts_of(live_bot, "utter_ask_rephrase")


def test_editing_a_script_changes_the_next_answer_without_restart(live_bot):
    path = live_bot.scripts_dir / "greeting.yml"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original.replace("utter_greet:", "utter_greet_old:", 1) + "\nutter_greet: 改过的欢迎语，今天上新啦！\n", encoding="utf-8")
        stamp = time.time() + 1
        os.utime(path, (stamp, stamp))
        time.sleep(1.2)  # the corpus checks for edits at most once a second
        assert bot_texts(live_bot.say(new_conversation(), "在吗"))[0] == "改过的欢迎语，今天上新啦！"
    finally:
        path.write_text(original, encoding="utf-8")
        stamp = time.time() + 2
        os.utime(path, (stamp, stamp))


def test_rasa_keeps_the_tracker_in_redis(live_bot):
    conversation = new_conversation()
    live_bot.say(conversation, "你好")
    client = redis.Redis.from_url(REDIS_URL)
    assert client.exists(f"{live_bot.prefix}:tracker:{conversation}")
    client.close()
