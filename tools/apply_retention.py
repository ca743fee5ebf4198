"""Give the Redis keys an older version left without an expiry the one they get today.

Versions before shop.yml's ``retention_days`` kept buyers' data for ever. Run this once after
upgrading; running it again changes nothing (it only touches keys that have no expiry, and
a running gateway may stay up meanwhile):

    python -m tools.apply_retention [--dry-run]        # make apply-retention [DRY_RUN=1]

Under ``XIAOER_KEY_PREFIX`` (default ``xiaoer``) in ``REDIS_URL``, with the retention of the
shop in ``XIAOER_SHOP_DIR`` (else ``shop/``), every key of buyers' data that has no expiry
gets the one the bot gives it now: the retention counted from the data's own last change
where the key says when that was (a conversation's last message, a case's closing, an
order's last status change, a reminder's sending or cancelling, the newest record of the
closed-case log and of the review list, a Rasa tracker's last event), else the whole
retention from now. A key whose time is past already is deleted, and so are the records
older than the retention in the two logs. ``{prefix}:conversations`` (a list of every
conversation, no longer written) is deleted.

Left alone: what is meant to stay (open cases, the queue and the reminder schedule, the
console's session secret, the reminder counts), keys that get their own expiry (staff
sessions, sign-in failures, webhook deliveries), Rasa's conversation locks (Rasa deletes
each when the conversation's turn is done), and any key it does not know, which it names.
It prints, per kind of key, how many got an expiry, were deleted, had one already or were
left alone; ``--dry-run`` prints the same and changes nothing.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from bot.orders.reminders import SENT_TO_KEPT
from bot.trainer.review import DROP_BEFORE
from tools.erase_buyer import rasa_key
from tools.retention_seconds import retention_seconds
from xiaoer import clock as app_clock
from xiaoer.order_access import CHECK_WINDOW_S
from xiaoer.shop import ShopConfigError

# What happened to a key (or would, in a dry run).
EXPIRES, DELETED, HAD_ONE, LEFT, GONE = "given an expiry", "deleted", "had an expiry", "left alone", "gone meanwhile"
DRY = {EXPIRES: "would be given an expiry", DELETED: "would be deleted"}
STAYS = None  # a rule's answer for a key that must not expire


@dataclass(frozen=True)
class Kind:
    """A kind of key, and how long one without an expiry is kept from now (``rule``: seconds,
    0 or less to delete it, ``STAYS`` to leave it)."""

    name: str
    patterns: tuple[str, ...]  # under the prefix
    rule: Callable[["Key"], float | None]
    trim_field: str = ""  # a list of JSON records: drop those older than the retention by this field
    # other keys the rule reads (a change to them while it decides makes it decide again)
    also_reads: Callable[[str, str], tuple[str, ...]] = lambda name, prefix: ()


@dataclass
class Key:
    """One key being settled: read through the transaction that will change it."""

    client: Any  # the WATCHing pipeline, in immediate mode
    name: str
    prefix: str
    retention_s: int
    now: float

    def kept(self, since: float | None, seconds: int | None = None) -> float:
        """Seconds left of ``seconds`` (the retention) counted from ``since`` (None: from now)."""
        seconds = self.retention_s if seconds is None else seconds
        return seconds if since is None else min(seconds, since + seconds - self.now)  # never longer


def _json(raw: Any) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _latest(*values: Any) -> float | None:
    return max((n for n in map(_number, values) if n is not None), default=None)


def log_of(name: str, prefix: str) -> tuple[str]:
    """The message log of the conversation a ``{prefix}:conv:{id}:...`` key belongs to."""
    conversation_id = name[len(f"{prefix}:conv:"):].split(":", 1)[0]
    return (f"{prefix}:conv:{conversation_id}:log",)


def conversation(key: Key) -> float:
    """Every key of a conversation lives on from its last message (each message renews them)."""
    last = _json(key.client.lindex(log_of(key.name, key.prefix)[0], -1))
    return key.kept(_latest(last.get("ts")) if isinstance(last, dict) else None)


def case(key: Key) -> float | None:
    """An open case stays until it is closed; a closed one from its closing."""
    data = key.client.hgetall(key.name)
    if data.get("status") in ("waiting", "claimed"):
        return STAYS
    return key.kept(_latest(data.get("closed_at")))


def newest_record(field: str) -> Callable[[Key], float]:
    """A list of JSON records, newest first: from the newest one's time."""
    def rule(key: Key) -> float:
        newest = _json(key.client.lindex(key.name, 0))
        return key.kept(_latest(newest.get(field)) if isinstance(newest, dict) else None)
    return rule


def order(key: Key) -> float:
    """From the order's last change (its newest ``..._at`` time)."""
    data = _json(key.client.get(key.name))
    times = [value for name, value in data.items() if name.endswith("_at")] if isinstance(data, dict) else []
    return key.kept(_latest(*times))


def reminder(key: Key) -> float:
    """From its sending or cancelling; a reminder still waiting has neither: from now."""
    return key.kept(_latest(*key.client.hmget(key.name, "sent_at", "cancelled_at")))


def sent_to(key: Key) -> float:
    """The 24 h cap's record: two days (or the retention, if shorter) from the last sending."""
    sent = key.client.zrange(key.name, -1, -1, withscores=True)
    return key.kept(_latest(sent[0][1]) if sent else None, min(SENT_TO_KEPT, key.retention_s))


def tracker(key: Key) -> float:
    """Rasa's tracker: from its last event (Rasa's record_exp counts from its last save)."""
    data = _json(key.client.get(key.name))
    events = data.get("events") if isinstance(data, dict) else None
    return key.kept(_latest(*(e.get("timestamp") for e in events or () if isinstance(e, dict))))


def whole_retention(key: Key) -> float:
    return key.retention_s


def failed_checks(key: Key) -> float:
    # wrong phone digits counted within CHECK_WINDOW_S of the first; when that was is not kept
    return CHECK_WINDOW_S


def delete(key: Key) -> float:
    return 0


def stays(key: Key) -> None:
    return STAYS


TRACKER, LOCK = "<rasa tracker>", "<rasa lock>"  # Rasa's keys: where they are depends on the prefix

# The first kind whose pattern matches a key is its kind.
KINDS = (
    Kind("the old list of every conversation", ("conversations",), delete),
    Kind("conversation keys", ("conv:*",), conversation, also_reads=log_of),
    Kind("hand-off cases", ("case:*",), case),
    Kind("the closed-case log", ("cases:closed",), newest_record("closed_at"), trim_field="closed_at"),
    Kind("orders", ("order:*",), order),
    Kind("failed phone checks", ("order_checks_failed:*",), failed_checks),
    Kind("reminder records", ("reminder:*",), reminder),
    Kind("buyers' waiting reminders", ("reminders:conv:*",), whole_retention),
    Kind("buyers' sent reminders", ("reminders:sent_to:*",), sent_to),
    Kind("the review list", ("review:pending",), newest_record("time"), trim_field="time"),
    Kind("Rasa trackers", (TRACKER,), tracker),
    Kind("meant to stay", ("queue", "agent:*:cases", "reminders:due", "reminders:claimed",
                           "agent-session-secret", "metrics:reminders"), stays),
    Kind("with their own expiry", ("staff_session:*", "login_failures:*", "webhook_delivery:*", "rate:*",
                                   "stats:*"), stays),
    Kind("Rasa locks", (LOCK,), stays),
)
UNKNOWN = Kind("not known", (), stays)


def globs(prefix: str) -> list[tuple[str, Kind]]:
    """Every kind's patterns as full key patterns, in order."""
    where = {TRACKER: rasa_key(prefix, "tracker", "*"), LOCK: rasa_key(prefix, "lock", "*")}
    return [(where.get(pattern) or f"{prefix}:{pattern}", kind) for kind in KINDS for pattern in kind.patterns]


def kind_of(key: str, prefix: str) -> Kind:
    return next((kind for glob, kind in globs(prefix) if fnmatch.fnmatchcase(key, glob)), UNKNOWN)


def settle(client: Any, name: str, kind: Kind, prefix: str, retention_s: int, now: float, dry_run: bool,
           drop_before: Any) -> str:
    """Give one key its expiry (or delete it) unless it has one; the outcome. In a transaction
    that WATCHes what the rule reads, so a gateway changing it meanwhile (a case reopened, a
    message logged) makes the rule read again, and an expiry the gateway gave is kept."""
    def attempt(pipe: Any) -> str:
        ttl = pipe.ttl(name)
        if ttl != -1:
            return GONE if ttl == -2 else HAD_ONE
        seconds = kind.rule(Key(pipe, name, prefix, retention_s, now))
        if seconds is STAYS:
            return LEFT
        outcome = DELETED if seconds <= 0 else EXPIRES
        if dry_run:
            return outcome
        pipe.multi()
        if outcome is DELETED:
            pipe.delete(name)
            return outcome
        if kind.trim_field:
            drop_before(keys=[name], args=[kind.trim_field, now - retention_s], client=pipe)
        pipe.expire(name, math.ceil(seconds))
        return outcome

    return client.transaction(attempt, name, *kind.also_reads(name, prefix), value_from_callable=True)


def apply_retention(client: Any, prefix: str, retention_s: int, now: float | None = None,
                    dry_run: bool = False) -> tuple[dict[str, Counter], list[str]]:
    """Settle every key under the prefix (and Rasa's); the outcomes per kind, and the keys of no
    known kind. ``client`` is a synchronous redis client with ``decode_responses=True``."""
    now = app_clock.now() if now is None else now
    drop_before = client.register_script(DROP_BEFORE)
    names = set()
    for pattern in {f"{prefix}:*", rasa_key(prefix, "tracker", "*"), rasa_key(prefix, "lock", "*")}:
        names.update(client.scan_iter(match=pattern, count=1000))
    kinds = {name: kind_of(name, prefix) for name in names}
    # a key other keys' rules read (a conversation's log) is settled after them: deleted
    # first, it would leave them without the time they are kept from
    read = {other for name, kind in kinds.items() for other in kind.also_reads(name, prefix)}
    outcomes: dict[str, Counter] = {}
    unknown = []
    for name in sorted(names, key=lambda name: (name in read, name)):
        kind = kinds[name]
        if kind is UNKNOWN:
            unknown.append(name)
        outcome = settle(client, name, kind, prefix, retention_s, now, dry_run, drop_before)
        outcomes.setdefault(kind.name, Counter())[outcome] += 1
    return outcomes, unknown


def report(outcomes: dict[str, Counter], unknown: list[str], dry_run: bool) -> list[str]:
    lines = []
    for kind in (*KINDS, UNKNOWN):
        counts = outcomes.get(kind.name)
        if counts:
            said = ", ".join(f"{n} {DRY.get(what, what) if dry_run else what}" for what, n in sorted(counts.items()))
            lines.append(f"{kind.name}: {said}")
    lines += [f"  not known: {name}" for name in unknown[:50]]
    if len(unknown) > 50:
        lines.append(f"  ... and {len(unknown) - 50} more not known")
    return lines or ["no keys under this prefix"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.apply_retention",
        description="Give the Redis keys of buyers' data that an older version left without an expiry "
                    "the one they get today (shop.yml's retention_days).",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help="default: REDIS_URL, else redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default=os.environ.get("XIAOER_KEY_PREFIX", "xiaoer"),
                        help="the key prefix (default: XIAOER_KEY_PREFIX, else xiaoer)")
    parser.add_argument("--shop", default=None, help="the shop folder (default: XIAOER_SHOP_DIR, else shop/)")
    args = parser.parse_args(argv)
    try:
        retention_s = retention_seconds(args.shop)
    except ShopConfigError as exc:
        print(exc, file=sys.stderr)
        return 1

    import redis

    client = redis.Redis.from_url(args.redis_url, decode_responses=True, socket_connect_timeout=3)
    try:
        outcomes, unknown = apply_retention(client, args.prefix, retention_s, dry_run=args.dry_run)
    except redis.RedisError as exc:
        print(f"Redis at {args.redis_url} did not answer ({exc}); keys settled before that keep their expiry",
              file=sys.stderr)
        return 1
    finally:
        client.close()
    days = retention_s / 86400
    print(f"{'dry run, nothing changed: ' if args.dry_run else ''}keys under {args.prefix}:*, "
          f"buyers' data kept {days:g} days")
    for line in report(outcomes, unknown, args.dry_run):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
