"""Redis faults against a real Redis of the test's own (its own port and folder): a dropped
connection, Redis stopped and started again, a Redis slower to boot than the gateway."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
import time

import pytest
import redis as redis_sync
from sanic import Sanic

from bot.app import create_app, open_store
from bot.config import Settings
from bot.infra.store import RedisStore
from tests.gateway.fakes import BuyerClient, ScriptedRasa
from tools.stack import free_port

Sanic.test_mode = True
CONV = "conv-faults-0001"


class OwnRedis:
    """A redis-server for one test, keeping its data on disk across a stop and a start."""

    def __init__(self, folder) -> None:
        self.folder, self.port, self.process = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_sync.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis_sync.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the test's redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing (Debian's redis-server package)")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def post(client, text):
    _, response = client.post(f"/api/conversations/{CONV}/messages", content=json.dumps({"text": text}),
                              headers={"content-type": "application/json"})
    return response


def test_a_dropped_connection_is_retried_not_a_503(own_redis):
    async def scenario():
        store = RedisStore(own_redis.url, prefix="faults")
        await store.append_message(CONV, {"sender": "buyer", "text": "在吗"})
        # the server drops every client connection (a blip, a failover): the next call retries
        redis_sync.Redis(port=own_redis.port).client_kill_filter(_type="normal", skipme=True)
        await store.append_message(CONV, {"sender": "buyer", "text": "有货吗"})
        texts = [m["text"] for m in await store.messages(CONV)]
        await store.close()
        return texts

    assert asyncio.run(scenario()) == ["在吗", "有货吗"]


def test_redis_stopped_then_started_the_buyer_is_told_and_service_resumes(own_redis):
    settings = Settings(store="redis", redis_url=own_redis.url, key_prefix="faults")
    client = BuyerClient(create_app(settings, rasa=ScriptedRasa()))
    assert post(client, "在吗").status == 200
    own_redis.stop()
    down = post(client, "还在吗")
    assert down.status == 503 and "send again" in down.json["error"], "a clear answer, never a 500"
    own_redis.start()
    assert post(client, "有货吗").status == 200, "service resumes by itself"
    _, history = client.get(f"/api/conversations/{CONV}")
    buyer = [m["text"] for m in history.json["messages"] if m["sender"] == "buyer"]
    assert buyer == ["在吗", "有货吗"], "what was accepted is kept; what was refused was not half-saved"


def test_a_gateway_on_auto_waits_for_a_redis_that_boots_after_it(tmp_path):
    server = OwnRedis(tmp_path)
    starter = threading.Timer(1.0, server.start)  # Redis comes up a second after the gateway
    starter.start()
    try:
        async def scenario():
            store, kind = await open_store(Settings(store="auto", redis_url=server.url, redis_wait_s=15))
            await store.close()
            return kind

        assert asyncio.run(scenario()) == "redis"
    finally:
        starter.join()
        server.stop()


def test_a_gateway_on_auto_without_redis_says_memory_after_its_wait():
    async def scenario():
        started = time.monotonic()
        store, kind = await open_store(Settings(store="auto", redis_url="redis://127.0.0.1:1/0", redis_wait_s=1))
        return kind, time.monotonic() - started

    kind, waited = asyncio.run(scenario())
    assert kind == "memory" and waited >= 1
