"""Item lookup alone: how long the actions take to find the item a buyer's message is about
(``actions.shop_data.item_in_question``) in the shop of ``--shop``, in process.

    .venv-rasa/bin/python -m tools.bench_lookup --shop DIR [--rounds 200]    # prints JSON

Runs in Rasa's environment, where the actions run. Each message of :data:`BUYER_MESSAGES`
becomes a tracker as the action server gets it: the text, the entities the NLU gives it
(``xiaoer.entities`` with the shop's catalogue, worked out before the clock starts: the NLU is
timed on its own), the page's item in the metadata where the message has one. The same
messages at every catalogue size: they name the demo shop's four items, which an import
keeps, words that fit many imported items ("冰丝阔腿裤", "男款卫衣"), and a link to an item
no shop has (the longest way through the lookup).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (text, the item of the page the chat was opened on or None), as buyers type on a phone
BUYER_MESSAGES = [
    ("在吗", None),
    ("牛仔裤有黑色吗", None),
    ("那条碎花连衣裙还有m码吗", None),
    ("jn2801多少钱", None),
    ("货号DR-1066还有货吗", None),
    ("https://item.taobao.com/item.htm?id=689012345678 这个有L码吗", None),
    ("雾蓝的还有吗", None),
    ("冰丝阔腿裤有黑色吗", None),
    ("男款卫衣有吗", None),
    ("纯棉短袖T恤粉色还有货吗", None),
    ("套餐能便宜点吗", None),
    ("身高165体重110斤穿什么码", None),
    ("这个多少钱", "JN-2801"),
    ("有米白吗", "DR-1066"),
]


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    at = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return {"p50": round(at(0.5) * 1000, 3), "p95": round(at(0.95) * 1000, 3),
            "mean": round(statistics.fmean(ordered) * 1000, 3)}


def trackers(catalog: dict) -> list:
    """One tracker per buyer message, with the NLU's entities and the page's item."""
    from rasa_sdk import Tracker

    from components.entity_extractor import to_rasa
    from xiaoer.entities import extract_entities

    made = []
    for n, (text, page) in enumerate(BUYER_MESSAGES):
        entities = [to_rasa(e) for e in extract_entities(text, catalog)]
        message = {"text": text, "entities": entities, "intent": {"name": "ask", "confidence": 0.9}}
        event = {"event": "user", "text": text, "parse_data": message,
                 "metadata": {"item": page} if page else {}}
        made.append(Tracker(f"bench-{n}", {"sku": None}, message, [event], False, None, {}, "action_listen"))
    return made


def measure(shop_dir: str, rounds: int) -> dict:
    os.environ["XIAOER_SHOP_DIR"] = str(shop_dir)
    from actions import shop_data

    shop_data.shop.cache_clear()
    started = time.perf_counter()
    shop = shop_data.shop()
    loaded = time.perf_counter() - started
    cases = trackers(shop.catalog_for_nlu())
    found = {tracker.latest_message["text"]: (shop_data.item_in_question(tracker).item or None) for tracker in cases}
    times = []
    for _ in range(rounds):
        for tracker in cases:
            started = time.perf_counter()
            shop_data.item_in_question(tracker)
            times.append(time.perf_counter() - started)
    return {
        "items": len(shop.items),
        "lookups": len(times),
        "latency_ms": percentiles_ms(times),
        "shop_load_in_actions_s": round(loaded, 3),
        "found": {text: item.sku if item else None for text, item in found.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shop", required=True, help="the shop folder")
    parser.add_argument("--rounds", type=int, default=200, help="times each message is looked up (default 200)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.shop, args.rounds), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
