"""The gateway's Prometheus metrics: defined here once, counted where each event happens
(mostly through :class:`bot.infra.shop_stats.ShopStats`), shown at ``GET /metrics``.

These are this process's counts, for Prometheus to scrape and add up across gateways. The
shop's dashboard does not read them: it reads the day counters every gateway shares in
Redis (bot/infra/shop_stats.py), so a manager sees the shop's day whichever gateway answers.

The gateway runs as one process (``single_process=True``). Should it ever run workers, start
it with ``PROMETHEUS_MULTIPROC_DIR`` set to an empty folder: prometheus-client then keeps
every worker's values in files there and :func:`exposition` adds them up.

Labels are kept to known values (script ids of the corpus, the contract's intents and
hand-off reasons), so a buyer's text can never make a new series.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from xiaoer.contract import FALLBACK_INTENT, HANDOFF_REASONS, INTENTS

# Reply latency: the buyer's message in to the answer out; the shop's goal is 30 s (seed 001).
LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120)
# Waiting for a person: from the hand-off to an agent's claim.
WAIT_BUCKETS = (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)

BUYER_MESSAGES = Counter("xiaoer_buyer_messages", "Buyer messages that reached a turn of the bot")
CONVERSATIONS = Counter("xiaoer_conversations", "Conversations with a first buyer message of the shop's day")
REPLIES = Counter("xiaoer_replies", "Replies rendered from a script, by script", ["script"])
INTENT_MESSAGES = Counter("xiaoer_intents", "Buyer messages by the intent the NLU gave them", ["intent"])
FALLBACKS = Counter("xiaoer_fallbacks", "Replies saying the bot did not understand, by script", ["script"])
HANDOFFS = Counter("xiaoer_handoffs", "Conversations handed to a person, by reason", ["reason"])
WAITING = Histogram("xiaoer_handoff_wait_seconds", "From a hand-off to an agent's claim", buckets=WAIT_BUCKETS)
REPLY_LATENCY = Histogram("xiaoer_reply_latency_seconds", "From a buyer's message to the gateway's answer",
                          buckets=LATENCY_BUCKETS)
REMINDERS_SENT = Counter("xiaoer_reminders_sent", "Payment reminders sent, by script", ["script"])
REMINDER_PAYMENTS = Counter("xiaoer_reminder_payments", "Orders paid within 24 h of their reminder, by script",
                            ["script"])
REDIS_ERRORS = Counter("xiaoer_redis_errors", "Calls to Redis that failed (the store was unreachable)")
RASA_ERRORS = Counter("xiaoer_rasa_errors", "Calls to Rasa that failed or were too slow", ["kind"])


def intent_label(name: object) -> str:
    """The intent as a label: one of the contract's, the NLU's fallback, else "other"."""
    return name if isinstance(name, str) and (name in INTENTS or name == FALLBACK_INTENT) else "other"


def reason_label(reason: str) -> str:
    return reason if reason in HANDOFF_REASONS else "other"


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes and its content type; every worker's values when the
    gateway runs several (PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
