"""Draw the real-buyer messages to label, split by conversation before anyone labels them.

Splits are made by the message's session (a conversation never straddles two splits), from
a hash of the session id, so the held-out and dev splits are fixed before any training and
stay the same if the pool grows. Half of each split is drawn uniformly from the pool (how
buyers really write, mostly JD.com traffic), half from messages that name one of the shop's
scenarios (clothing, sizing, colour, promotions, bargaining, stock, payment, people), a
group at a time, so that the scenarios a clothing shop sees are not drowned by invoices.

    python tools/sample_real_buyers.py ../shared/real_buyers/pool.jsonl /tmp/to_label.jsonl

The labelled result is labels/real_buyers/{train,dev,heldout}.jsonl (data/LABELLING.md).
A later round draws more training messages only, from the train split's conversations,
leaving out what is already labelled:

    python tools/sample_real_buyers.py ../shared/real_buyers/pool.jsonl /tmp/more.jsonl --more-train 4400
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

SPLITS = {"heldout": (0, 12), "dev": (12, 24), "train": (24, 100)}  # share of sessions, %
SIZES = {"heldout": 600, "dev": 600, "train": 3200}
SCENARIO_WORDS = {
    "clothing": "衣|裤|裙|鞋|T恤|外套|毛衣|羽绒|卫衣|衬衫",
    "size": "尺码|码数|多大|大小|偏大|偏小|身高|体重|斤|穿.码",
    "colour": "颜色|色差|掉色|褪色|染色|实物",
    "promotion": "优惠|券|满减|活动|红包|赠品|价保|降价|差价|秒杀|双11|双十一|618|聚划算|返现",
    "bargain": "便宜|少点|打折|最低|砍价|抹零|太贵|能少",
    "stock": "有货|没货|缺货|现货|补货|库存|到货",
    "payment": "付款|支付|花呗|白条|货到付款|分期|付不了",
    "people": "人工|转人工|真人|投诉|领导|主管",
    "product": "材质|面料|正品|包装|质量怎么样|重量|兼容|适合|起球|透不透|厚不厚",
}


def split_of(session: str) -> str:
    bucket = int(hashlib.sha256(session.encode()).hexdigest(), 16) % 100
    return next(name for name, (low, high) in SPLITS.items() if low <= bucket < high)


def draw(rows: list[dict], size: int, rng: random.Random) -> list[dict]:
    chosen: dict[str, dict] = {}
    uniform = rng.sample(rows, min(size // 2, len(rows)))
    chosen.update((r["text"], r) for r in uniform)
    per_group = (size - len(chosen)) // len(SCENARIO_WORDS) + 1
    for words in SCENARIO_WORDS.values():
        pattern = re.compile(words)
        matching = [r for r in rows if pattern.search(r["text"]) and r["text"] not in chosen]
        chosen.update((r["text"], r) for r in rng.sample(matching, min(per_group, len(matching))))
    picked = list(chosen.values())
    rng.shuffle(picked)
    rest = [r for r in rows if r["text"] not in chosen]  # groups with few matches: fill uniformly
    picked += rng.sample(rest, max(0, size - len(picked)))
    return picked[:size]


def labelled_rows() -> list[dict]:
    folder = Path(__file__).resolve().parents[1] / "labels" / "real_buyers"
    return [json.loads(line) for path in folder.glob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()]


def next_round_start(rows: list[dict]) -> int:
    """Each later round's ids start at the next ten thousand, so no two rounds' ids meet."""
    highest = max((int(r["id"][2:]) for r in rows), default=-1)
    return (highest // 10000 + 1) * 10000


def main(pool_path: str, out_path: str, more_train: int = 0) -> None:
    rng = random.Random(20261203 + more_train)
    by_split: dict[str, list[dict]] = {name: [] for name in SPLITS}
    labelled = labelled_rows() if more_train else []
    done = {r["text"] for r in labelled}
    for line in Path(pool_path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["text"] not in done:
            by_split[split_of(row["session"])].append(row)
    sizes = {"train": more_train} if more_train else SIZES
    out = []
    for name, size in sizes.items():
        for row in draw(by_split[name], size, rng):
            out.append({"split": name, "text": row["text"], "prev": row["prev"], "session": row["session"]})
    rng.shuffle(out)  # labellers see the splits mixed and unnamed
    first = next_round_start(labelled) if more_train else 0
    for number, row in enumerate(out, first):
        row["id"] = f"rb{number:05d}"
    Path(out_path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{len(out)} messages to label -> {out_path}")


if __name__ == "__main__":
    more = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--more-train" else 0
    main(sys.argv[1], sys.argv[2], more)
