"""The suggested replies in the agent's case view are scored once per change, off the event
loop: a second view of an unchanged case scores nothing; a new buyer question or a trainer's
edit of a script gives fresh ones; the gateway answers /health while they are scored.
Real gateways on real ports and the real Redis (tests/gateway/test_handoff_harness.py); the
scripts are a copy of scripts_zh/ with one file of the test's own.
"""

from __future__ import annotations

import asyncio
import shutil
import threading

import pytest

from bot.config import ROOT
from bot.handoff import suggestions as suggestions_module
from bot.handoff.suggestions import CaseSuggestions
from bot.staff.people import Agent, AgentDirectory, hash_password
from tests.gateway.test_handoff_harness import PASSWORD, conversation, handoff
from tests.gateway.test_staff_sessions import StaffGateway
from xiaoer.scripts import ScriptCorpus

PEOPLE = AgentDirectory([
    Agent("demo", "小美", hash_password(PASSWORD)),
    Agent("coach", "训练师", hash_password(PASSWORD), ("agent", "trainer")),
])
OWN_SCRIPTS = (
    "utter_console_shipping:\n"
    "  questions: [什么时候发货, 几天能发出]\n"
    "  variants: ['付款后48小时内发货']\n"
    "utter_console_courier:\n"
    "  questions: [可以发顺丰吗, 能指定快递吗]\n"
    "  variants: ['可以发顺丰，补10元差价就好']\n"
)


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def scripts_dir(tmp_path):
    folder = tmp_path / "scripts"
    shutil.copytree(ROOT / "scripts_zh", folder)
    (folder / "console_test.yml").write_text(OWN_SCRIPTS, encoding="utf-8")
    return folder


class Scoring:
    """Counts the matcher's scoring calls (each one a buyer question against one listed
    question) and where they ran; optionally holds the first one until released."""

    def __init__(self, monkeypatch, hold: bool = False) -> None:
        self.calls = 0
        self.threads: set[int] = set()
        self.started, self.release = threading.Event(), threading.Event()
        self.released_in_time: bool | None = None
        self.hold = hold
        real = suggestions_module.nearness
        lock = threading.Lock()

        def counting(*args, **kwargs):
            with lock:
                self.calls += 1
                self.threads.add(threading.get_ident())
                first = self.calls == 1
            if self.hold and first:
                self.started.set()
                # on the event loop this would stall everything: /health could not be asked meanwhile
                self.released_in_time = self.release.wait(5)
            return real(*args, **kwargs)

        monkeypatch.setattr(suggestions_module, "nearness", counting)


async def open_case(gateway: StaffGateway, conv: str, *texts: str) -> None:
    await gateway.say(conv, "转人工")
    for text in texts:
        await gateway.say(conv, text)


def first_texts(detail: dict) -> list[str]:
    return [text for s in detail["suggestions"] for text in s["texts"]]


def test_a_case_viewed_again_is_not_scored_again_until_its_question_or_scripts_change(
        redis_prefix, scripts_dir, monkeypatch):
    async def scenario():
        gateway = StaffGateway(redis_prefix, PEOPLE, scripts_dir=scripts_dir)
        gateway.rasa.answers["转人工"] = handoff("buyer_asked")
        await gateway.start()
        scoring = Scoring(monkeypatch)
        counts, views = [], []
        try:
            conv = conversation()
            await open_case(gateway, conv, "可以发顺丰吗")
            agent, _ = await gateway.sign_in("demo")
            coach, _ = await gateway.sign_in("coach", area="trainer")

            async def view():
                response = await agent.get(f"/agent/api/cases/{conv}")
                assert response.status_code == 200, response.text
                views.append(first_texts(response.json()))
                counts.append(scoring.calls)

            await view()  # scored
            await view()  # the same case: kept
            await gateway.say(conv, "好的")  # a new message that asks nothing: the same question
            await view()
            await gateway.say(conv, "什么时候发货")  # a new question
            await view()
            # a trainer rewords the suggested script in the workbench
            path = "/trainer/api/scripts/console_test.yml/utter_console_shipping"
            script = (await coach.get(path)).json()
            saved = await coach.put(path, json={"version": script["version"], "variants": ["付款后24小时内发货"],
                                                "questions": script["questions"]})
            assert saved.status_code == 200, saved.text
            await view()
            await view()
            await agent.aclose()
            await coach.aclose()
        finally:
            await gateway.stop()
        return counts, views

    counts, views = run(scenario())
    scored = [after - before for before, after in zip([0] + counts, counts)]
    assert scored[0] > 0 and scored[1] == 0, "the second view of the same case scores nothing"
    assert views[1] == views[0] and "可以发顺丰，补10元差价就好" in views[0]
    assert scored[2] == 0 and views[2] == views[0], "好的 leaves the question to answer as it was"
    assert scored[3] > 0 and "付款后48小时内发货" in views[3], "a new question is scored"
    assert scored[4] > 0 and "付款后24小时内发货" in views[4], "the edited script is suggested at once"
    assert "付款后48小时内发货" not in views[4]
    assert scored[5] == 0 and views[5] == views[4]


def test_the_gateway_answers_while_suggestions_are_scored(redis_prefix, scripts_dir, monkeypatch):
    async def scenario():
        gateway = StaffGateway(redis_prefix, PEOPLE, scripts_dir=scripts_dir)
        gateway.rasa.answers["转人工"] = handoff("buyer_asked")
        await gateway.start()
        scoring = Scoring(monkeypatch, hold=True)
        try:
            conv = conversation()
            await open_case(gateway, conv, "可以发顺丰吗")
            agent, _ = await gateway.sign_in("demo")
            view = asyncio.create_task(agent.get(f"/agent/api/cases/{conv}"))
            assert await asyncio.to_thread(scoring.started.wait, 5), "the view scores its suggestions"
            async with gateway.client() as other:
                health = await other.get("/health")
            scoring.release.set()
            detail = (await view).json()
            await agent.aclose()
        finally:
            scoring.release.set()
            await gateway.stop()
        return scoring, health.status_code, detail, threading.get_ident()

    scoring, health, detail, loop_thread = run(scenario())
    assert health == 200
    assert scoring.released_in_time, "/health was answered while the scoring was held"
    assert loop_thread not in scoring.threads, "scored in a worker thread"
    assert "可以发顺丰，补10元差价就好" in first_texts(detail)


def test_suggestions_are_kept_for_a_bounded_number_of_conversations(scripts_dir, monkeypatch):
    """Past ``kept`` conversations the least recently viewed is dropped (scored again when
    viewed again); two views at once of one case score it once."""
    scoring = Scoring(monkeypatch)
    kept = CaseSuggestions(ScriptCorpus(scripts_dir), kept=2)
    values = {"shop_name": "小店"}

    async def scenario():
        counts = []
        for conv in ("conv-a", "conv-b", "conv-a", "conv-c", "conv-a", "conv-b"):
            await kept.for_case(conv, "可以发顺丰吗", values)
            counts.append(scoring.calls)
        before = scoring.calls
        both = await asyncio.gather(*[kept.for_case("conv-d", "什么时候发货", values) for _ in range(2)])
        return counts, scoring.calls - before, both

    counts, together, both = run(scenario())
    scored = [after > before for before, after in zip([0] + counts, counts)]
    # a, b scored; a kept; c scored and b dropped (a was viewed more recently); a kept; b again
    assert scored == [True, True, False, True, False, True]
    per_scoring = counts[0]
    assert together == per_scoring, "two views at once: one scoring"
    assert both[0] == both[1] and both[0][0]["texts"] == ["付款后48小时内发货"]
