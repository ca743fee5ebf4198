"""`make bench`: how fast the whole bot answers, measured, written to results/bench.json.

Starts the real stack (Rasa with the trained model, the action server, the gateway,
Redis) on free local ports, warms it up, then sends buyer messages from many concurrent
conversations through the public API and records latency percentiles, throughput and
the memory each process holds. Also times Rasa's NLU alone (one message at a time through
its parse API) and the script engine alone. Then the same bot at 4, 300 and 3,000 catalogue
items (tools/bench_catalogue: NLU, item lookup and reply latency, load time, memory, training
time, ratios against 4 items) under "catalogue". Bounded in count and time; talks only to
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bot.config import Settings
from tools.conversation_tokens import TokenJar
from tools.stack import ROOT, LiveBot
from xiaoer.scripts import ScriptCorpus

TOKEN_HEADER = "X-Conversation-Token"  # a conversation's key, from its first answer
MESSAGES = [
    "在吗", "身高165体重110斤，牛仔裤穿什么码", "能发顺丰吗", "发到新疆要几天", "便宜点我就拍",
    "纯棉短袖T恤粉色还有货吗", "有色差吗", "不喜欢可以退吗", "好的谢谢", "拜拜",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def conversation(client: httpx.AsyncClient, url: str, turns: int, latencies: list[float], errors: list[str]) -> None:
    conversation_id, token = f"bench-{uuid.uuid4().hex[:12]}", None
    for turn in range(turns):
        started = time.perf_counter()
        try:
            response = await client.post(f"{url}/api/conversations/{conversation_id}/messages",
                                         json={"text": MESSAGES[turn % len(MESSAGES)]},
                                         headers={TOKEN_HEADER: token} if token else {})
            token = response.headers.get(TOKEN_HEADER) or token  # the first answer gives it
            if response.status_code != 200:
                errors.append(f"{response.status_code}: {response.text[:100]}")
        except httpx.HTTPError as exc:
            errors.append(repr(exc))
        latencies.append((time.perf_counter() - started) * 1000)


async def load(url: str, concurrency: int, turns: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    # every conversation's token, from its first answer, goes back with its later messages
    async with httpx.AsyncClient(timeout=60, event_hooks=TokenJar().hooks(asynchronous=True)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(conversation(client, url, turns, latencies, errors) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrent_conversations": concurrency,
        "messages": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "messages_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "max": round(max(latencies), 1),
        },
    }


def nlu_parse(rasa_url: str, token: str, rounds: int = 20) -> dict:
    """Rasa's NLU alone, one message at a time (POST /model/parse on loopback): tokenizer,
    featurizers, sentence encoder, classifier, entities."""
    latencies = []
    with httpx.Client(timeout=60, params={"token": token}) as client:
        for text in MESSAGES:  # warm-up
            client.post(f"{rasa_url}/model/parse", json={"text": text})
        for _ in range(rounds):
            for text in MESSAGES:
                started = time.perf_counter()
                client.post(f"{rasa_url}/model/parse", json={"text": text}).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
    return {"messages": len(latencies), "latency_ms": {"p50": round(percentile(latencies, 0.5), 1),
                                                       "p95": round(percentile(latencies, 0.95), 1)}}


def script_engine(repeats: int = 20000) -> dict:
    corpus = ScriptCorpus(ROOT / "scripts_zh")
    values = {"shop_name": "禾木服饰", "size": "L", "height": 165, "weight": 55, "item_name": "牛仔裤",
              "height_size": "L", "weight_size": "L", "larger_by": "身高"}
    started = time.perf_counter()
    for _ in range(repeats):
        corpus.render("utter_size_larger", values, avoid_variant=0)
    return {"renders": repeats, "microseconds_per_render": round((time.perf_counter() - started) / repeats * 1e6, 2)}


def limits_off(turns: int) -> dict[str, str]:
    """The bench measures the bot, not the buyer API's limits: every conversation comes from
    127.0.0.1, tens of them a second, so the per-address limits are off. The per-conversation
    limit stays (its count is in every message's path, as in a shop) and is raised only when
    a conversation of the bench has more messages than it allows in a minute."""
    settings = {"XIAOER_RATE_PER_ADDRESS": "0", "XIAOER_NEW_CONVERSATIONS_PER_ADDRESS": "0"}
    if turns > Settings().rate_per_conversation:
        settings["XIAOER_RATE_PER_CONVERSATION"] = str(turns)
    return settings


def main() -> None:
    from tools import bench_catalogue  # it imports this module's helpers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 40])
    parser.add_argument("--out", default=str(ROOT / "results" / "bench.json"))
    parser.add_argument("--catalogue-sizes", type=int, nargs="*", default=None,
                        help="catalogue sizes to measure (default 4 300 3000; none to leave them out)")
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    bot = LiveBot(Path(tempfile.mkdtemp(prefix="xiaoer-bench-")), redis_url, env_overrides=limits_off(args.turns))
    started = time.monotonic()
    bot.start()
    try:
        ready_after = bot.wait_ready()
        asyncio.run(load(bot.url, 2, 3))  # warm-up: first calls load lazy parts
        print("  NLU alone, one message at a time ...", flush=True)
        nlu = nlu_parse(f"http://127.0.0.1:{bot.ports['rasa']}", bot.internal_token)
        runs = []
        for concurrency in args.concurrency:
            print(f"  {concurrency} concurrent conversations x {args.turns} messages ...", flush=True)
            runs.append(asyncio.run(load(bot.url, concurrency, args.turns)))
        memory = {name: rss_mb(process.pid) for name, process in bot.processes.items()}
    finally:
        bot.stop()
        bot.forget()
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "stack_ready_seconds": round(ready_after, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "nlu_parse": nlu,
        "api_load": runs,
        "process_memory_mb": memory,
        "script_engine": script_engine(),
    }
    sizes = bench_catalogue.SIZES if args.catalogue_sizes is None else args.catalogue_sizes
    if sizes:
        result["catalogue"] = bench_catalogue.run(redis_url, sizes)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "catalogue"}, ensure_ascii=False, indent=2))
    if sizes:
        print(bench_catalogue.table(result["catalogue"]))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
