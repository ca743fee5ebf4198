"""Agent sessions: a signed, timed cookie (itsdangerous), HttpOnly and SameSite=Strict.

The signing secret is XIAOER_SESSION_SECRET when set; otherwise one is made once and kept
in Redis, so every gateway replica accepts the same sessions and a restart logs nobody out.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

log = logging.getLogger(__name__)

COOKIE = "xiaoer_agent"
MAX_AGE = 12 * 3600  # one working day


class SessionSigner:
    def __init__(self, secret: str, max_age: int = MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="xiaoer.agent-session")
        self.max_age = max_age

    def issue(self, login: str) -> str:
        return self._serializer.dumps({"login": login})

    def read(self, token: str | None) -> str | None:
        """The login in a valid, unexpired token, else None."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        return data.get("login") if isinstance(data, dict) else None


async def session_secret(redis: Any | None, prefix: str) -> str:
    """The configured secret, else the one shared in Redis, else one for this process."""
    configured = os.environ.get("XIAOER_SESSION_SECRET")
    if configured:
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


def session_login(request: Any) -> str | None:
    """The login a request's signed session cookie names, if it is valid."""
    return request.app.ctx.sessions.read(request.cookies.get(COOKIE))


def sign_in(request: Any, response: Any, login: str) -> Any:
    """Give the response a fresh signed session cookie for login."""
    secure = request.scheme in ("https", "wss")
    response.add_cookie(COOKIE, request.app.ctx.sessions.issue(login), **cookie_options(secure))
    return response


def sign_out(response: Any) -> Any:
    response.delete_cookie(COOKIE, path="/")
    return response
