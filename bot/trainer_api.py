"""The trainer workbench: the page at /trainer and its JSON API under /trainer/api.

Same sign-in and signed session cookie as the agent console (bot.sessions). Every API
route but the sign-in needs a session (401 without one) of a person with the trainer role
(403 otherwise) and, when the browser names an Origin, our own (403 for another).
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, json as json_response

from bot.agent_api import body_json, error, same_origin
from bot.agents import Agent
from bot.conversation import BadRequest
from bot.review import INTENTS, TrainingError, add_training_example, training_status
from bot.script_editor import EditError, list_scripts, read_script, save_script
from bot.sessions import session_login, sign_in, sign_out

log = logging.getLogger(__name__)

API = "/trainer/api/"
LOGIN = "/trainer/api/login"
ROLE = "trainer"
NO_SESSION = "请先登录训练工作台"
NOT_A_TRAINER = "您的账号没有训练师权限"
WRONG_PASSWORD = "账号或密码不对，请再试一次"


def session_person(request: Request) -> Agent | None:
    login = session_login(request)
    return request.app.ctx.people.get(login) if login else None


def create_blueprint() -> Blueprint:
    bp = Blueprint("trainer_workbench")

    @bp.on_request
    async def check_session(request: Request) -> HTTPResponse | None:
        path = request.path.rstrip("/")
        if not (path + "/").startswith(API) or path == LOGIN:
            return None
        if not same_origin(request):
            return error(403, "请从训练工作台页面操作")
        person = session_person(request)
        if person is None:
            return error(401, NO_SESSION)
        if not person.has_role(ROLE):
            return error(403, NOT_A_TRAINER)
        request.ctx.trainer = person
        return None

    @bp.get("/trainer")
    async def page(request: Request) -> HTTPResponse:
        person = session_person(request)
        status = 200 if person and person.has_role(ROLE) else 401
        return await file(
            request.app.ctx.settings.web_dir / "trainer.html", status=status, mime_type="text/html; charset=utf-8"
        )

    @bp.post(LOGIN)
    async def login(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return error(403, "请从训练工作台页面登录")
        payload = body_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("请填写账号和密码")
        name, password = payload.get("login"), payload.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > 1024:
            return error(401, WRONG_PASSWORD)
        person = await asyncio.to_thread(request.app.ctx.people.verify, name.strip(), password)
        if person is None:
            log.warning("failed workbench sign-in for %r from %s", name[:32], request.remote_addr or request.ip)
            return error(401, WRONG_PASSWORD)
        if not person.has_role(ROLE):
            return error(403, NOT_A_TRAINER)
        response = json_response(me_body(request, person))
        return sign_in(request, response, person.login)

    @bp.post("/trainer/api/logout")
    async def logout(request: Request) -> HTTPResponse:
        return sign_out(json_response({"ok": True}))

    @bp.get("/trainer/api/me")
    async def me(request: Request) -> HTTPResponse:
        return json_response(me_body(request, request.ctx.trainer))

    @bp.get("/trainer/api/scripts")
    async def scripts(request: Request) -> HTTPResponse:
        files = await asyncio.to_thread(list_scripts, request.app.ctx.settings.scripts_dir)
        return json_response({"files": files})

    @bp.get("/trainer/api/scripts/<file_name:str>/<script_id:str>")
    async def script(request: Request, file_name: str, script_id: str) -> HTTPResponse:
        found = await asyncio.to_thread(read_script, request.app.ctx.settings.scripts_dir, file_name, script_id)
        return json_response(found)

    @bp.put("/trainer/api/scripts/<file_name:str>/<script_id:str>")
    async def save(request: Request, file_name: str, script_id: str) -> HTTPResponse:
        payload = body_json(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("version"), str):
            raise BadRequest("请先加载话术再保存（缺少版本号）")
        app = request.app
        shop_names = set(app.ctx.nlg.shop_values)
        saved = await asyncio.to_thread(
            save_script, app.ctx.settings.scripts_dir, file_name, script_id, payload["version"],
            payload.get("variants"), payload.get("questions"), payload.get("buttons"), shop_names,
        )
        app.ctx.corpus.refresh(force=True)  # live here at once; other gateways within a second
        log.info("trainer %s saved %s in %s", request.ctx.trainer.login, script_id, file_name)
        return json_response({**saved, "message": "已保存，买家马上就能看到新的说法"})

    @bp.get("/trainer/api/review")
    async def review(request: Request) -> HTTPResponse:
        items = await request.app.ctx.review.items()
        status = await asyncio.to_thread(training_status, request.app.ctx.training_file, request.app.ctx.models_dir)
        return json_response({"items": items, "intents": list(INTENTS), "training": status})

    @bp.post("/trainer/api/review/<item_id:str>/example")
    async def add_example(request: Request, item_id: str) -> HTTPResponse:
        payload = body_json(request)
        if not isinstance(payload, dict):
            raise BadRequest("请选择意图")
        item = await request.app.ctx.review.find(item_id)
        if item is None:
            return error(404, "这条记录已经处理过了，请刷新列表")
        text = payload.get("text") if isinstance(payload.get("text"), str) else item["text"]
        result = await asyncio.to_thread(
            add_training_example, request.app.ctx.training_file, str(payload.get("intent") or ""), text
        )
        await request.app.ctx.review.done(item_id)
        log.info("trainer %s: example for %s (added: %s)", request.ctx.trainer.login, payload.get("intent"), result["added"])
        status = await asyncio.to_thread(training_status, request.app.ctx.training_file, request.app.ctx.models_dir)
        return json_response({**result, "training": status})

    @bp.post("/trainer/api/review/<item_id:str>/dismiss")
    async def dismiss(request: Request, item_id: str) -> HTTPResponse:
        if not await request.app.ctx.review.done(item_id):
            return error(404, "这条记录已经处理过了，请刷新列表")
        return json_response({"ok": True})

    @bp.exception(EditError)
    async def edit_error(request: Request, exc: EditError) -> HTTPResponse:
        return error(exc.status, str(exc))

    @bp.exception(TrainingError)
    async def training_error(request: Request, exc: TrainingError) -> HTTPResponse:
        return error(400, str(exc))

    return bp


def me_body(request: Request, person: Agent) -> dict:
    return {"trainer": person.public(), "intents": list(INTENTS)}
