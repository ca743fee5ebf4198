"""Several questions in one message are each answered, in one reply (bot/chat/questions.py)."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat.conversation import ConversationService
from bot.chat.questions import QuestionSplitter, best_cut, candidate_cuts
from bot.infra.replies import MAX_MESSAGES_PER_REPLY, split_rasa_output
from bot.infra.store import MemoryStore


def parsed(intent, confidence=0.9):
    return {"intent": {"name": intent, "confidence": confidence}, "entities": []}


def test_candidate_cuts_are_at_spaces_punctuation_and_new_question_words():
    assert candidate_cuts("牛仔裤有黑色吗 发什么快递") == [("牛仔裤有黑色吗", "发什么快递")]
    assert candidate_cuts("有L码吗？还有包邮吗") == [("有L码吗", "还有包邮吗")]
    assert ("165 100斤 T恤穿多大", "多久发货") in candidate_cuts("165 100斤 T恤穿多大 多久发货")
    assert candidate_cuts("有货吗") == []
    assert candidate_cuts("在吗 ?") == [], "a side of one character is no question"
    assert candidate_cuts("再少点嘛 165") == [], "a bare number is a detail, not a question"
    assert candidate_cuts("买了三件 139 169 169 都不合适想退") == [], "details belong to the request beside them"


def test_postage_next_to_a_shipping_question_is_part_of_it():
    cuts = [("那新疆呢", "包邮吗")]
    parses = {"那新疆呢": parsed("ask_shipping") | {"text": "那新疆呢"}, "包邮吗": parsed("bargain") | {"text": "包邮吗"}}
    assert best_cut(cuts, parses) is None


@pytest.mark.parametrize("left,right,cut", [
    (parsed("ask_stock"), parsed("ask_shipping"), True),
    (parsed("ask_stock"), parsed("ask_stock"), False),  # two details of one question
    (parsed("greet"), parsed("bargain"), False),  # filler around one request
    (parsed("ask_stock"), parsed("ask_shipping", 0.4), False),  # one side unsure
])
def test_a_cut_needs_two_sure_questions_of_different_kinds(left, right, cut):
    cuts = [("A", "B")]
    assert (best_cut(cuts, {"A": left, "B": right}) is not None) is cut


def test_the_surest_cut_wins():
    cuts = [("165", "100斤 T恤穿多大 多久发货"), ("165 100斤 T恤穿多大", "多久发货")]
    parses = {"165": parsed("ask_size", 0.7), "100斤 T恤穿多大 多久发货": parsed("ask_shipping", 0.65),
              "165 100斤 T恤穿多大": parsed("ask_size", 0.95), "多久发货": parsed("ask_shipping", 0.97)}
    assert best_cut(cuts, parses) == ("165 100斤 T恤穿多大", "多久发货")


class TwoQuestionRasa:
    """Parses by a table; answers each message it is sent with two bubbles."""

    def __init__(self, intents):
        self.intents, self.sent = intents, []

    async def parse(self, text):
        return parsed(self.intents.get(text, "nlu_fallback"))

    async def send(self, sender, text, message_id=None):
        self.sent.append(text)
        return [{"text": f"{text}的回答"}, {"text": f"{text}的补充"}]


def test_both_questions_go_to_the_bot_and_each_answer_is_in_the_reply():
    rasa = TwoQuestionRasa({"牛仔裤有黑色吗": "ask_stock", "发什么快递": "ask_shipping"})
    service = ConversationService(MemoryStore(), rasa, splitter=QuestionSplitter(rasa.parse))
    reply = asyncio.run(service.buyer_says("conv-q001", "牛仔裤有黑色吗 发什么快递"))
    assert rasa.sent == ["牛仔裤有黑色吗", "发什么快递"]
    texts = [m["text"] for m in reply.messages]
    assert len(texts) == MAX_MESSAGES_PER_REPLY
    assert texts == ["牛仔裤有黑色吗的回答", "牛仔裤有黑色吗的补充", "发什么快递的回答"], "each question answered, in order"
    history = asyncio.run(service.history("conv-q001")).messages
    assert [m["text"] for m in history if m["sender"] == "buyer"] == ["牛仔裤有黑色吗 发什么快递"], "logged as sent"


def test_one_question_is_sent_whole():
    rasa = TwoQuestionRasa({"在吗": "greet", "能便宜点吗": "bargain"})
    service = ConversationService(MemoryStore(), rasa, splitter=QuestionSplitter(rasa.parse))
    asyncio.run(service.buyer_says("conv-q002", "在吗 能便宜点吗"))
    assert rasa.sent == ["在吗 能便宜点吗"]


def test_the_cap_keeps_the_first_message_of_every_answer():
    first = [{"text": "一"}, {"text": "二"}, {"text": "三"}]
    second = [{"text": "四"}]
    messages, _ = split_rasa_output(first, second)
    assert [m["text"] for m in messages] == ["一", "二", "四"]


def test_a_card_goes_with_the_text_before_it_and_is_cleaned():
    card = {"type": "product", "title": "高腰直筒牛仔裤", "price": 139, "image": "javascript:alert(1)"}
    output = [{"text": "这款牛仔裤139元"}, {"custom": {"card": card}}, {"text": "还有别的问题吗"},
              {"custom": {"handoff": {"reason": "buyer_asked"}}}]
    messages, controls = split_rasa_output(output)
    assert messages[0]["card"] == {"type": "product", "title": "高腰直筒牛仔裤", "price": 139}
    assert "card" not in messages[1]
    assert controls == [{"handoff": {"reason": "buyer_asked"}}], "a card is not a control"
