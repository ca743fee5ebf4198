"""`make bench`'s catalogue part: what the bot costs at 4, 300 and 3,000 items.

    .venv/bin/python -m tools.bench_catalogue [--sizes 4 300 3000]   # alone; make bench runs it too

For each size a shop folder: the demo shop as it is (4 items), with
shop/demo_exports/taobao-300.csv imported by the project's importer (the demo's four items
stay: the importer merges by item id and never touches hand-written items), or with a seeded
3,000-item export (tools/make_demo_export) imported the same way. Then, per size:

- training: the vocabulary (tools/build_vocab) grows with the catalogue and is baked into the
  model, and jieba's cut of the training examples changes with it, so each catalogue needs a
  model of its own. Trained once per shop into ``models/catalogue/<size>-<hash>/`` (gitignored
  with models/), keyed by the shop's content and the model's inputs (config, domain, data,
  components), with its training time and peak memory; a later run reuses it and reports the
  time it took then;
- the shop's load time (``load_shop``, median of 3);
- NLU parse latency (Rasa's /model/parse, one message at a time) and reply latency of whole
  turns through the gateway (one conversation at a time), p50/p95, on a stack serving that
  model and that shop; each process's RSS afterwards;
- item lookup latency (tools/bench_lookup, in the action server's Python), p50/p95.

The same buyer messages at every size (tools/bench_lookup.BUYER_MESSAGES). Ratios against the
4-item shop, and the machine's load average at the start and end: on a shared machine the
figures are noisy, compare them only within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

from tools.bench import TOKEN_HEADER, limits_off, percentile, rss_mb
from tools.bench_lookup import BUYER_MESSAGES
from tools.build_vocab import render, vocabulary
from tools.import_catalogue import import_catalogue
from tools.make_demo_export import SKU_HEADER, demo_listings, sku_rows, write_csv
from tools.stack import ROOT, LiveBot, start_on_free_ports
from xiaoer.shop import load_shop

SIZES = (4, 300, 3000)  # the demo shop; with 300 and 3,000 imported listings beside its 4 items
EXPORT_300 = ROOT / "shop" / "demo_exports" / "taobao-300.csv"
CACHE = ROOT / "models" / "catalogue"
RASA = ROOT / ".venv-rasa" / "bin"
# What a model is made of besides the shop: a change to any retrains
MODEL_INPUTS = ("config.yml", "domain.yml", "data", "components", "tools/build_vocab.py")
NOT_SHOP = ("backups", "demo_exports")  # folders of shop/ no process reads
LATENCY_METRICS = ("nlu_parse", "item_lookup", "reply")
TEXTS = [text for text, _ in BUYER_MESSAGES]


# ---------------------------------------------------------------- the shop and its model

def prepare_shop(size: int, work: Path) -> Path:
    """A shop folder with ``size`` items: the demo shop, plus an import for 300 and 3,000."""
    shop_dir = work / f"shop-{size}"
    shutil.copytree(ROOT / "shop", shop_dir, ignore=shutil.ignore_patterns(*NOT_SHOP))
    if size == 300:
        export = EXPORT_300
    elif size != 4:
        export = work / f"taobao-{size}.csv"  # as tools/make_demo_export --items writes it, seed 19
        write_csv(export, SKU_HEADER, sku_rows(demo_listings(size)))
    if size != 4:
        import_catalogue(export, shop_dir)
        shutil.rmtree(shop_dir / "backups", ignore_errors=True)
    return shop_dir


def _digest(paths: list[Path], base: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def model_key(shop_dir: Path) -> str:
    """The shop's content and the model's other inputs, hashed."""
    shop = _digest(list(shop_dir.rglob("*.yml")), shop_dir)
    inputs = [p for name in MODEL_INPUTS for p in ([ROOT / name] if (ROOT / name).is_file()
                                                   else (ROOT / name).rglob("*"))]
    return hashlib.sha256((shop + _digest(inputs, ROOT)).encode()).hexdigest()[:16]


def training_config(folder: Path) -> str:
    """config.yml with the tokenizer's vocabulary and the entity extractor's shop in ``folder``
    (paths relative to the project, where Rasa runs)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"].endswith("ShopJiebaTokenizer"):
            component["dictionary_path"] = str((folder / "vocab").relative_to(ROOT))
        if component["name"].endswith("ShopEntityExtractor"):
            component["shop_path"] = str((folder / "shop").relative_to(ROOT))
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def trained_model(size: int, shop_dir: Path) -> tuple[Path, dict]:
    """The model for this shop: from the cache, else trained now (from scratch, in a Rasa
    cache of its own, so every size pays the same and other trainings are not disturbed)."""
    folder = CACHE / f"{size}-{model_key(shop_dir)}"
    model, record = folder / "xiaoer.tar.gz", folder / "train.json"
    if model.exists() and record.exists():
        return model, {**json.loads(record.read_text()), "cached": True}
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(shop_dir, folder / "shop")
    words = vocabulary(folder / "shop")
    (folder / "vocab").mkdir(parents=True)
    (folder / "vocab" / "shop.txt").write_text(render(words), encoding="utf-8")
    (folder / "config.yml").write_text(training_config(folder), encoding="utf-8")
    print(f"  training a model for {size} items ({len(words)} vocabulary words) ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="xiaoer-rasa-cache-") as rasa_cache, \
            open(folder / "train.log", "wb") as log:
        argv = [str(RASA / "rasa"), "train", "--quiet", "--config", str(folder / "config.yml"),
                "--domain", "domain.yml", "--data", "data", "--out", str(folder), "--fixed-model-name", "xiaoer"]
        env = {**os.environ, "RASA_CACHE_DIRECTORY": rasa_cache, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        started = time.monotonic()
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
    if process.returncode != 0 or not model.exists():
        tail = (folder / "train.log").read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"training for {size} items failed:\n" + "\n".join(tail))
    # CPU time beside wall time: on a shared machine the wall time says more about the others
    info = {"seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "vocabulary_words": len(words), "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}
    record.write_text(json.dumps(info, indent=2) + "\n")
    return model, {**info, "cached": False}


# ---------------------------------------------------------------- measuring one size

def latency(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 0.5), 2), "p95": round(percentile(values, 0.95), 2)}


def shop_load_seconds(shop_dir: Path, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        load_shop(shop_dir)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def item_lookup(shop_dir: Path, rounds: int) -> dict:
    """tools/bench_lookup in Rasa's environment (the actions' Python and rasa-sdk)."""
    done = subprocess.run([str(RASA / "python"), "-m", "tools.bench_lookup", "--shop", str(shop_dir),
                           "--rounds", str(rounds)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def nlu_parse(bot: LiveBot, rounds: int) -> dict:
    url, times = f"http://127.0.0.1:{bot.ports['rasa']}/model/parse", []
    with httpx.Client(timeout=60, params={"token": bot.internal_token}) as client:
        for text in TEXTS:  # warm-up
            client.post(url, json={"text": text}).raise_for_status()
        for _ in range(rounds):
            for text in TEXTS:
                started = time.perf_counter()
                client.post(url, json={"text": text}).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
    return {"messages": len(times), "latency_ms": latency(times)}


def replies(bot: LiveBot, conversations: int) -> dict:
    """Whole turns (gateway, Rasa, actions, scripts), one conversation at a time, each
    conversation all the buyer messages in order."""
    times, errors = [], []
    with httpx.Client(timeout=120) as client:
        for n in range(conversations + 1):  # the first one warms up
            conversation, token = f"bench-cat-{uuid.uuid4().hex[:12]}", None
            for text, page in BUYER_MESSAGES:
                body = {"text": text, **({"context": {"item": page}} if page else {})}
                started = time.perf_counter()
                response = client.post(f"{bot.url}/api/conversations/{conversation}/messages", json=body,
                                        headers={TOKEN_HEADER: token} if token else {})
                token = response.headers.get(TOKEN_HEADER) or token  # the first answer gives it
                if n:
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:100]}")
    return {"messages": len(times), "errors": len(errors), "first_errors": errors[:3], "latency_ms": latency(times)}


def measure_size(size: int, work: Path, redis_url: str, rounds: int, conversations: int) -> dict:
    print(f"catalogue at {size} items:", flush=True)
    started = time.monotonic()
    shop_dir = prepare_shop(size, work)
    prepared = time.monotonic() - started
    model, training = trained_model(size, shop_dir)
    result = {
        "items": len(load_shop(shop_dir).items),
        "catalog_kb": round((shop_dir / "catalog.yml").stat().st_size / 1024, 1),
        "prepare_seconds": round(prepared, 1),
        "training": training,
        "shop_load_s": shop_load_seconds(shop_dir),
    }
    print("  item lookup in process ...", flush=True)
    result["item_lookup"] = item_lookup(shop_dir, rounds * 20)
    workdir = work / f"stack-{size}"
    workdir.mkdir()
    shutil.copytree(shop_dir, workdir / "shop")
    bot = LiveBot(workdir, redis_url, env_overrides=limits_off(len(BUYER_MESSAGES)), model=model)
    try:
        ready = time.monotonic()
        start_on_free_ports(bot)
        result["stack_ready_s"] = round(time.monotonic() - ready, 1)
        print("  NLU parse, one message at a time ...", flush=True)
        result["nlu_parse"] = nlu_parse(bot, rounds)
        print("  whole turns through the gateway, one conversation at a time ...", flush=True)
        result["reply"] = replies(bot, conversations)
        result["process_rss_mb"] = {name: rss_mb(process.pid) for name, process in bot.processes.items()}
    finally:
        bot.stop()
        bot.forget()
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


# ---------------------------------------------------------------- all sizes

def ratios(base: dict, other: dict) -> dict:
    """other / base for each latency's p50 and p95, the load time, training and each RSS."""
    def ratio(a, b):
        return round(b / a, 2) if a and b is not None else None
    found = {f"{m}_{p}": ratio(base[m]["latency_ms"][p], other[m]["latency_ms"][p])
             for m in LATENCY_METRICS for p in ("p50", "p95")}
    found["shop_load"] = ratio(base["shop_load_s"], other["shop_load_s"])
    found["training"] = ratio(base["training"]["seconds"], other["training"]["seconds"])
    found["training_cpu"] = ratio(base["training"].get("cpu_seconds"), other["training"].get("cpu_seconds"))
    found.update({f"rss_{name}": ratio(mb, other["process_rss_mb"].get(name))
                  for name, mb in base["process_rss_mb"].items()})
    found["latency_within_10pct"] = all(found[f"{m}_{p}"] <= 1.1 for m in LATENCY_METRICS for p in ("p50", "p95"))
    return found


def run(redis_url: str, sizes=SIZES, rounds: int = 10, conversations: int = 3) -> dict:
    started = time.monotonic()
    result = {"load_average_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="xiaoer-bench-catalogue-") as tmp:
        for size in sizes:
            result[str(size)] = measure_size(size, Path(tmp), redis_url, rounds, conversations)
    base = result.get(str(sizes[0]))
    result["ratios"] = {str(size): ratios(base, result[str(size)]) for size in sizes[1:]}
    result["ratios_against"] = str(sizes[0])
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def table(result: dict) -> str:
    sizes = [k for k in result if k.isdigit()]
    rows = [("items", lambda r: f"{r['items']}"),
            ("NLU parse p50/p95 ms", lambda r: "{p50:.0f} / {p95:.0f}".format(**r["nlu_parse"]["latency_ms"])),
            ("item lookup p50/p95 ms", lambda r: "{p50:.3f} / {p95:.3f}".format(**r["item_lookup"]["latency_ms"])),
            ("reply p50/p95 ms", lambda r: "{p50:.0f} / {p95:.0f}".format(**r["reply"]["latency_ms"])),
            ("shop load s", lambda r: f"{r['shop_load_s']:.2f}"),
            ("stack ready s", lambda r: f"{r['stack_ready_s']:.0f}"),
            ("training s (CPU s)", lambda r: f"{r['training']['seconds']:.0f} ({r['training'].get('cpu_seconds', 0):.0f})"
             + (" cached" if r["training"]["cached"] else "")),
            ("RSS rasa/actions/gateway MB", lambda r: " / ".join(f"{r['process_rss_mb'].get(n) or 0:.0f}"
                                                                  for n in ("rasa", "actions", "gateway")))]
    lines = [f"{'':28}" + "".join(f"{size + ' items':>22}" for size in sizes)]
    lines += [f"{label:28}" + "".join(f"{show(result[size]):>22}" for size in sizes) for label, show in rows]
    for size, found in result["ratios"].items():
        lines.append(f"{size} items / {result['ratios_against']}: " + ", ".join(
            f"{k} {v}" for k, v in found.items() if k != "latency_within_10pct"))
    lines.append(f"load average {result['load_average_start']} at the start, {result['load_average_end']} at the end; "
                 f"{result['seconds']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--out", default=str(ROOT / "results" / "bench.json"))
    args = parser.parse_args(argv)
    result = run(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), args.sizes)
    out = Path(args.out)
    saved = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    saved["catalogue"] = result
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(f"written to {out} (\"catalogue\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
