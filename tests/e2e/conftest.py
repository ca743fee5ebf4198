from __future__ import annotations

import pytest

from tests.conftest import REDIS_URL
from tools.stack import running_bot


@pytest.fixture(scope="session")
def live_bot(tmp_path_factory):
    """The real bot with the real trained model and the real Redis, once per test run."""
    with running_bot(tmp_path_factory.mktemp("live"), REDIS_URL) as bot:
        yield bot
