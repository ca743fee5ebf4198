"""The training examples trainers add in the workbench: ``data/nlu/trainer_additions.yml``
(Rasa 3.1 NLU YAML, one block per intent). Training itself stays on the command line
(``make train``, then restart).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT
from bot.infra.files import atomic_write, locked
from xiaoer.contract import INTENTS

TRAINING_FILE = ROOT / "data" / "nlu" / "trainer_additions.yml"
MODELS_DIR = ROOT / "models"
EXAMPLE_LIMIT = 200
# Rasa reads [text](entity) and [text]{...} in an example as entity annotations.
ANNOTATION = re.compile(r"\]\s*[({]")
HEADER = (
    "# Training examples added by trainers in the workbench (/trainer, 待审核).\n"
    "# Written by the gateway; edit by hand only while nobody uses the workbench.\n"
    "# After a change: make train, then restart the bot.\n"
)


class TrainingError(ValueError):
    """An example that cannot be added; the message is for the trainer (Chinese)."""


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


def add_training_example(path: Path, intent: str, text: Any, intents: tuple[str, ...] = tuple(INTENTS)) -> dict[str, Any]:
    """Append text to the intent's block of the trainers' file; refuses duplicates and conflicts.

    Returns {"added": bool, "message": ...}. An example the NLU data already has for the
    same intent is not added again; one it has for another intent is refused.
    """
    if intent not in intents:
        raise TrainingError(f"没有这个意图：{intent}")
    text = clean_example(text)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.parent):
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
