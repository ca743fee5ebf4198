"""Finding Rasa's answer to a message in its tracker by the message_id sent with it (the
events as Rasa 3.6's tracker API gives them), so a retry is not sent to Rasa again."""

from bot.infra.rasa import answers_in_events

MID = "msg-0001-abcdef"


def user(text, message_id=None):
    return {"event": "user", "text": text, "metadata": {"message_id": message_id} if message_id else {},
            "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}


def bot(text, **data):
    full = {"elements": None, "quick_replies": None, "buttons": None, "attachment": None, "image": None, "custom": None}
    return {"event": "bot", "text": text, "data": {**full, **data}, "metadata": {"utter_action": "utter_x"}}


def test_the_answer_to_each_part_sent_with_the_id_in_order_as_the_rest_channel_gave_it():
    card = {"card": {"kind": "product", "name": "高腰直筒牛仔裤"}}
    events = [
        user("在吗", "msg-0000-earlier"), {"event": "action", "name": "utter_greet"}, bot("在的亲"),
        user("牛仔裤有黑色吗", MID), {"event": "action", "name": "action_stock"},
        bot("黑色有货", buttons=[{"title": "要L码", "payload": "L"}]), bot(None, custom=card),
        {"event": "action", "name": "action_listen"},
        user("发什么快递", MID), bot("默认中通"),
        user("好的"), bot("好嘞"),
    ]
    assert answers_in_events(events, MID) == [
        [{"text": "黑色有货", "buttons": [{"title": "要L码", "payload": "L"}]}, {"text": None, "custom": card}],
        [{"text": "默认中通"}],
    ]


def test_a_message_rasa_never_had_has_no_answer_and_one_it_was_silent_on_an_empty_one():
    events = [user("在吗", "msg-0000-earlier"), bot("在的亲"), user("转人工", MID), {"event": "pause"}]
    assert answers_in_events(events, "msg-9999-unknown") == []
    assert answers_in_events(events, MID) == [[]]
