"""Faults against the real processes (the trained model in Rasa, the action server, the
gateway, Redis): a Rasa slower than the gateway's timeout, and a gateway killed while Rasa
answers and started again.

The stack's gateway reaches Rasa here through a proxy that can hold Rasa's answers back
(tests/e2e/slow_rasa.py): Rasa gets each message and answers it at once, the answer reaches
the gateway only when the test lets it go. Every wait is on a condition with a generous
deadline; what a buyer's client would give up on has a deadline of its own (PATIENCE_S).
A loaded machine's Rasa may itself be slower than the short timeout here: the buyer's side
then asks again with the same message_id, as the widget does, until it has the answer.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from websockets.sync.client import connect

from bot.chat.routes import ANSWERING, RASA_SLOW
from tests.e2e.slow_rasa import gateway_behind_slow_rasa

TIMEOUT_S = 3  # XIAOER_RASA_TIMEOUT of the gateway behind the slow Rasa (also a claim's lease)
PATIENCE_S = TIMEOUT_S + 15  # a buyer's client gives up after this: a gateway that hangs fails here
DEADLINE_S = 60  # every wait for a condition
# a client sending a message again waits this long between deliveries (the widget: 1 s, then
# longer), which also keeps the tests well inside the gateway's per-conversation rate limit
RESEND_S = 1.0
SLOW = {"error": RASA_SLOW, "slow": True}


def new_conversation() -> str:
    return f"e2e-faults-{uuid.uuid4().hex[:12]}"


def new_message_id() -> str:
    return str(uuid.uuid4())  # what the widget sends


def wait_for(condition, what: str, deadline: float = DEADLINE_S, every: float = 0.2):
    end = time.monotonic() + deadline
    while not (value := condition()):
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline} s: {what}")
        time.sleep(every)
    return value


def post(bot, conversation: str, text: str, message_id: str | None = None) -> httpx.Response:
    body = {"text": text} if message_id is None else {"text": text, "message_id": message_id}
    with bot.buyer_client() as http:  # keeps the conversation's token, sends it back
        return http.post(f"/api/conversations/{conversation}/messages", json=body, timeout=PATIENCE_S)


def answer(bot, conversation: str, text: str, message_id: str | None = None) -> dict | None:
    """The answer to one delivery of the message, or None while it is still being answered
    (409) or the bot is slow (503; the answer follows): then the client asks again."""
    response = post(bot, conversation, text, message_id)
    if response.status_code in (409, 503):
        assert response.json() == ({"error": ANSWERING} if response.status_code == 409 else SLOW), response.text
        return None
    assert response.status_code == 200, response.text
    return response.json()


def answered(bot, conversation: str, text: str) -> dict:
    """A new message, sent (with the same id) until it is answered, as the widget does."""
    message_id = new_message_id()
    return wait_for(lambda: answer(bot, conversation, text, message_id), f"an answer to {text}", every=RESEND_S)


def log_of(bot, conversation: str) -> list[tuple[str, str]]:
    response = bot.history(conversation)
    assert response.status_code == 200, response.text
    return [(m["sender"], m["text"]) for m in response.json()["messages"]]


def logged(bot, conversation: str, sender: str) -> list[str]:
    return [text for who, text in log_of(bot, conversation) if who == sender]


def rasa_got(bot, conversation: str, text: str) -> int:
    """How many times the buyer's text is in Rasa's tracker (asked of Rasa directly)."""
    events = bot.rasa("GET", f"/conversations/{conversation}/tracker").json().get("events") or []
    return sum(1 for event in events if event.get("event") == "user" and event.get("text") == text)


def texts(reply: dict) -> list[str]:
    return [m["text"] for m in reply["messages"]]


@pytest.fixture(scope="module")
def slow_rasa(live_bot):
    with gateway_behind_slow_rasa(live_bot, TIMEOUT_S) as proxy:
        yield proxy


def test_a_slow_rasa_over_http_tells_the_buyer_in_time_and_answers_the_message_once(live_bot, slow_rasa):
    conversation, text, message_id = new_conversation(), "牛仔裤有弹力吗", new_message_id()
    slow_rasa.hold()
    try:
        first = post(live_bot, conversation, text, message_id)
        assert (first.status_code, first.json()) == (503, SLOW), "told kindly and in time, not left hanging"
        assert logged(live_bot, conversation, "buyer") == [text], "the message is kept"
        wait_for(lambda: rasa_got(live_bot, conversation, text) == 1, "Rasa has the message: it is slow, not deaf")
        # The widget sends it again (same id) while Rasa's answer is still held. A claim's
        # lease (XIAOER_RASA_TIMEOUT) has run out already, and runs out again meanwhile: each
        # repeat waits for the first delivery, whose gateway renews its claim while it waits
        # for Rasa (up to TIMEOUT_S * LATE_ANSWER_FACTOR), and none reaches Rasa.
        until = time.monotonic() + TIMEOUT_S + 1
        while time.monotonic() < until:
            again = post(live_bot, conversation, text, message_id)
            assert (again.status_code, again.json()) == (409, {"error": ANSWERING})
            time.sleep(RESEND_S)
    finally:
        slow_rasa.release()
    late = wait_for(lambda: answer(live_bot, conversation, text, message_id), "a repeat gets Rasa's late answer",
                    every=RESEND_S)
    assert late["messages"] and late["message_id"] == message_id
    assert rasa_got(live_bot, conversation, text) == 1, "Rasa answered the text once"
    assert logged(live_bot, conversation, "buyer") == [text]
    assert logged(live_bot, conversation, "bot") == texts(late), "the late answer logged once"
    assert answered(live_bot, conversation, "有黑色的吗")["messages"], "the next message is answered"


def test_a_slow_rasa_on_the_widget_socket_an_error_frame_in_time_then_the_late_answer(live_bot, slow_rasa):
    # the widget's id and token (POST /api/conversations): its socket opens before it says anything
    conversation, text, message_id = live_bot.new_conversation(), "T恤有哪些颜色", new_message_id()
    socket_url = live_bot.url.replace("http://", "ws://") + f"/ws/{conversation}"
    with connect(socket_url, open_timeout=PATIENCE_S) as ws:
        ws.send(json.dumps(live_bot.tokens.first_frame(conversation)))
        assert json.loads(ws.recv(timeout=PATIENCE_S)) == {"ready": True}

        def send(text: str, message_id: str) -> None:
            ws.send(json.dumps({"text": text, "message_id": message_id}))

        def frame(timeout: float = PATIENCE_S) -> dict:
            return json.loads(ws.recv(timeout=timeout))

        def answer_on_socket(text: str, message_id: str) -> dict:
            """Its answer: the reply frame, or (the bot being slow) the push that follows."""
            send(text, message_id)
            while (got := frame(DEADLINE_S)).get("message_id") != message_id or got.get("error"):
                assert got.get("push") or got == {**SLOW, "message_id": message_id}, got
            return got

        slow_rasa.hold()
        try:
            send(text, message_id)
            assert frame() == {**SLOW, "message_id": message_id}, "told kindly and in time"
            wait_for(lambda: rasa_got(live_bot, conversation, text) == 1, "Rasa has the message")
        finally:
            slow_rasa.release()
        late = frame(DEADLINE_S)
        assert late.get("push") and late["message_id"] == message_id and late["messages"], \
            f"Rasa's late answer comes to the widget by itself: {late}"
        assert answer_on_socket("有黑色的吗", new_message_id())["messages"], "the socket answers the next message"
        again = answer_on_socket(text, message_id)  # the widget asking again for the slow one
        assert texts(again) == texts(late) and not again.get("push")
    assert rasa_got(live_bot, conversation, text) == 1, "Rasa answered the text once"
    assert logged(live_bot, conversation, "buyer") == [text, "有黑色的吗"]


def test_a_gateway_killed_while_rasa_answers_and_started_again_loses_nothing_and_answers_once(live_bot, slow_rasa):
    conversation = new_conversation()
    before = ["我想买条牛仔裤", "有黑色的吗"]
    answered_before = [said for text in before for said in texts(answered(live_bot, conversation, text))]
    in_flight, in_flight_id = "T恤有哪些颜色", new_message_id()
    slow_rasa.hold()
    try:
        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(post, live_bot, conversation, in_flight, in_flight_id)
            wait_for(lambda: rasa_got(live_bot, conversation, in_flight) == 1, "Rasa has the in-flight message")
            live_bot.kill(["gateway"])  # while it waits for Rasa's answer
            try:
                cut = sending.result(timeout=PATIENCE_S)
                assert (cut.status_code, cut.json()) == (503, SLOW), cut.text
            except httpx.TransportError:
                pass  # the connection dropped with the gateway: the widget sends it again
    finally:
        slow_rasa.release()
    live_bot.start(["gateway"])  # the same port, the same settings
    live_bot.wait_ready()
    # The widget sends the in-flight message again with its id until it is answered: the
    # killed gateway's claim on it lapses one lease (XIAOER_RASA_TIMEOUT) after its last
    # renewal, not minutes later.
    retried = wait_for(lambda: answer(live_bot, conversation, in_flight, in_flight_id), "the retry is answered",
                       deadline=TIMEOUT_S + 20, every=RESEND_S)
    assert retried["messages"] and retried["message_id"] == in_flight_id
    assert logged(live_bot, conversation, "buyer") == [*before, in_flight], "every message kept, once"
    assert answer(live_bot, conversation, in_flight, in_flight_id) == retried, "and answered once"
    assert logged(live_bot, conversation, "bot") == [*answered_before, *texts(retried)], "its answer logged once"
    # Rasa had answered the first delivery (its answer died with the gateway): the retry
    # finds that answer in Rasa's tracker by its message_id and does not send it again
    assert rasa_got(live_bot, conversation, in_flight) == 1, "Rasa had the message once"
    # a client that sends no message ids: answered at once, or (Rasa slow) in the log soon
    fresh = post(live_bot, conversation, "多少钱")
    assert fresh.status_code == 200 or (fresh.status_code, fresh.json()) == (503, SLOW), fresh.text
    wait_for(lambda: log_of(live_bot, conversation)[-1][0] != "buyer", "the message without an id is answered")
    assert logged(live_bot, conversation, "buyer") == [*before, in_flight, "多少钱"]
