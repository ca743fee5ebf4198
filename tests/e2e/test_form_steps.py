"""Never a loop, never a silence: every intent at every step of the sizing form gets an answer
of at most three messages (the real model, Rasa's policies, the actions and the gateway)."""

from __future__ import annotations

import uuid

import httpx
import pytest

# One message a buyer would type for each intent (and one the bot cannot read).
MESSAGE_OF = {
    "greet": "在吗", "goodbye": "我先看看别的", "thank": "谢谢啦", "affirm": "好的", "deny": "不用了",
    "ask_stock": "有货吗", "ask_size": "会不会太大", "bargain": "能便宜点吗", "ask_shipping": "发什么快递",
    "ask_delivery_status": "我的快递到哪了", "color_difference": "有色差吗", "return_exchange": "不合适能退吗",
    "ask_payment": "能用花呗吗", "modify_order": "帮我改个地址", "complaint": "质量太差了吧",
    "ask_product_info": "什么面料的", "request_human": "转人工", "out_of_scope": "讲个笑话",
    "ask_promotion": "有优惠券吗", "nlu_fallback": "嗯哼哈嘿",
}
# How to reach each step of the form: what the buyer said before.
STEPS = {
    "which item": ["我穿什么码"],
    "height": ["T恤穿什么码"],
    "weight": ["T恤穿什么码", "165"],
}


def rasa_says(bot, conversation: str, text: str) -> list[dict]:
    """What Rasa's policies and actions produced, before the gateway's cap."""
    response = httpx.post(f"http://127.0.0.1:{bot.ports['rasa']}/webhooks/rest/webhook",
                          json={"sender": conversation, "message": text}, timeout=60)
    response.raise_for_status()
    return [m for m in response.json() if m.get("text")]


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("intent", sorted(MESSAGE_OF))
def test_every_intent_at_every_form_step_gets_one_short_answer(live_bot, step, intent):
    conversation = f"form-{uuid.uuid4().hex[:12]}"
    for text in STEPS[step]:
        assert rasa_says(live_bot, conversation, text), f"no question at the {step} step"
    produced = rasa_says(live_bot, conversation, MESSAGE_OF[intent])
    assert 1 <= len(produced) <= 3, [m["text"] for m in produced]
    # and the turn after it is answered too (no silence once the form was interrupted)
    after = rasa_says(live_bot, conversation, "165")
    assert 1 <= len(after) <= 3 or intent in ("request_human", "modify_order", "complaint"), [m["text"] for m in after]
