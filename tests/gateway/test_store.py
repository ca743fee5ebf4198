"""The conversation stores, against the real Redis at REDIS_URL (and the memory twin)."""

from __future__ import annotations

import asyncio

import pytest

from bot.infra.store import MemoryStore, RedisStore, StoreUnavailable
from tests.conftest import REDIS_URL


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture(params=["redis", "memory"])
def make_store(request, redis_prefix):
    def make():
        if request.param == "redis":
            return RedisStore(REDIS_URL, prefix=redis_prefix)
        return MemoryStore()
    return make


def test_messages_are_kept_in_order(make_store):
    async def scenario():
        store = make_store()
        for i in range(5):
            await store.append_message("conv-00001", {"sender": "buyer", "text": f"第{i}条"})
        messages = await store.messages("conv-00001")
        await store.close()
        return messages

    messages = run(scenario())
    assert [m["text"] for m in messages] == [f"第{i}条" for i in range(5)]
    assert all(m["ts"] > 0 for m in messages)


def test_mode_defaults_to_bot_and_changes(make_store):
    async def scenario():
        store = make_store()
        before = await store.get_mode("conv-00002")
        await store.set_mode("conv-00002", "waiting")
        after = await store.get_mode("conv-00002")
        await store.close()
        return before, after

    assert run(scenario()) == ("bot", "waiting")


def test_used_variants_are_per_conversation_and_script(make_store):
    async def scenario():
        store = make_store()
        await store.set_used_variants("conv-a0001", "utter_greet", [2, 0])
        result = (
            await store.used_variants("conv-a0001", "utter_greet"),
            await store.used_variants("conv-b0001", "utter_greet"),
            await store.used_variants("conv-a0001", "utter_goodbye"),
        )
        await store.close()
        return result

    assert run(scenario()) == ([2, 0], [], [])


def test_redis_conversation_survives_a_new_store_instance(redis_prefix):
    """What one gateway wrote, another (or the same after a restart) reads."""

    async def scenario():
        first = RedisStore(REDIS_URL, prefix=redis_prefix)
        await first.append_message("conv-restart", {"sender": "buyer", "text": "在吗"})
        await first.set_mode("conv-restart", "human")
        await first.close()
        second = RedisStore(REDIS_URL, prefix=redis_prefix)
        result = await second.messages("conv-restart"), await second.get_mode("conv-restart")
        await second.close()
        return result

    messages, mode = run(scenario())
    assert [m["text"] for m in messages] == ["在吗"] and mode == "human"


def test_redis_down_raises_a_clear_error_and_ping_says_no():
    async def scenario():
        store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
        alive = await store.ping()
        with pytest.raises(StoreUnavailable, match="Redis is not reachable"):
            await store.append_message("conv-00003", {"sender": "buyer", "text": "在吗"})
        await store.close()
        return alive

    assert run(scenario()) is False
