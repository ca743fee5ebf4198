"""The trainer workbench: the page at /trainer and its JSON API under /trainer/api.

Same sign-in and signed session cookie as the agent console (bot.staff.sessions). Every API
route but the sign-in needs a session (401 without one) of a person with the trainer role
(403 otherwise) and, when the browser names an Origin, our own (403 for another).
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.infra.requests import BadRequest, error, read_staff_json
from bot.staff.guards import StaffArea
from bot.staff.people import Agent
from bot.trainer.script_editor import EditError, list_scripts, read_script, save_script
from bot.trainer.training_file import (
    TrainingError,
    add_training_example,
    training_status,
)
from xiaoer.contract import INTENTS

log = logging.getLogger(__name__)

WORKBENCH = StaffArea(role="trainer", title="训练工作台", page="/trainer", html="trainer.html",
                      api_prefixes=("/trainer/api/",))


def create_blueprint() -> Blueprint:
    bp = WORKBENCH.blueprint("trainer_workbench", me_body)

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
        payload = read_staff_json(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("version"), str):
            raise BadRequest("请先加载话术再保存（缺少版本号）")
        app = request.app
        shop_names = set(app.ctx.outbound.shop_values)
        saved = await asyncio.to_thread(
            save_script, app.ctx.settings.scripts_dir, file_name, script_id, payload["version"],
            payload.get("variants"), payload.get("questions"), payload.get("buttons"), shop_names,
        )
        app.ctx.corpus.refresh(force=True)  # live here at once; other gateways within a second
        log.info("trainer %s saved %s in %s", request.ctx.person.login, script_id, file_name)
        return json_response({**saved, "message": "已保存，买家马上就能看到新的说法"})

    @bp.get("/trainer/api/review")
    async def review(request: Request) -> HTTPResponse:
        items = await request.app.ctx.review.items()
        status = await asyncio.to_thread(training_status, request.app.ctx.training_file, request.app.ctx.models_dir)
        return json_response({"items": items, "intents": list(INTENTS), "training": status})

    @bp.post("/trainer/api/review/<item_id:str>/example")
    async def add_example(request: Request, item_id: str) -> HTTPResponse:
        payload = read_staff_json(request)
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
        log.info("trainer %s: example for %s (added: %s)", request.ctx.person.login, payload.get("intent"), result["added"])
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


def me_body(person: Agent) -> dict:
    return {"trainer": person.public(), "intents": list(INTENTS)}
