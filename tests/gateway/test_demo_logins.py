"""The demo logins (agents.demo.yml, their passwords published in README.md) work only in the
local demo: a production gateway refuses to start with any account that has one of those
passwords, or without an agents file of its own; a re-read file that brings one keeps that
account out. No image carries an agents file, and docker compose needs the operator's.
Real argon2, real gateways on real ports (tests/gateway/test_staff_sessions.py's harness)."""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import subprocess

import pytest
import yaml

from bot.app import create_app
from bot.config import ROOT, Settings
from bot.staff.demo import DEMO_FILE, DEMO_PASSWORDS, demo_login_of
from bot.staff.people import AgentConfigError, add_agent, hash_password
from tests.gateway.test_staff_sessions import (
    SECRET,
    StaffGateway,
    me,
    start_in_production,
)

PRODUCTION = Settings(environment="production", session_secret=SECRET, store="memory")
OWN_PASSWORD = "xiaomei-own-password"


def demo_entries() -> list[dict]:
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["agents"]


@functools.cache
def own_entry() -> dict:
    """A proper account, hashed once (argon2 is slow on purpose)."""
    return {"login": "xiaomei", "name": "小美", "password_hash": hash_password(OWN_PASSWORD)}


def agents_file(path, *entries) -> None:
    """An agents file written by hand (add_agent refuses demo passwords): a proper account first."""
    path.write_text(yaml.safe_dump({"agents": [own_entry(), *entries]}, allow_unicode=True), encoding="utf-8")


def production_start(monkeypatch, path):
    monkeypatch.setenv("XIAOER_AGENTS_FILE", str(path))
    return create_app(PRODUCTION, name=f"demo_{abs(hash(str(path)))}")


@pytest.mark.parametrize("entry", demo_entries(), ids=lambda entry: entry["login"])
def test_a_production_start_refuses_each_demo_login(monkeypatch, tmp_path, entry):
    """The demo file's own account, copied into an operator's file."""
    path = tmp_path / "agents.yml"
    agents_file(path, entry)
    with pytest.raises(AgentConfigError, match=rf"{entry['login']} has a demo password published in README.md"):
        production_start(monkeypatch, path)


def test_a_production_start_refuses_a_demo_password_under_any_login(monkeypatch, tmp_path):
    path = tmp_path / "agents.yml"
    agents_file(path, {"login": "xiaoli", "name": "小丽", "password_hash": hash_password("xiaoer-trainer")})
    with pytest.raises(AgentConfigError, match=r"xiaoli has a demo password"):
        production_start(monkeypatch, path)


def test_a_production_start_refuses_an_empty_agents_file(monkeypatch, tmp_path):
    path = tmp_path / "agents.yml"
    path.write_text("agents: []\n", encoding="utf-8")
    with pytest.raises(AgentConfigError, match="XIAOER_ENV=production needs this staff accounts file .* it is empty"):
        production_start(monkeypatch, path)


@pytest.mark.parametrize("agents,problem", [
    ("missing.yml", "XIAOER_ENV=production needs this staff accounts file (XIAOER_AGENTS_FILE) with someone in it, "
                    "and it is missing. Create it with: python -m bot.staff.people add"),
    (str(DEMO_FILE), "demo, ajie, trainer, manager have a demo password published in README.md, which XIAOER_ENV=production "
                     "refuses"),
], ids=["missing", "the-demo-file"])
def test_python_m_bot_in_production_stops_with_the_reason(tmp_path, agents, problem):
    """What an operator sees: the reason on one line, no traceback, a failed exit."""
    started = start_in_production({"XIAOER_SESSION_SECRET": SECRET, "XIAOER_AGENTS_FILE": str(tmp_path / agents)})
    assert started.returncode == 1
    lines = started.stderr.strip().splitlines()
    assert lines[-2] == "The staff accounts file has a problem; fix it and start again:"
    assert problem in lines[-1] and "Traceback" not in started.stderr


def test_a_production_gateway_takes_its_own_people_and_keeps_a_demo_password_out_on_reload(
        monkeypatch, tmp_path, redis_prefix, caplog):
    path = tmp_path / "agents.yml"
    agents_file(path)
    monkeypatch.setenv("XIAOER_AGENTS_FILE", str(path))

    async def scenario():
        gateway = await StaffGateway(redis_prefix, None, environment="production", session_secret=SECRET).start()
        try:
            xiaomei, signed = await gateway.sign_in("xiaomei", OWN_PASSWORD)
            cookie = xiaomei.cookies["xiaoer_agent"]
            await xiaomei.aclose()
            # someone edits the file by hand: ajie joins with the demo's password (hashed anew)
            checked_before = demo_login_of.cache_info().misses
            agents_file(path, {"login": "ajie", "name": "阿杰", "password_hash": hash_password("xiaoer-demo2")})
            with caplog.at_level(logging.ERROR, logger="bot.staff.people"):
                ajie = (await gateway.sign_in("ajie", "xiaoer-demo2"))[1].status_code
            checked = demo_login_of.cache_info().misses - checked_before
            return signed.status_code, ajie, await me(gateway, cookie), checked
        finally:
            await gateway.stop()

    signed, ajie, xiaomei_after, checked = asyncio.run(scenario())
    assert signed == 200, "a proper file starts, and its people sign in"
    assert ajie == 401, "the demo password opens nothing in production"
    assert xiaomei_after == 200, "everyone else keeps their session"
    assert checked == 1, "only the new hash was checked (argon2 work), not xiaomei's again"
    assert f"{path}: ajie has a demo password published in README.md" in caplog.text


def test_the_operator_cannot_give_anyone_a_demo_password(tmp_path):
    path = tmp_path / "agents.yml"
    for password in DEMO_PASSWORDS.values():
        with pytest.raises(AgentConfigError, match="demo password"):
            add_agent(path, "xiaomei", "小美", password)
    assert not path.exists(), "nothing was written"


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
