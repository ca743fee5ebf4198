"""Staff sessions, kept on the server: sign-in makes a random session id, stored with the
login, the role signed in with and the time, for 12 hours; the cookie carries only the id,
signed and timed (itsdangerous), HttpOnly and SameSite=Strict.

With the Redis store a session is ``{prefix}:staff_session:{id}`` (a hash: login, role,
created, stamp), so every gateway replica on the prefix accepts it; with the memory store it
lives in this process. Signing out deletes it, so a copied cookie stops working at once.
``stamp`` fingerprints the person's password hash at sign-in: a new password (or removing
the person and adding them again) ends their older sessions (checked in bot/staff/guards.py).
When a session ends, its end is announced on its live-event channel (:func:`ended_channel`),
so a console socket it opened, on any gateway, closes at once.

The signing secret is XIAOER_SESSION_SECRET (required with XIAOER_ENV=production, see
bot/config.py); a local demo without it makes one once and keeps it in Redis, so replicas
share it and a restart logs nobody out.

The cookie is ``Secure`` when the request came over https, as Sanic sees it: the socket's
own scheme, or the proxy's X-Forwarded-Proto / Forwarded header only when the app trusts a
proxy (XIAOER_TRUST_PROXY, or Sanic's PROXIES_COUNT, REAL_IP_HEADER, FORWARDED_SECRET).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.config import MIN_SESSION_SECRET
from bot.infra.store import StoreUnavailable

log = logging.getLogger(__name__)

COOKIE = "xiaoer_agent"
MAX_AGE = 12 * 3600  # one working day
SESSION_ENDED = {"type": "session_ended"}


def ended_channel(session_id: str) -> str:
    """The live-event channel (bot/infra/pubsub.py) on which a session's end is announced;
    named by a digest, so the id that the cookie signs never travels in a channel name."""
    return "staff_session_ended:" + hashlib.sha256(session_id.encode()).hexdigest()[:32]


class SessionSigner:
    """Signs a session id for the cookie and checks the signature and age of one."""

    def __init__(self, secret: str, max_age: int = MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="xiaoer.staff-session")
        self.max_age = max_age

    def issue(self, session_id: str) -> str:
        return self._serializer.dumps({"sid": session_id})

    def read(self, token: str | None) -> str | None:
        """The session id in a valid, unexpired token, else None."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        return sid if isinstance(sid, str) and sid else None


@dataclass(frozen=True)
class StaffSession:
    id: str
    login: str
    role: str  # the area signed in to; each request checks the area's role in the directory
    created: int  # Unix seconds
    stamp: str  # the person's password fingerprint at sign-in (bot.staff.people.Agent.stamp)


class RedisSessionStore:
    """Sessions in Redis, shared by every gateway on the same prefix."""

    def __init__(self, redis: Any, prefix: str) -> None:
        import redis as redis_lib

        self._errors = (redis_lib.RedisError, OSError)
        self.redis = redis
        self.prefix = prefix

    def key(self, session_id: str) -> str:
        return f"{self.prefix}:staff_session:{session_id}"

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except self._errors as exc:  # refuse rather than guess who is signed in
            raise StoreUnavailable(f"Redis is not reachable: {exc}") from exc

    async def put(self, session: StaffSession, ttl: int) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key(session.id), mapping={
            "login": session.login, "role": session.role, "created": session.created, "stamp": session.stamp})
        pipe.expire(self.key(session.id), ttl)
        await self._call(pipe.execute())

    async def get(self, session_id: str) -> StaffSession | None:
        data = await self._call(self.redis.hgetall(self.key(session_id)))
        if not data or not data.get("login"):
            return None
        return StaffSession(session_id, data["login"], data.get("role", ""), int(data.get("created") or 0),
                            data.get("stamp", ""))

    async def delete(self, session_id: str) -> None:
        await self._call(self.redis.delete(self.key(session_id)))


class MemorySessionStore:
    """The same in this process, for a gateway on the memory store."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._sessions: dict[str, tuple[StaffSession, float]] = {}  # id: (session, expiry)

    async def put(self, session: StaffSession, ttl: int) -> None:
        now = self.clock()
        if len(self._sessions) > 1000:  # expired sessions must not pile up
            for sid in [s for s, (_, end) in self._sessions.items() if end <= now]:
                del self._sessions[sid]
        self._sessions[session.id] = (session, now + ttl)

    async def get(self, session_id: str) -> StaffSession | None:
        entry = self._sessions.get(session_id)
        if entry is None:
            return None
        if entry[1] <= self.clock():
            del self._sessions[session_id]
            return None
        return entry[0]

    async def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)


class StaffSessions:
    """Sign-in, look-up and sign-out of sessions: the signed cookie and the stored session."""

    def __init__(self, signer: SessionSigner, store: RedisSessionStore | MemorySessionStore,
                 max_age: int = MAX_AGE) -> None:
        self.signer = signer
        self.store = store
        self.max_age = max_age

    async def start(self, login: str, role: str, stamp: str) -> str:
        """A new session; returns the cookie's value."""
        session = StaffSession(secrets.token_urlsafe(32), login, role, int(time.time()), stamp)
        await self.store.put(session, self.max_age)
        return self.signer.issue(session.id)

    async def find(self, cookie: str | None) -> StaffSession | None:
        """The live session a cookie names, else None (no store call for a forged cookie)."""
        session_id = self.signer.read(cookie)
        return await self.store.get(session_id) if session_id else None

    async def get(self, session_id: str) -> StaffSession | None:
        """The session if it is still live (for a socket that outlives its request)."""
        return await self.store.get(session_id)

    async def end(self, session_id: str) -> None:
        await self.store.delete(session_id)


async def session_secret(redis: Any | None, prefix: str, configured: str = "") -> str:
    """The configured secret, else the one shared in Redis, else one for this process."""
    if configured:
        if len(configured) < MIN_SESSION_SECRET:
            log.warning("XIAOER_SESSION_SECRET has fewer than %d characters; production refuses it",
                        MIN_SESSION_SECRET)
        return configured
    fresh = secrets.token_urlsafe(32)
    if redis is None:
        return fresh
    key = f"{prefix}:agent-session-secret"
    try:
        await redis.set(key, fresh, nx=True)
        return await redis.get(key) or fresh
    except Exception as exc:  # start anyway; only this gateway's sessions are affected
        log.warning("Redis did not answer (%s): console sessions are signed with a secret of this "
                    "gateway only; set XIAOER_SESSION_SECRET to share one", exc)
        return fresh


def cookie_options(secure: bool, max_age: int = MAX_AGE) -> dict[str, Any]:
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/", "max_age": max_age}


def is_https(request: Any) -> bool:
    """The request came over https: Sanic's scheme, which follows a proxy's headers only when
    the app trusts a proxy. A trusted proxy that sends X-Forwarded-Proto without
    X-Forwarded-For (which Sanic needs to read the others) is believed too."""
    if request.scheme in ("https", "wss"):
        return True
    config = request.app.config
    trusted = config.get("PROXIES_COUNT") or config.get("REAL_IP_HEADER") or config.get("FORWARDED_SECRET")
    proto = request.headers.get("x-forwarded-proto", "") if trusted else ""
    return proto.split(",")[0].strip().lower() in ("https", "wss")


async def sign_in(request: Any, response: Any, login: str, role: str, stamp: str) -> Any:
    """Start a session for login and give the response its cookie."""
    cookie = await request.app.ctx.sessions.start(login, role, stamp)
    response.add_cookie(COOKIE, cookie, **cookie_options(is_https(request)))
    return response


def sign_out(response: Any) -> Any:
    response.delete_cookie(COOKIE, path="/")
    return response
