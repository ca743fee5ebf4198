"""Who may read or write a buyer's conversation: whoever holds its token, not its id.

A conversation id shows up in logs, URLs, an order's webhook and a support ticket; its token
is given only to the client that starts the conversation, so an id alone reads nothing.

- The token is random (``secrets.token_urlsafe``) and claimed by the conversation's first
  message, atomically (bot/infra/tokens.py): of two racing first messages one wins, and the
  other gets 403 unless it is a repeat of the winner (same message_id and text, see below).
  The answer to every message carries it (``conversation_token``, and the
  ``X-Conversation-Token`` header of any answer, a 429 or 503 too), so a client that sent
  none learns it from its first answer.
- ``POST /api/conversations`` hands out a fresh id with an *offered* token: the HMAC of the
  id under the gateway's secret, so nothing is stored for an id that may never be used (a
  script asking for ids fills no Redis) and the widget holds both before it writes. Until
  the conversation's first message claims it (it then becomes the stored token), the offered
  token reads the conversation: its socket opens, and a reminder the bot wrote to a buyer who
  ordered without chatting (orders name the widget's id) is shown.
- A repeat of the message that claimed the token (same message_id and text) gets the token
  again without sending it, so a widget or an integration whose first answer was lost is not
  locked out of its own conversation.
- A conversation with a log but no token (started before tokens existed, or written first
  by the bot for an id no widget was given) is never opened by its id alone: a message
  without a token gets 403, and the widget starts a new conversation.

Tokens are compared in constant time (hmac.compare_digest).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from bot.infra.tokens import ConversationTokens, TokenRecord

TOKEN_HEADER = "X-Conversation-Token"
TOKEN_FIELD = "conversation_token"
# the socket closes with this when its first frame has no valid token (4000-4999: the app's own)
SOCKET_FORBIDDEN = 4403

MISSING = ("this conversation needs its conversation_token: send the one its first answer (or "
           "POST /api/conversations) gave, in the X-Conversation-Token header")
WRONG = "this conversation_token is not this conversation's"
STARTED = ("this conversation was started without a conversation_token and cannot be opened by its id "
           "alone; start a new one (POST /api/conversations)")


class NoAccess(Exception):
    """The caller does not hold the conversation's token (answered 403)."""


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def given_token(value: Any) -> str | None:
    """A token as the client sent it (a header, a frame's field), or None for none/not text."""
    return value.strip() if isinstance(value, str) and value.strip() else None


class ConversationKeys:
    def __init__(self, tokens: ConversationTokens, secret: str) -> None:
        self.tokens = tokens
        # its own key, so an offered token is never a valid staff session signature or the reverse
        self._offer_key = hmac.new(secret.encode(), b"xiaoer.conversation-token", hashlib.sha256).digest()

    def offer(self, conversation_id: str) -> str:
        """The token POST /api/conversations gives with a fresh id."""
        digest = hmac.new(self._offer_key, conversation_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    async def may_read(self, conversation_id: str, given: str | None) -> None:
        """NoAccess unless ``given`` is the conversation's token (or, before its first message,
        the one offered with its id)."""
        record = await self.tokens.get(conversation_id)
        if _same(given, record.token if record else self.offer(conversation_id)):
            return
        raise NoAccess(WRONG if given else MISSING)

    async def may_write(self, conversation_id: str, given: str | None, message_id: str | None,
                        fingerprint: str) -> str:
        """The conversation's token if this message may be taken (its first message claims it),
        else NoAccess. ``fingerprint`` is the message's text's (bot/chat/conversation.py)."""
        record = await self.tokens.get(conversation_id)
        if record is None:
            offered = _same(given, self.offer(conversation_id))
            if given and not offered:
                raise NoAccess(WRONG)
            mine = TokenRecord(given if offered else secrets.token_urlsafe(32), message_id or "",
                               fingerprint if message_id else "")
            # an offered token may claim a conversation the bot wrote to first (a reminder)
            claim = await self.tokens.claim(conversation_id, mine, started_too=offered)
            if claim.status == "started":
                raise NoAccess(STARTED)
            if claim.status == "claimed":
                return mine.token
            record = claim.record  # another first message won the race
        if _same(given, record.token):
            return record.token
        if message_id and record.message_id and _same(message_id, record.message_id) and _same(fingerprint, record.text):
            return record.token  # a repeat of the message that claimed it: its answer was lost
        raise NoAccess(WRONG if given else MISSING)
