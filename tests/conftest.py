"""Shared fixtures: the real Redis at REDIS_URL, under a key prefix of its own per run."""

from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix():
    """A fresh key prefix; every key under it is deleted after the test."""
    import redis

    prefix = f"xiaoertest{uuid.uuid4().hex[:10]}"  # Rasa wants an alphanumeric prefix
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()
