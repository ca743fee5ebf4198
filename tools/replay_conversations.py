"""Play the written buyer conversations (tests/conversations/*.yml) to the whole bot and
write what it answered beside what a good 客服 would have answered, for a person to judge
turn by turn (right / weak / wrong).

    .venv/bin/python -m tools.replay_conversations results/conversations.md

Each conversation runs in a fresh conversation id on a live bot started from the
Procfile (tools/stack.py) at the conversation's shop time (14:00 unless it says). The
transcript is Markdown: one section per conversation, one row per buyer line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

from tools.stack import DAYTIME, ROOT, running_bot

FOLDER = ROOT / "tests" / "conversations"


def load_conversations(folder: Path = FOLDER) -> list[dict]:
    """Every conversation, in file-name order; each turn is one line the buyer sends."""
    conversations = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, turn in enumerate(data["turns"], 1):
            if not str(turn.get("buyer", "")).strip() or not str(turn.get("good", "")).strip():
                raise ValueError(f"{path.name} turn {number}: every turn needs 'buyer' and 'good'")
        conversations.append({"file": path.name, **data})
    return conversations


def shop_time_of(conversation: dict) -> dt.time:
    value = conversation.get("shop_time")
    return dt.time.fromisoformat(value) if value else DAYTIME


def replay(conversations: list[dict], redis_url: str) -> list[dict]:
    """Each conversation with every turn's replies (the texts and buttons the buyer saw)."""
    results = []
    by_time: dict[dt.time, list[dict]] = {}
    for conversation in conversations:
        by_time.setdefault(shop_time_of(conversation), []).append(conversation)
    for shop_time, group in by_time.items():
        with tempfile.TemporaryDirectory() as workdir, running_bot(Path(workdir), redis_url, shop_time) as bot:
            for conversation in group:
                conversation_id = f"replay-{uuid.uuid4().hex[:12]}"
                turns = []
                for turn in conversation["turns"]:
                    reply = bot.say(conversation_id, str(turn["buyer"]))
                    turns.append({**turn, "mode": reply.get("mode"), "replies": [
                        m.get("text", "") + (f"  [{' / '.join(b.get('title', '') for b in m['buttons'])}]" if m.get("buttons") else "")
                        for m in reply.get("messages", [])
                    ] + [f"（通知）{n.get('text', '')}" for n in reply.get("notices", [])]})
                results.append({**conversation, "turns": turns})
    results.sort(key=lambda c: c["file"])
    return results


def markdown(results: list[dict]) -> str:
    lines = ["# Written buyer conversations, as the bot answered them", ""]
    for conversation in results:
        lines += [f"## {conversation['file']}: {conversation.get('title', '')}", ""]
        for number, turn in enumerate(conversation["turns"], 1):
            said = " / ".join(turn["replies"]) if turn["replies"] else "(nothing)"
            lines += [f"{number}. **买家:** {turn['buyer']}", f"   - **机器人** ({turn['mode']}): {said}",
                      f"   - **好的客服:** {turn['good']}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the Markdown transcript to write (a .json beside it has the raw replies)")
    args = parser.parse_args(argv)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    results = replay(load_conversations(), redis_url)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(results), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(results)} conversations, {sum(len(c['turns']) for c in results)} buyer lines -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
