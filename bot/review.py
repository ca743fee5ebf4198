"""What the bot did not understand, for trainers to review, and the training examples they add.

The NLG renderer records every buyer message the bot answered with a "not understood"
script (``REVIEW_SCRIPTS``) in a capped list (Redis when the store is Redis, else memory).
A trainer picks the right intent and the message becomes a training example in
``data/nlu/trainer_additions.yml`` (Rasa 3.1 NLU YAML, one block per intent); the item
leaves the list. Training itself stays on the command line (``make train``, then restart).
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import json
import logging
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import yaml
from xiaoer import clock as app_clock

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TRAINING_FILE = ROOT / "data" / "nlu" / "trainer_additions.yml"
MODELS_DIR = ROOT / "models"
REVIEW_SCRIPTS = frozenset({"utter_ask_rephrase", "utter_out_of_scope", "utter_handoff_after_failures"})
REVIEW_LIMIT = 500
EXAMPLE_LIMIT = 200
# The contract's intent names (DESIGN.md, "Intent names").
INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "ask_stock", "ask_size", "bargain",
    "ask_shipping", "ask_delivery_status", "color_difference", "return_exchange", "ask_payment",
    "modify_order", "complaint", "ask_product_info", "request_human", "out_of_scope",
)
# Rasa reads [text](entity) and [text]{...} in an example as entity annotations.
ANNOTATION = re.compile(r"\]\s*[({]")
HEADER = (
    "# Training examples added by trainers in the workbench (/trainer, 待审核).\n"
    "# Written by the gateway; edit by hand only while nobody uses the workbench.\n"
    "# After a change: make train, then restart the bot.\n"
)


class TrainingError(ValueError):
    """An example that cannot be added; the message is for the trainer (Chinese)."""


class ReviewRecorder:
    """A capped list of review items, newest first: Redis when given, else this process's memory."""

    def __init__(self, redis: Any | None = None, prefix: str = "xiaoer", limit: int = REVIEW_LIMIT) -> None:
        self.redis = redis
        self.key = f"{prefix}:review:pending"
        self.limit = limit
        self._memory: collections.deque[str] = collections.deque(maxlen=limit)

    async def record(self, script_id: str, tracker: dict[str, Any]) -> dict[str, Any] | None:
        """Keep the buyer's latest message when script_id is a not-understood reply."""
        if script_id not in REVIEW_SCRIPTS:
            return None
        latest = tracker.get("latest_message") or {}
        text = str(latest.get("text") or "").strip()
        if not text:
            return None
        intent = latest.get("intent") or {}
        item = {
            "id": uuid.uuid4().hex,
            "text": text[:2000],
            "intent": str(intent.get("name") or ""),
            "confidence": _number(intent.get("confidence")),
            "conversation_id": str(tracker.get("sender_id") or ""),
            "script_id": script_id,
            "time": app_clock.now(),
        }
        newest = (await self._raw(0, 0)) or [None]
        if newest[0]:
            last = json.loads(newest[0])
            if last.get("conversation_id") == item["conversation_id"] and last.get("text") == text:
                return None  # two not-understood replies to the same message
        raw = json.dumps(item, ensure_ascii=False)
        if self.redis is None:
            self._memory.appendleft(raw)
        else:
            pipe = self.redis.pipeline(transaction=True)
            pipe.lpush(self.key, raw)
            pipe.ltrim(self.key, 0, self.limit - 1)
            await pipe.execute()
        return item

    async def items(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self._raw(0, -1)]

    async def find(self, item_id: str) -> dict[str, Any] | None:
        return next((item for item in await self.items() if item.get("id") == item_id), None)

    async def done(self, item_id: str) -> bool:
        """Take the item off the list; False when it is gone already."""
        for raw in await self._raw(0, -1):
            if json.loads(raw).get("id") == item_id:
                if self.redis is None:
                    with contextlib.suppress(ValueError):
                        self._memory.remove(raw)
                        return True
                    return False
                return bool(await self.redis.lrem(self.key, 1, raw))
        return False

    async def _raw(self, start: int, end: int) -> list[str]:
        if self.redis is None:
            items = list(self._memory)
            return items[start:] if end == -1 else items[start:end + 1]
        return await self.redis.lrange(self.key, start, end)


def _number(value: Any) -> float | None:
    try:
        return round(float(value), 4)
    except (TypeError, ValueError):
        return None


# --- training examples ---------------------------------------------------------------

def clean_example(text: Any) -> str:
    if not isinstance(text, str):
        raise TrainingError("例句必须是文字")
    text = " ".join(text.split())
    if not text:
        raise TrainingError("例句不能为空")
    if len(text) > EXAMPLE_LIMIT:
        raise TrainingError(f"例句太长了（最多 {EXAMPLE_LIMIT} 个字）")
    if ANNOTATION.search(text):
        raise TrainingError("例句里不能有 ](  或 ]{ 这样的写法（Rasa 会把它当成实体标注）")
    return text


def read_examples(path: Path) -> dict[str, list[str]]:
    """The examples of one Rasa NLU file, by intent (in the file's order)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    blocks: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            lines = str(block.get("examples") or "").splitlines()
            examples = [line.strip()[1:].strip() for line in lines if line.strip().startswith("-")]
            blocks.setdefault(str(block["intent"]), []).extend(examples)
    return blocks


def render_examples(blocks: dict[str, list[str]]) -> str:
    lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for intent, examples in blocks.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in examples]
    return "\n".join(lines) + "\n"


def add_training_example(path: Path, intent: str, text: Any, intents: tuple[str, ...] = INTENTS) -> dict[str, Any]:
    """Append text to the intent's block of the trainers' file; refuses duplicates and conflicts.

    Returns {"added": bool, "message": ...}. An example the NLU data already has for the
    same intent is not added again; one it has for another intent is refused.
    """
    if intent not in intents:
        raise TrainingError(f"没有这个意图：{intent}")
    text = clean_example(text)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent):
        for other in sorted(path.parent.glob("*.yml")):
            try:
                existing = read_examples(other)
            except (yaml.YAMLError, AttributeError, OSError) as exc:
                if other == path:
                    raise TrainingError(f"{other.name} 无法读取（{exc}），请先修好它") from exc
                continue
            for known_intent, examples in existing.items():
                if text in examples:
                    if known_intent == intent:
                        return {"added": False, "message": f"「{text}」已经是 {intent} 的例句了（{other.name}），不用重复添加"}
                    raise TrainingError(f"「{text}」已经是另一个意图 {known_intent} 的例句（{other.name}），不能再加到 {intent}")
        blocks = read_examples(path)
        blocks.setdefault(intent, []).append(text)
        content = render_examples(blocks)
        if read_examples_from_text(content) != blocks:  # what Rasa will read is what we meant
            raise TrainingError("例句写入后无法原样读回，没有保存")
        atomic_write(path, content)
    return {"added": True, "message": f"已把「{text}」加为 {intent} 的例句；重新训练（make train）并重启后生效"}


def read_examples_from_text(content: str) -> dict[str, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.yml"
        probe.write_text(content, encoding="utf-8")
        return read_examples(probe)


def training_status(path: Path, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """How many examples trainers added, and whether they are newer than the newest model."""
    path, models_dir = Path(path), Path(models_dir)
    try:
        blocks = read_examples(path)
    except (yaml.YAMLError, AttributeError, OSError):
        blocks = {}
    models = [p.stat().st_mtime for p in models_dir.glob("*.tar.gz")] if models_dir.exists() else []
    changed = path.stat().st_mtime if path.exists() else None
    return {
        "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name,
        "examples": sum(len(v) for v in blocks.values()),
        "retrain_needed": changed is not None and (not models or changed > max(models)),
        "how": "在服务器上运行 make train，训练完成后重启机器人（make run）",
    }


def atomic_write(path: Path, content: str) -> None:
    """Write to a temporary file beside path, then os.replace: readers see old or new, never half."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp, os.stat(path).st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on the folder, so two gateways never write it at the same moment."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
