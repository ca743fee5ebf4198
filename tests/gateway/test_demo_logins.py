"""No image carries an agents file, and docker compose needs the operator's: what
tools/check-compose.sh (make check-compose) refuses, on copies of the files it reads."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.config import ROOT


def check_compose(tree) -> subprocess.CompletedProcess:
    return subprocess.run([str(tree / "tools" / "check-compose.sh")], capture_output=True, text=True, timeout=120)


def a_copy(tmp_path, change_file: str, old: str, new: str):
    """The files check-compose reads, with one change: what a careless edit would leave."""
    tree = tmp_path / "tree"
    (tree / "tools").mkdir(parents=True)
    shutil.copy2(ROOT / "tools" / "check-compose.sh", tree / "tools")
    shutil.copytree(ROOT / "docker", tree / "docker")
    shutil.copy2(ROOT / "docker-compose.yml", tree)
    changed = tree / change_file
    text = changed.read_text(encoding="utf-8")
    assert old in text, f"{change_file} no longer has {old!r}"
    changed.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tree


@pytest.mark.parametrize("change_file,old,new,problem", [
    ("docker/gateway.Dockerfile", "COPY bot bot\n", "COPY bot bot\nCOPY agents.yml agents.yml\n",
     "An image must not contain an agents file"),
    ("docker/gateway.Dockerfile", "COPY bot bot\n", "COPY bot bot\nCOPY . .\n",
     "An image must not contain an agents file"),
    ("docker-compose.yml", "${XIAOER_AGENTS_FILE:?", "${XIAOER_AGENTS_FILE:-./agents.yml}\"  # ",
     "docker-compose.yml must refuse to start without XIAOER_AGENTS_FILE"),
    ("docker-compose.yml", "read_only: true", "read_only: false",
     "must mount $XIAOER_AGENTS_FILE read-only at /app/agents.yml"),
], ids=["copies-agents.yml", "copies-everything", "agents-file-optional", "mounted-writable"])
def test_the_compose_check_refuses_an_image_with_an_agents_file_or_compose_without_one(
        tmp_path, change_file, old, new, problem):
    checked = check_compose(a_copy(tmp_path, change_file, old, new))
    assert checked.returncode == 1 and problem in checked.stderr, checked.stderr
