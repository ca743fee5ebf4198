"""The trainers' review list keeps buyers' text only as long as the shop keeps buyers' data:
an item older than retention_days goes (on the next write or read), and the Redis list
expires that long after its newest item. Real Redis; the clock in the test's hand."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from bot.trainer.review import ReviewRecorder, review_key
from tests.conftest import REDIS_URL
from tests.gateway.reminders_kit import Clock
from tests.gateway.test_handoff_harness import conversation, gateways
from tests.gateway.test_retention import DAYS, RETENTION, bot_rasa, week_shop  # noqa: F401 (a fixture)

START = 1_800_000_000.0


def run(coroutine):
    return asyncio.run(coroutine)


def missed(conversation_id: str, text: str) -> dict:
    """The tracker of a buyer message the bot did not understand."""
    return {"sender_id": conversation_id, "latest_message": {"text": text, "intent": {"name": "nlu_fallback"}}}


async def texts(recorder: ReviewRecorder) -> list[str]:
    return [item["text"] for item in await recorder.items()]


@pytest.mark.parametrize("kept_in", ["redis", "memory"])
def test_a_review_item_older_than_the_retention_is_dropped(redis_prefix, kept_in):
    async def scenario():
        client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
        clock = Clock(START)
        recorder = ReviewRecorder(client if kept_in == "redis" else None, redis_prefix, retention_s=RETENTION, clock=clock)
        await recorder.record("utter_ask_rephrase", missed("conv-old-00001", "这个能退吗"))
        clock.advance(hours=24 * (DAYS - 1))
        await recorder.record("utter_out_of_scope", missed("conv-new-00002", "你们老板是谁"))
        seen = {"within": await texts(recorder)}
        clock.advance(hours=24, minutes=1)  # the first is now a minute past the retention
        seen["first past"] = await texts(recorder)
        clock.advance(hours=24 * (DAYS - 1))
        seen["both past"] = await texts(recorder)
        seen["found"] = await recorder.find("anything")
        await client.aclose()
        return seen

    seen = run(scenario())
    assert seen["within"] == ["你们老板是谁", "这个能退吗"]
    assert seen["first past"] == ["你们老板是谁"]
    assert seen["both past"] == [] and seen["found"] is None


def test_writing_drops_the_old_items_and_renews_the_lists_expiry(redis_prefix):
    async def scenario():
        client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
        clock = Clock(START)
        recorder = ReviewRecorder(client, redis_prefix, retention_s=RETENTION, clock=clock)
        key = review_key(redis_prefix)
        await recorder.record("utter_ask_rephrase", missed("conv-old-00001", "这个能退吗"))
        first_ttl = await client.ttl(key)
        await client.expire(key, 60)  # as if most of the retention had passed
        clock.advance(hours=24 * DAYS, minutes=1)
        await recorder.record("utter_ask_rephrase", missed("conv-new-00002", "有没有加绒的"))
        stored = await client.lrange(key, 0, -1)  # what Redis holds, not what items() shows
        renewed_ttl = await client.ttl(key)
        await client.aclose()
        return first_ttl, stored, renewed_ttl

    first_ttl, stored, renewed_ttl = run(scenario())
    assert RETENTION - 60 < first_ttl <= RETENTION
    assert len(stored) == 1 and "有没有加绒的" in stored[0], "the old item left Redis when the list was written"
    assert RETENTION - 60 < renewed_ttl <= RETENTION


def test_the_gateways_review_list_has_the_shops_retention(redis_prefix, week_shop):  # noqa: F811
    async def scenario():
        async with gateways(redis_prefix, bot_rasa()) as (gateway,):
            await gateway.app.ctx.review.record("utter_ask_rephrase", missed(conversation(), "能开发票吗"))
            return await gateway.app.ctx.store.redis.ttl(review_key(redis_prefix))

    assert RETENTION - 300 < run(scenario()) <= RETENTION, f"the shop keeps buyers' data {DAYS} days"
