"""Erase one buyer's data on request (the right to be forgotten), by their conversation id.

    python -m tools.erase_buyer <conversation id>        # make erase-buyer ID=<conversation id>

Under ``XIAOER_KEY_PREFIX`` (default ``xiaoer``) in ``REDIS_URL`` it removes:

- the conversation: its log, mode, used variants and message ids (``{prefix}:conv:{id}:*``);
- its hand-off case, its place in the queue and on an agent's list, and its records in the
  log of closed cases;
- its orders in the demo order store, and for each its reminder record, its place in the
  reminder schedule and its failed phone checks; the buyer's reminder sets;
- its items on the trainers' review list;
- Rasa's tracker and lock for it (``{prefix}:tracker:{id}``, ``{prefix}:lock:{id}``: Rasa's
  RedisTrackerStore key, its prefix plus ``:tracker:`` plus the sender id; Rasa's HTTP API
  has no DELETE, so the key is deleted here).

Orders are deleted, not kept with the phone and address replaced by "(已删除)": the demo
order store is the bot's copy of the platform's orders, kept to remind and to answer the
buyer, and the platform keeps the sale itself (with whatever its own rules say). A redacted
copy would still say what this buyer bought and link it to the conversation; and a later
platform event for the order (shipped, delivered) would write to the erased conversation
again. With the order gone such an event answers 404 (unknown order) and writes nothing.

The id must look like a conversation id (8-64 letters, digits, ``-`` or ``_``), as the chat
API checks it; anything else is refused before Redis is touched. It prints what it removed;
erasing a conversation that is not there prints that nothing was found. A message the buyer
sends afterwards starts a new conversation's data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from bot.infra.requests import CONVERSATION_ID
from bot.trainer.review import review_key
from xiaoer.order_access import failed_checks_key, order_key

NOT_A_CONVERSATION = "not a conversation id: 8-64 letters, digits, '-' or '_'"


def rasa_key(prefix: str, kind: str, conversation_id: str) -> str:
    """Rasa's Redis key for a conversation's tracker (``tracker``) or lock (``lock``): Rasa 3.6
    uses its key_prefix only when it is alphanumeric (rasa/core/tracker_store.py)."""
    return f"{prefix}:{kind}:{conversation_id}" if prefix.isalnum() else f"{kind}:{conversation_id}"


def _json(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _remove_from_list(client: Any, key: str, conversation_id: str) -> int:
    """Take out of a list of JSON records the ones about this conversation."""
    removed = 0
    for raw in set(client.lrange(key, 0, -1)):
        if _json(raw).get("conversation_id") == conversation_id:
            removed += client.lrem(key, 0, raw)
    return removed


def _orders_of(client: Any, prefix: str, conversation_id: str) -> set[str]:
    """The conversation's order ids: orders placed from it, and reminders scheduled for it."""
    found = set(client.smembers(f"{prefix}:reminders:conv:{conversation_id}"))
    for key in client.scan_iter(match=order_key(prefix, "*"), count=1000):
        if _json(client.get(key)).get("conversation_id") == conversation_id:
            found.add(key[len(order_key(prefix, "")):])
    for key in client.scan_iter(match=f"{prefix}:reminder:*", count=1000):
        if client.type(key) == "hash" and client.hget(key, "conversation_id") == conversation_id:
            found.add(key[len(f"{prefix}:reminder:"):])
    return found


def erase(client: Any, prefix: str, conversation_id: str) -> list[str]:
    """Remove everything kept about one conversation; returns what was removed, one line each.
    ``client`` is a synchronous redis client with ``decode_responses=True``."""
    if not CONVERSATION_ID.match(conversation_id or ""):
        raise ValueError(NOT_A_CONVERSATION)
    removed: list[str] = []

    def delete(keys: Iterable[str]) -> None:
        for key in keys:
            if client.delete(key):
                removed.append(f"key {key}")

    def take(key: str, count: int, what: str) -> None:
        if count:
            removed.append(f"{count} {what} from {key}")

    orders = _orders_of(client, prefix, conversation_id)
    # the conversation and its case
    delete(sorted(client.scan_iter(match=f"{prefix}:conv:{conversation_id}:*", count=1000)))
    delete([f"{prefix}:case:{conversation_id}"])
    take(f"{prefix}:queue", client.zrem(f"{prefix}:queue", conversation_id), "place in the queue")
    for key in sorted(client.scan_iter(match=f"{prefix}:agent:*:cases", count=1000)):
        take(key, client.srem(key, conversation_id), "case on an agent's list")
    take(f"{prefix}:cases:closed", _remove_from_list(client, f"{prefix}:cases:closed", conversation_id),
         "closed-case record(s)")
    # its orders and reminders
    for order_id in sorted(orders):
        delete([order_key(prefix, order_id), f"{prefix}:reminder:{order_id}", failed_checks_key(prefix, order_id)])
        for schedule in ("due", "claimed"):
            key = f"{prefix}:reminders:{schedule}"
            take(key, client.zrem(key, order_id), f"reminder of order {order_id}")
    delete([f"{prefix}:reminders:conv:{conversation_id}", f"{prefix}:reminders:sent_to:{conversation_id}"])
    # what trainers would review, the old list of conversations, Rasa's tracker and lock
    take(review_key(prefix), _remove_from_list(client, review_key(prefix), conversation_id), "review item(s)")
    take(f"{prefix}:conversations", client.zrem(f"{prefix}:conversations", conversation_id), "entry")
    delete([rasa_key(prefix, "tracker", conversation_id), rasa_key(prefix, "lock", conversation_id)])
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.erase_buyer",
        description="Erase one buyer's conversation, case, orders, reminders and Rasa tracker from Redis.",
    )
    parser.add_argument("conversation_id", help="the buyer's conversation id (8-64 letters, digits, - or _)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help="default: REDIS_URL, else redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default=os.environ.get("XIAOER_KEY_PREFIX", "xiaoer"),
                        help="the key prefix (default: XIAOER_KEY_PREFIX, else xiaoer)")
    args = parser.parse_args(argv)
    if not CONVERSATION_ID.match(args.conversation_id):
        print(f"{args.conversation_id!r} is {NOT_A_CONVERSATION}; nothing was erased", file=sys.stderr)
        return 2

    import redis

    client = redis.Redis.from_url(args.redis_url, decode_responses=True, socket_connect_timeout=3)
    try:
        removed = erase(client, args.prefix, args.conversation_id)
    except redis.RedisError as exc:
        print(f"Redis at {args.redis_url} did not answer ({exc}); nothing more was erased", file=sys.stderr)
        return 1
    finally:
        client.close()
    for line in removed:
        print(f"removed {line}")
    if removed:
        print(f"erased conversation {args.conversation_id}: {len(removed)} removals under {args.prefix}:")
    else:
        print(f"nothing kept for conversation {args.conversation_id} under {args.prefix}:")
    return 0


if __name__ == "__main__":
    sys.exit(main())
