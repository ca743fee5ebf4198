"""Who may use a staff area (the agent console, the trainer workbench): a person signed in
with the area's role, asking from our own pages.

:meth:`StaffArea.blueprint` gives an area its page, sign-in, sign-out and "me" routes and
checks every API request (:meth:`StaffArea.check`); the area adds its own routes to it.
The sessions themselves (kept on the server, the cookie names one) are bot/staff/sessions.py.

Every request with a session looks the person up in the agents file as it is now
(:meth:`bot.staff.people.AgentDirectory.refresh`): a session whose person was removed, or
whose password changed since, is deleted and the request treated as not signed in. A socket
outlives its request, so it asks again (:meth:`StaffArea.still_signed_in`); and every end of
a session is announced to its sockets on all gateways (:func:`end_session`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file
from sanic.response import json as json_response

from bot.infra.requests import BadRequest, error, read_staff_json
from bot.staff.people import Agent, AgentDirectory
from bot.staff.sessions import (
    COOKIE,
    SESSION_ENDED,
    StaffSession,
    ended_channel,
    sign_in,
    sign_out,
)
from bot.staff.throttle import login_throttle

log = logging.getLogger(__name__)

WRONG_PASSWORD = "账号或密码不对，请再试一次"


def same_origin(request: Request) -> bool:
    """No Origin (not a browser's cross-site request) or our own host."""
    origin = request.headers.get("origin")
    return not origin or urlsplit(origin).netloc == request.host


def people(app: Any) -> AgentDirectory:
    """Everyone who may sign in, as the agents file says now."""
    directory = app.ctx.people
    directory.refresh()
    return directory


async def end_session(app: Any, session_id: str) -> None:
    """End a session on the server and tell the sockets it opened, on every gateway."""
    await app.ctx.sessions.end(session_id)
    await app.ctx.hub.publish(ended_channel(session_id), SESSION_ENDED)


async def session_person(app: Any, session: StaffSession) -> Agent | None:
    """The person a live session names, if they are still in the agents file with the
    password they signed in with; otherwise the session is ended."""
    person = people(app).get(session.login)
    if person is None or person.stamp != session.stamp:
        log.info("ended a session of %r: no longer in the agents file, or a new password", session.login)
        await end_session(app, session.id)
        return None
    return person


async def signed_in(request: Request) -> Agent | None:
    """Whoever the request's session names, whatever their role: the session must be live and
    its person still in the agents file with the password they signed in with."""
    if hasattr(request.ctx, "signed_in"):  # looked up once per request
        return request.ctx.signed_in
    person, sessions = None, getattr(request.app.ctx, "sessions", None)
    session = await sessions.find(request.cookies.get(COOKIE)) if sessions else None
    if session is not None:
        person = await session_person(request.app, session)
        if person is not None:
            request.ctx.staff_session = session
    request.ctx.signed_in = person
    return person


async def staff_member(request: Request, roles: tuple[str, ...] = ("agent", "trainer")) -> Agent | None:
    """The signed-in person when they have one of ``roles`` (for routes outside an area)."""
    person = await signed_in(request)
    return person if person and any(person.has_role(role) for role in roles) else None


@dataclass(frozen=True)
class StaffArea:
    role: str  # "agent" or "trainer"
    title: str  # the area as its users call it: 客服工作台, 训练工作台
    page: str  # "/agent": the page, which holds no data (401 and the sign-in form without a session)
    html: str  # the page's file in the web folder
    api_prefixes: tuple[str, ...]  # "/agent/api/", and the area's socket
    # A signed-in person without the role: told so (403), or treated as not signed in (401).
    tell_missing_role: bool = True

    @property
    def api(self) -> str:
        return self.page + "/api"

    @property
    def login_path(self) -> str:
        return self.api + "/login"

    def blueprint(self, name: str, me: Callable[[Agent], dict[str, Any]]) -> Blueprint:
        """The area's common routes; ``me`` is what the page learns about the person signed in."""
        bp = Blueprint(name)

        @bp.on_request
        async def check_session(request: Request) -> HTTPResponse | None:
            return await self.check(request)

        @bp.get(self.page)
        async def page(request: Request) -> HTTPResponse:
            status = 200 if await self.person(request) else 401
            html = request.app.ctx.settings.web_dir / self.html
            return await file(html, status=status, mime_type="text/html; charset=utf-8")

        @bp.post(self.login_path)
        async def login(request: Request) -> HTTPResponse:
            return await self.sign_in(request, me)

        @bp.post(self.api + "/logout")
        async def logout(request: Request) -> HTTPResponse:
            # the session ends on the server too: a copy of the cookie stops working at once,
            # and a socket it opened closes
            await end_session(request.app, request.ctx.staff_session.id)
            return sign_out(json_response({"ok": True}))

        @bp.get(self.api + "/me")
        async def who(request: Request) -> HTTPResponse:
            return json_response(me(request.ctx.person))

        return bp

    async def person(self, request: Request) -> Agent | None:
        """The signed-in person, if they have this area's role."""
        return await staff_member(request, (self.role,))

    async def check(self, request: Request) -> HTTPResponse | None:
        """None when the request may go on (``request.ctx.person`` is set), else the refusal."""
        path = request.path.rstrip("/") or "/"
        if not path.startswith(self.api_prefixes) or path == self.login_path:
            return None
        if not same_origin(request):
            return error(403, f"请从{self.title}页面操作")
        person = await signed_in(request)
        if person is None or not (person.has_role(self.role) or self.tell_missing_role):
            return error(401, f"请先登录{self.title}")
        if not person.has_role(self.role):
            return error(403, self.missing_role)
        request.ctx.person = person
        return None

    async def still_signed_in(self, app: Any, session: StaffSession) -> Agent | None:
        """For a socket, which outlives the request that opened it: the person, if their session
        is still live and they are still in the agents file, with this area's role."""
        if await app.ctx.sessions.get(session.id) is None:
            return None
        person = await session_person(app, session)
        return person if person is not None and person.has_role(self.role) else None

    @property
    def missing_role(self) -> str:
        return f"您的账号没有使用{self.title}的权限"

    async def sign_in(self, request: Request, body: Callable[[Agent], dict[str, Any]]) -> HTTPResponse:
        if not same_origin(request):
            return error(403, f"请从{self.title}页面登录")
        payload = read_staff_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("请填写账号和密码")
        name, password = payload.get("login"), payload.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > 1024:
            return error(401, WRONG_PASSWORD)
        name = name.strip()
        # the socket's peer, unless Sanic is told to trust a proxy (SANIC_PROXIES_COUNT and the like)
        address = request.client_ip
        # failures counted per login and address; over a limit, no password check at all
        refused, person = await login_throttle(request.app).check(
            name, address, functools.partial(people(request.app).verify, name, password))
        if refused is not None:
            log.info("refused %s sign-in for %r from %s: too many failures", self.role, name[:32], address)
            response = error(429, refused.reason)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        if person is None:  # counted by the throttle
            log.warning("failed %s sign-in for %r from %s", self.role, name[:32], address)
            return error(401, WRONG_PASSWORD)
        if not person.has_role(self.role):
            if self.tell_missing_role:
                return error(403, self.missing_role)
            return error(401, WRONG_PASSWORD)
        return await sign_in(request, json_response(body(person)), person.login, self.role, person.stamp)
