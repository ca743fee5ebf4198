"""Gateway settings, read from the environment once at start."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_SESSION_SECRET = 32
ENVIRONMENTS = ("development", "production")
RATE_LIMITS = ("rate_per_conversation", "rate_per_address", "new_conversations_per_address")
# A site that may frame the buyer's chat (/chat, in the embed's panel), as CSP frame-ancestors
# writes it: scheme and host, optionally a port or a "*." in front of the host; no path.
EMBED_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")


class ConfigError(ValueError):
    """A setting cannot be used; the message names the variable and what it needs."""


@dataclass(frozen=True)
class Settings:
    port: int = 8000
    host: str = "127.0.0.1"
    rasa_url: str = "http://127.0.0.1:5005"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # "redis", "memory", or "auto" (Redis when reachable, else memory, and say so)
    store: str = "auto"
    key_prefix: str = "xiaoer"
    scripts_dir: Path = ROOT / "scripts_zh"
    web_dir: Path = ROOT / "bot" / "web"
    shop_dir: Path = ROOT / "shop"
    max_text_chars: int = 2000
    rasa_timeout: float = 30.0
    # with store "auto": how long a starting gateway waits for Redis before it falls back to
    # memory (a Redis slower to boot than the gateway must not leave it on memory for good)
    redis_wait_s: float = 10.0
    # shared secret the shop platform signs order webhooks with (HMAC-SHA256 of the body)
    webhook_secret: str = field(default="", repr=False)
    # shared by the gateway and Rasa only: Rasa's calls to /nlg and the gateway's calls to
    # Rasa's HTTP API (--auth-token) carry it; nothing else may make either call
    internal_token: str = field(default="", repr=False)
    # staff sign-in: failures allowed per login and per client address in one window (seconds),
    # then 429 until the window ends; and argon2 checks (64 MiB each) at once per process
    login_max_per_login: int = 5
    login_max_per_address: int = 20
    login_window_s: int = 900
    login_hash_concurrency: int = 2
    # "production" (XIAOER_ENV) needs the session secret from the environment; anything else
    # (the local demo, tests) makes one and keeps it in Redis
    environment: str = "development"
    # signs the staff session cookies; at least 32 characters in production
    session_secret: str = field(default="", repr=False)
    # proxies in front of the gateway whose X-Forwarded-For/-Proto are believed (0: none)
    trust_proxy: int = 0
    # the buyer API's limits, each per minute, 0 for none (bot/chat/limits.py says why these):
    # messages per conversation; calls per client address (messages, history reads, new ids);
    # conversations started per client address
    rate_per_conversation: int = 20
    rate_per_address: int = 300
    new_conversations_per_address: int = 30
    # the shops' sites that may show the chat in a frame (the embed's panel), besides our own
    embed_origins: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def __post_init__(self) -> None:
        # 0 would refuse every sign-in (or make every sign-in wait forever): say so at start
        for name in ("login_max_per_login", "login_max_per_address", "login_window_s", "login_hash_concurrency"):
            if getattr(self, name) < 1:
                raise ConfigError(f"XIAOER_{name.upper()} must be at least 1, not {getattr(self, name)}")
        if self.environment not in ENVIRONMENTS:  # a typo must not quietly mean "not production"
            raise ConfigError(f"XIAOER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.environment!r}")
        for name in RATE_LIMITS:
            if getattr(self, name) < 0:
                raise ConfigError(f"XIAOER_{name.upper()} must be a whole number per minute (0: no limit), not {getattr(self, name)}")
        if self.trust_proxy < 0:
            raise ConfigError(f"XIAOER_TRUST_PROXY must be the number of proxies in front (0, 1, ...), not {self.trust_proxy}")
        if self.production and len(self.session_secret) < MIN_SESSION_SECRET:
            problem = "is not set" if not self.session_secret else f"has only {len(self.session_secret)} characters"
            raise ConfigError(
                f"XIAOER_ENV=production needs XIAOER_SESSION_SECRET, at least {MIN_SESSION_SECRET} random "
                f"characters, to sign staff sessions; it {problem}. Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            port=int(env.get("PORT", defaults.port)),
            host=env.get("HOST", defaults.host),
            rasa_url=env.get("RASA_URL", defaults.rasa_url).rstrip("/"),
            redis_url=env.get("REDIS_URL", defaults.redis_url),
            store=env.get("XIAOER_STORE", defaults.store),
            key_prefix=env.get("XIAOER_KEY_PREFIX", defaults.key_prefix),
            scripts_dir=Path(env.get("XIAOER_SCRIPTS_DIR", defaults.scripts_dir)),
            shop_dir=Path(env.get("XIAOER_SHOP_DIR", defaults.shop_dir)),
            max_text_chars=int(env.get("XIAOER_MAX_TEXT_CHARS", defaults.max_text_chars)),
            rasa_timeout=float(env.get("XIAOER_RASA_TIMEOUT", defaults.rasa_timeout)),
            redis_wait_s=float(env.get("XIAOER_REDIS_WAIT_S", defaults.redis_wait_s)),
            webhook_secret=env.get("XIAOER_WEBHOOK_SECRET", ""),
            internal_token=env.get("XIAOER_INTERNAL_TOKEN", ""),
            login_max_per_login=int(env.get("XIAOER_LOGIN_MAX_PER_LOGIN", defaults.login_max_per_login)),
            login_max_per_address=int(env.get("XIAOER_LOGIN_MAX_PER_ADDRESS", defaults.login_max_per_address)),
            login_window_s=int(env.get("XIAOER_LOGIN_WINDOW_S", defaults.login_window_s)),
            login_hash_concurrency=int(env.get("XIAOER_LOGIN_HASH_CONCURRENCY", defaults.login_hash_concurrency)),
            environment=env.get("XIAOER_ENV", defaults.environment).strip().lower() or defaults.environment,
            session_secret=env.get("XIAOER_SESSION_SECRET", ""),
            trust_proxy=_count(env, "XIAOER_TRUST_PROXY"),
            **{name: _per_minute(env, name, getattr(defaults, name)) for name in RATE_LIMITS},
            embed_origins=embed_origins(env.get("XIAOER_EMBED_ORIGINS", "")),
        )


def _count(env: dict[str, str], name: str) -> int:
    value = env.get(name, "").strip()
    try:
        return int(value or 0)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (the proxies in front; 0 for none), not {value!r}") from None


def _per_minute(env: dict[str, str], name: str, default: int) -> int:
    """A rate limit from XIAOER_<NAME>: a whole number per minute, 0 for none."""
    variable = f"XIAOER_{name.upper()}"
    value = env.get(variable, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ConfigError(f"{variable} must be a whole number per minute (0: no limit), not {value!r}") from None


def embed_origins(value: str) -> tuple[str, ...]:
    """XIAOER_EMBED_ORIGINS: the sites (``https://shop.example.com``, spaces or commas between)
    whose pages may frame the chat. Each goes into a CSP header as it is, so anything that is
    not an origin (a path, a quote, a bare ``*``) stops the start rather than open the frame."""
    origins = tuple(part.rstrip("/") for part in re.split(r"[\s,]+", value.strip()) if part)
    for origin in origins:
        if not EMBED_ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"XIAOER_EMBED_ORIGINS takes sites like https://shop.example.com (scheme and host, "
                f"optionally :port or *.host), not {origin!r}")
    return origins
