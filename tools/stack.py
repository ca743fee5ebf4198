"""Start the whole bot (Rasa + action server + gateway) as real processes, for the tests
and the benchmark, with the command lines of the Procfile (the one place they are written;
`make run` starts the same file under honcho, docker-compose mirrors it).

Its staff are accounts of its own, in an agents file in its workdir with fresh random
passwords (:meth:`LiveBot.staff_login`): no test depends on the demo logins.

The bot runs at a shop-local time the caller chooses (the app's one clock, xiaoer/clock.py),
so a test run at 03:00 behaves like one at 14:00. Ports come from below the kernel's
ephemeral range, so another program's outgoing connection cannot take one between the check
and the start; a port taken anyway (a server someone started) means a restart on new ports.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bot.staff.people import add_agent
from tools.conversation_tokens import TokenJar
from tools.retention_seconds import retention_seconds
from xiaoer.clock import OFFSET_ENV, offset_to, today_at

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "Procfile"
MODEL = ROOT / "models" / "xiaoer.tar.gz"
WEBHOOK_SECRET = "e2e-webhook-secret"
SHOP_TZ = ZoneInfo("Asia/Shanghai")  # shop/shop.yml
DAYTIME = dt.time(14, 0)  # inside agent hours, outside quiet hours
START_ATTEMPTS = 3
PORT_TAKEN = ("address already in use", "errno 98")
# The stack's staff: login (its one role) -> the name buyers see
STAFF = {"agent": "小美", "trainer": "训练师", "manager": "店长"}


class PortTaken(RuntimeError):
    def __init__(self, process: str, port: int) -> None:
        super().__init__(f"{process} could not listen on 127.0.0.1:{port}: the address is in use")
        self.process, self.port = process, port


def procfile_commands(env: dict[str, str], path: Path = PROCFILE) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each process of the Procfile: its argv with ``$VARS`` filled from env, and the
    variables its line sets for itself (``PORT=$GATEWAY_PORT ...``)."""
    commands = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        words = [re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), w) for w in shlex.split(command)]
        own = {}
        while words and re.fullmatch(r"\w+=.*", words[0]):
            key, _, value = words.pop(0).partition("=")
            own[key] = value
        commands[name.strip()] = (words, own)
    return commands


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free right now, below the ephemeral range (the kernel never gives those to
    outgoing connections), so nothing but another server can take it before we bind it."""
    high = ephemeral_range()[0] - 1
    for _ in range(100):
        port = random.randint(max(1024, high - 12000), high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def with_model(argv: list[str], model: Path) -> list[str]:
    """Rasa's command line serving ``model`` instead of the Procfile's."""
    argv = list(argv)
    for flag in ("-m", "--model"):
        if flag in argv:
            argv[argv.index(flag) + 1] = str(model)
    return argv


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
    # the buyers' conversation tokens, as their widgets keep them (say, history, buyer_client)
    tokens: TokenJar = field(default_factory=TokenJar)
    shop_time: dt.time = DAYTIME
    clock_offset: float = 0.0
    # settings for the processes started next (a test points one at a dead service)
    env_overrides: dict[str, str] = field(default_factory=dict)
    # Rasa's API token and the gateway's /nlg token for this stack (tests call Rasa with it)
    internal_token: str = field(default_factory=lambda: uuid.uuid4().hex)
    # each staff login's password for this stack only (written to agents_file at the start)
    staff_passwords: dict[str, str] = field(default_factory=lambda: {login: secrets.token_urlsafe(16) for login in STAFF})
    # the model Rasa serves (the benchmark serves one trained for a bigger catalogue)
    model: Path = MODEL

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def scripts_dir(self) -> Path:
        return self.workdir / "scripts_zh"

    @property
    def shop_dir(self) -> Path:
        return self.workdir / "shop"

    @property
    def agents_file(self) -> Path:
        return self.workdir / "agents.yml"

    def staff_login(self, role: str = "agent") -> tuple[str, str]:
        """(login, password) of this stack's person with the role ("agent", "trainer" or "manager")."""
        return role, self.staff_passwords[role]

    def write_agents_file(self) -> None:
        for login, name in STAFF.items():
            add_agent(self.agents_file, login, name, self.staff_passwords[login], [login])

    def env(self) -> dict[str, str]:
        host, port, db = redis_parts(self.redis_url)
        return {
            **os.environ,
            "PORT": str(self.ports["gateway"]),
            "GATEWAY_PORT": str(self.ports["gateway"]),
            "RASA_PORT": str(self.ports["rasa"]),
            "ACTIONS_PORT": str(self.ports["actions"]),
            "RASA_ENDPOINTS": "endpoints.yml",
            "RASA_URL": f"http://127.0.0.1:{self.ports['rasa']}",
            "REDIS_URL": self.redis_url,
            "REDIS_HOST": host, "REDIS_PORT": port, "REDIS_DB": db,
            "XIAOER_STORE": "redis",
            "XIAOER_KEY_PREFIX": self.prefix,
            "XIAOER_SCRIPTS_DIR": str(self.scripts_dir),
            "XIAOER_SHOP_DIR": str(self.shop_dir),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
            "NLG_URL": f"http://127.0.0.1:{self.ports['gateway']}/nlg",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "XIAOER_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "XIAOER_INTERNAL_TOKEN": self.internal_token,
            "XIAOER_AGENTS_FILE": str(self.agents_file),
            # Rasa's record_exp (endpoints.yml): the retention of the shop this stack runs
            "XIAOER_TRACKER_TTL_S": str(retention_seconds(self.shop_dir if self.shop_dir.exists() else ROOT / "shop")),
            OFFSET_ENV: f"{self.clock_offset:.3f}",
            # Every test's buyer comes from 127.0.0.1, like a town behind one carrier address:
            # tests/e2e makes up to ~140 calls and starts ~80 conversations a minute (measured;
            # the shop's defaults: 300 and 30 per address), so the per-address limits are set
            # well above that, for a faster machine. The per-conversation limit stays the
            # shop's: no test's buyer sends more than 7 messages in a minute.
            "XIAOER_RATE_PER_ADDRESS": "3000",
            "XIAOER_NEW_CONVERSATIONS_PER_ADDRESS": "1000",
            **self.env_overrides,
        }

    def start(self, names=("actions", "gateway", "rasa")) -> None:
        if not self.scripts_dir.exists():  # tests edit their own copy of the corpus and the shop
            shutil.copytree(ROOT / "scripts_zh", self.scripts_dir)
        if not self.shop_dir.exists():
            shutil.copytree(ROOT / "shop", self.shop_dir)
        if not self.agents_file.exists():
            self.write_agents_file()
        self.clock_offset = offset_to(today_at(self.shop_time, SHOP_TZ))
        env = self.env()
        commands = procfile_commands(env)
        for name in names:
            argv, own = commands[name]
            if name == "rasa":
                argv = with_model(argv, self.model)
            log = open(self.workdir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                argv, cwd=ROOT, env={**env, **own}, stdout=log, stderr=subprocess.STDOUT
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

    def kill(self, names) -> None:
        """Kill the processes at once (SIGKILL), as a crash would: no shutdown, no cleanup."""
        for name in names:
            process = self.processes.pop(name, None)
            if process and process.poll() is None:
                process.kill()
                process.wait(timeout=20)

    def restart(self, names, **settings: str | None) -> None:
        """Stop the processes and start them again, ready, with these settings changed (a
        value of None puts a setting back as it was)."""
        self.stop(names)
        for key, value in settings.items():
            if value is None:
                self.env_overrides.pop(key, None)
            else:
                self.env_overrides[key] = value
        self.start(names)
        self.wait_ready()

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

    def rasa(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A call to this stack's Rasa HTTP API, with its token."""
        return httpx.request(method, f"http://127.0.0.1:{self.ports['rasa']}{path}",
                             params={"token": self.internal_token}, timeout=30, **kwargs)

    def say(self, conversation_id: str, text: str, context: dict[str, str] | None = None) -> dict:
        """A buyer's message through the buyer API; ``context`` as the widget sends it
        ({"item": ...}: the page the chat was opened on)."""
        body = {"text": text, **({"context": context} if context else {})}
        with self.buyer_client() as http:  # the conversation's token: kept from its first answer, sent back
            response = http.post(f"/api/conversations/{conversation_id}/messages", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def history(self, conversation_id: str) -> httpx.Response:
        """GET /api/conversations/{id} with the conversation's token, as its buyer reads it."""
        with self.buyer_client() as http:
            return http.get(f"/api/conversations/{conversation_id}", timeout=30)

    def new_conversation(self) -> str:
        """A fresh conversation id from POST /api/conversations, as the widget gets one; its
        token is kept."""
        with self.buyer_client() as http:
            response = http.post("/api/conversations", timeout=30)
        response.raise_for_status()
        return self.tokens.new_conversation(response.json())

    def buyer_client(self, **kwargs) -> httpx.Client:
        """An httpx client of the buyer API that keeps and sends back each conversation's token
        (tools/conversation_tokens.py), shared with say and history."""
        return httpx.Client(base_url=self.url, event_hooks=self.tokens.hooks(), **kwargs)


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
