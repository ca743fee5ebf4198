"""Start the whole bot (Rasa + action server + gateway) as real processes for a test run.

The bot runs at a shop-local time the test chooses (the app's one clock, xiaoer/clock.py),
so a run at 03:00 behaves like one at 14:00. Ports come from below the kernel's ephemeral
range, so another program's outgoing connection cannot take one between the check and the
start (tests/ports.py); a port taken anyway (a server someone started) means a restart on
new ports.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.ports import free_port
from xiaoer.clock import OFFSET_ENV, offset_to, today_at

ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "xiaoer.tar.gz"
WEBHOOK_SECRET = "e2e-webhook-secret"
SHOP_TZ = ZoneInfo("Asia/Shanghai")  # shop/shop.yml
DAYTIME = dt.time(14, 0)  # inside agent hours, outside quiet hours
START_ATTEMPTS = 3
PORT_TAKEN = ("address already in use", "errno 98")


class PortTaken(RuntimeError):
    def __init__(self, process: str, port: int) -> None:
        super().__init__(f"{process} could not listen on 127.0.0.1:{port}: the address is in use")
        self.process, self.port = process, port


def redis_parts(url: str) -> tuple[str, str, str]:
    rest = url.split("://", 1)[1].split("@")[-1]
    hostport, _, db = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, port or "6379", db or "0"


@dataclass
class LiveBot:
    workdir: Path
    redis_url: str
    prefix: str = field(default_factory=lambda: f"xiaoere2e{uuid.uuid4().hex[:8]}")
    ports: dict[str, int] = field(default_factory=lambda: {n: free_port() for n in ("gateway", "rasa", "actions")})
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    shop_time: dt.time = DAYTIME
    clock_offset: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def scripts_dir(self) -> Path:
        return self.workdir / "scripts_zh"

    def env(self) -> dict[str, str]:
        host, port, db = redis_parts(self.redis_url)
        return {
            **os.environ,
            "PORT": str(self.ports["gateway"]),
            "RASA_URL": f"http://127.0.0.1:{self.ports['rasa']}",
            "REDIS_URL": self.redis_url,
            "REDIS_HOST": host, "REDIS_PORT": port, "REDIS_DB": db,
            "XIAOER_STORE": "redis",
            "XIAOER_KEY_PREFIX": self.prefix,
            "XIAOER_SCRIPTS_DIR": str(self.scripts_dir),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
            "NLG_URL": f"http://127.0.0.1:{self.ports['gateway']}/nlg",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "XIAOER_WEBHOOK_SECRET": WEBHOOK_SECRET,
            OFFSET_ENV: f"{self.clock_offset:.3f}",
        }

    def commands(self) -> dict[str, list[str]]:
        return {
            "actions": [str(RASA_BIN), "run", "actions", "-p", str(self.ports["actions"]), "--actions", "actions"],
            "gateway": [sys.executable, "-m", "bot"],
            "rasa": [
                str(RASA_BIN), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(self.ports["rasa"]),
                "-m", str(MODEL), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            ],
        }

    def start(self, names=("actions", "gateway", "rasa")) -> None:
        if not self.scripts_dir.exists():  # tests edit their own copy of the corpus
            shutil.copytree(ROOT / "scripts_zh", self.scripts_dir)
        self.clock_offset = offset_to(today_at(self.shop_time, SHOP_TZ))
        commands, env = self.commands(), self.env()
        for name in names:
            log = open(self.workdir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                commands[name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 180) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    tail = self.log_tail(name)
                    if any(sign in tail.lower() for sign in PORT_TAKEN):
                        raise PortTaken(name, self.ports[name])
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
            try:
                health = httpx.get(f"{self.url}/health", timeout=2).json()
                actions = httpx.get(f"http://127.0.0.1:{self.ports['actions']}/health", timeout=2)
                if health.get("rasa_ok") and actions.status_code == 200:
                    return time.monotonic() - started
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError("the bot did not become ready:\n" + "\n".join(self.log_tail(n) for n in self.processes))

    def stop(self, names=None) -> None:
        for name in list(names or self.processes):
            process = self.processes.pop(name, None)
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    def forget(self) -> None:
        """Delete every Redis key this run wrote (trackers, conversations, cases)."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        keys = list(client.scan_iter(f"{self.prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"--- {name} ---\n" + "\n".join(text.splitlines()[-lines:])

    def say(self, conversation_id: str, text: str) -> dict:
        response = httpx.post(f"{self.url}/api/conversations/{conversation_id}/messages", json={"text": text}, timeout=60)
        response.raise_for_status()
        return response.json()


@contextmanager
def running_bot(workdir: Path, redis_url: str, shop_time: dt.time = DAYTIME):
    """The whole bot, ready, at ``shop_time`` today in the shop, for the length of a
    with-block; its Redis keys removed after."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run the tests through `make test`, which trains it")
    bot = LiveBot(workdir, redis_url, shop_time=shop_time)
    try:
        start_on_free_ports(bot)
        yield bot
    finally:
        bot.stop()
        bot.forget()


def start_on_free_ports(bot: LiveBot) -> None:
    for attempt in range(1, START_ATTEMPTS + 1):
        bot.start()
        try:
            bot.wait_ready()
            return
        except PortTaken as taken:
            bot.stop()
            if attempt == START_ATTEMPTS:
                raise RuntimeError(f"{taken} ({START_ATTEMPTS} tries on fresh ports)") from taken
            bot.ports = {name: free_port() for name in bot.ports}
