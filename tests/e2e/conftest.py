from __future__ import annotations

import pytest

from tests.conftest import REDIS_URL
from tests.e2e.live import MODEL, LiveBot


@pytest.fixture(scope="session")
def live_bot(tmp_path_factory):
    """The real bot with the real trained model and the real Redis, once per test run."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`, which trains it")
    bot = LiveBot(tmp_path_factory.mktemp("live"), REDIS_URL)
    bot.start()
    try:
        bot.wait_ready()
        yield bot
    finally:
        bot.stop()
        bot.forget()
