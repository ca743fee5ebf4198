"""What every route checks in a request, and how it says no: one place for the rules.

Errors are ``{"error": "<reason>"}`` with a 4xx status; the reason is for whoever sent the
request (English for the public API, Chinese on the staff pages).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sanic import Request
from sanic import exceptions as sanic_errors
from sanic.response import HTTPResponse
from sanic.response import json as json_response

# Ids are chosen by the widget (a random token) and are the buyer's only key to the
# conversation, so they must be long enough not to be guessed and safe in Redis keys.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}\Z")
# A client's id for one message (the widget: a random UUID), the same on every retry of it,
# so a message sent twice is answered once; the same shape as a conversation id.
MESSAGE_ID = CONVERSATION_ID


# The item of the page a chat was opened on, as a client gives it ({"context": {"item": ...}}):
# the platform's item id or the shop's merchant code. "item" is the only context there is.
ITEM_REFERENCE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
CONTEXT_KEYS = frozenset({"item"})

# Control characters (not newline or tab) are dropped; a text of only zero-width characters is empty.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


class BadRequest(ValueError):
    """Input the buyer (or a client) must fix; the message is the reason."""


def error(status: int, reason: str) -> HTTPResponse:
    return json_response({"error": reason}, status=status)


def check_conversation_id(conversation_id: str) -> str:
    if not CONVERSATION_ID.match(conversation_id or ""):
        raise BadRequest("conversation_id must be 8-64 letters, digits, '-' or '_'")
    return conversation_id


def check_message_id(payload: Any, header: str | None = None) -> str | None:
    """The client's id for this message (``"message_id"`` in the body or the frame, or an
    ``Idempotency-Key`` header), or None when it sent none: such messages are not deduplicated."""
    given = payload.get("message_id") if isinstance(payload, dict) else None
    if header is not None:
        header = header.strip()
        if given is not None and given != header:
            raise BadRequest('"message_id" and the Idempotency-Key header differ; send one id per message')
        given = header
    if given is None:
        return None
    if not isinstance(given, str) or not MESSAGE_ID.match(given):
        raise BadRequest("\"message_id\" must be 8-64 letters, digits, '-' or '_'")
    return given


def check_context(payload: Any) -> dict[str, str]:
    """The message's context (``"context"`` in the body or the frame), {} when none. A key
    other than ``item`` is refused rather than dropped: a client that means something by it
    learns at once that the gateway does not read it."""
    given = payload.get("context") if isinstance(payload, dict) else None
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise BadRequest('"context" must be an object like {"item": "JN-2801"}')
    if set(given) - CONTEXT_KEYS:
        raise BadRequest('"context" takes only "item" (the item of the page the chat was opened on)')
    item = given.get("item")
    if item is None:
        return {}
    if not isinstance(item, str) or not ITEM_REFERENCE.match(item):
        raise BadRequest("\"context.item\" must be the platform's item id or the shop's merchant code: "
                         "1-64 letters, digits, '-' or '_'")
    return {"item": item}


def check_text(payload: Any, max_chars: int) -> str:
    if not isinstance(payload, dict):
        raise BadRequest('the body must be a JSON object like {"text": "在吗"}')
    text = payload.get("text")
    if not isinstance(text, str):
        raise BadRequest('"text" is required and must be a string')
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800" is valid JSON but no character: Redis and Rasa would fail on it
        raise BadRequest(f'"text" is not valid Unicode (a lone surrogate at position {exc.start})') from exc
    text = _CONTROL.sub("", text).strip()
    if not _INVISIBLE.sub("", text).strip():
        raise BadRequest('"text" is empty')
    if len(text) > max_chars:
        raise BadRequest(f'"text" is {len(text)} characters; the limit is {max_chars}')
    return text


def read_json(request: Request, for_staff: bool = False) -> Any:
    """The JSON body of a request. The public API answers 415 when it is not JSON; a staff
    page gets 400 with the reason in Chinese."""
    if "json" not in (request.content_type or ""):
        if for_staff:
            raise BadRequest("请求需要 JSON 格式")
        raise sanic_errors.SanicException(
            "the body must be JSON, sent with Content-Type: application/json", status_code=415
        )
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("请求内容不是有效的 JSON" if for_staff else f"the body is not valid JSON ({exc})") from exc


def read_staff_json(request: Request) -> Any:
    return read_json(request, for_staff=True)
