"""A fake Telegram Bot API server for driving the real PTB client in tests.

Point PTB at it with ``Bot(token, base_url=fake.base_url)`` or
``Application.builder().token(token).base_url(fake.base_url)``: PTB appends the
token to ``base_url`` and then ``/<method>``, and posts parameters as form
data with complex values JSON-encoded. Answers use the Bot API envelope, and
errors use the HTTP status codes PTB maps to exceptions:

* 400 -> ``BadRequest``; 403 -> ``Forbidden``; 401/404 -> ``InvalidToken``;
  409 -> ``Conflict``; other codes -> ``NetworkError``;
* any error whose ``parameters`` carry ``retry_after`` -> ``RetryAfter``, and
  ``migrate_to_chat_id`` -> ``ChatMigrated``, whatever the status.

Everything is stdlib and in-process; all state sits behind one condition
variable because requests arrive on server threads while tests read from the
event loop thread.
"""

from __future__ import annotations

import asyncio
import copy
import email.parser
import email.policy
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from ._server import LoopbackServer, QuietHandler
from .tg_html import HtmlParseError, parse_html, utf16_len

ChatId = int | str
ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

DEFAULT_BOT_ID = 123456789
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

# Values of these keys are free text and must never be JSON-decoded, even when
# they happen to look like JSON ("123", "[x]", "true").
_RAW_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "emoji",
        "question",
        "explanation",
        "data",
        "action",
        "language_code",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
        "custom_emoji_id",
    }
)

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# What nginx in front of api.telegram.org sends during an outage: not JSON,
# so PTB has to survive a body it cannot parse.
_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    """An error answer in the Bot API envelope."""

    def __init__(
        self,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class ApiCall:
    """One request as the fake received it."""

    method: str
    params: dict[str, Any]
    token: str
    time: float
    """``time.monotonic()`` at arrival."""
    http_method: str = "POST"
    status: int | None = None
    """HTTP status answered; None while the request is still being handled."""
    error: str | None = None


@dataclass
class SentMessage:
    """Current state of a message the bot sent (edits applied)."""

    chat_id: ChatId
    message_id: int
    text: str
    """Text exactly as the bot sent it (markup included)."""
    plain_text: str
    """Text after parse-mode processing, as a user would see it."""
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    disable_notification: bool
    date: int
    params: dict[str, Any]
    """Parameters of the original send call."""
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class EditRecord:
    method: str
    chat_id: ChatId
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    time: float


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class _Fault:
    method: str
    remaining: int
    status: int
    description: str
    retry_after: int | None
    chat_id: ChatId | None


@dataclass
class _FloodControl:
    per_second: int | None
    per_chat_per_minute_group: int | None
    per_chat_per_second: int | None
    recent: deque[float] = field(default_factory=deque)
    recent_by_chat: dict[ChatId, deque[float]] = field(default_factory=dict)
    violations: int = 0

    @staticmethod
    def _wait(times: deque[float], window: float, limit: int, now: float) -> int | None:
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) < limit:
            return None
        return max(1, math.ceil(times[0] + window - now))

    def check(self, chat_id: ChatId | None, now: float) -> int | None:
        waits: list[int] = []
        if self.per_second is not None:
            w = self._wait(self.recent, 1.0, self.per_second, now)
            if w is not None:
                waits.append(w)
        if chat_id is not None:
            times = self.recent_by_chat.setdefault(chat_id, deque())
            if self.per_chat_per_second is not None:
                w = self._wait(deque(times), 1.0, self.per_chat_per_second, now)
                if w is not None:
                    waits.append(w)
            if self.per_chat_per_minute_group is not None and _is_group_id(chat_id):
                w = self._wait(times, 60.0, self.per_chat_per_minute_group, now)
                if w is not None:
                    waits.append(w)
        if waits:
            self.violations += 1
            return max(waits)
        return None

    def record(self, chat_id: ChatId | None, now: float) -> None:
        self.recent.append(now)
        if chat_id is not None:
            self.recent_by_chat.setdefault(chat_id, deque()).append(now)


def _is_group_id(chat_id: ChatId) -> bool:
    return isinstance(chat_id, int) and chat_id < 0


def _chat_key(value: Any) -> ChatId:
    if isinstance(value, bool):
        raise ApiError(400, "Bad Request: chat not found")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _RAW_STRING_KEYS:
        return value
    stripped = value.strip()
    if not stripped:
        return value
    if stripped[0] in "{[" or stripped in ("true", "false", "null") or _looks_numeric(stripped):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _looks_numeric(text: str) -> bool:
    body = text[1:] if text[0] == "-" else text
    return body.replace(".", "", 1).isdigit()


def _default_chat_type(chat_id: ChatId) -> ChatType:
    if isinstance(chat_id, str):
        return "channel"
    if chat_id > 0:
        return "private"
    # Supergroups and channels live in the -100xxxxxxxxxx range; smaller
    # negative ids are basic groups.
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"


class FakeBotApi(LoopbackServer):
    """Fake Bot API; see the module docstring for how PTB talks to it.

    Args:
        bot_username: ``username`` answered by getMe and expected after "@" in
            commands.
        max_poll_wait: upper bound on how long getUpdates blocks, whatever
            ``timeout`` the client asks for, so that shutdown stays quick.
        text_length_unit: how the 4096 limit is counted. Reports disagree on
            whether Telegram counts UTF-16 code units or code points; "utf16"
            is the stricter reading and the default.
        strict_html_references: reject named character references other than
            &lt; &gt; &amp; &quot; (the real server prints them literally).
        require_token: if set, any other token gets 401 Unauthorized.
    """

    def __init__(
        self,
        *,
        bot_username: str = "alertbot_test_bot",
        bot_first_name: str = "AlertBot Test",
        bot_id: int | None = None,
        max_poll_wait: float = 1.0,
        text_length_unit: Literal["utf16", "codepoints"] = "utf16",
        strict_html_references: bool = True,
        require_token: str | None = None,
    ) -> None:
        super().__init__()
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._bot_id = bot_id
        self.max_poll_wait = max_poll_wait
        self.text_length_unit = text_length_unit
        self.strict_html_references = strict_html_references
        self.require_token = require_token

        self._cond = threading.Condition(threading.RLock())
        self._calls: list[ApiCall] = []
        self._tokens: list[str] = []
        self._messages: dict[tuple[ChatId, int], SentMessage] = {}
        self._edits: list[EditRecord] = []
        self._last_message_id: dict[ChatId, int] = {}
        self._chats: dict[ChatId, dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_001)
        self._callback_ids = itertools.count(5_000_000_001)
        self._open_callbacks: set[str] = set()
        self._poll_generation = 0
        self._faults: list[_Fault] = []
        self._blocked: dict[ChatId, str] = {}
        self._migrated: dict[ChatId, int] = {}
        self._outage_until = 0.0
        self._flood: _FloodControl | None = None
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any], str], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "deleteWebhook": self._true,
                "setWebhook": self._true,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getChat": self._get_chat,
                "sendChatAction": self._send_chat_action,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ setup

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``; PTB appends the token itself."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def bot_id(self) -> int:
        """The configured id, else the numeric prefix of the latest token."""
        if self._bot_id is not None:
            return self._bot_id
        with self._cond:
            token = self._tokens[-1] if self._tokens else ""
        prefix = token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else DEFAULT_BOT_ID

    @property
    def tokens(self) -> list[str]:
        """Every distinct token seen, in order of first use."""
        with self._cond:
            return list(self._tokens)

    def set_chat(
        self,
        chat_id: ChatId,
        *,
        type: ChatType | None = None,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """Declare how a chat looks in messages and getChat answers."""
        key = _chat_key(chat_id)
        with self._cond:
            chat = self._chat(key)
            if type is not None:
                chat["type"] = type
            if title is not None:
                chat["title"] = title
            if username is not None:
                chat["username"] = username
            if first_name is not None:
                chat["first_name"] = first_name
            if chat["type"] == "private":
                chat.pop("title", None)
                chat.setdefault("first_name", f"User{key}")
            else:
                chat.pop("first_name", None)
                chat.setdefault("title", f"Test {chat['type']} {key}")
            return dict(chat)

    def _chat(self, key: ChatId) -> dict[str, Any]:
        chat = self._chats.get(key)
        if chat is None:
            chat_type = _default_chat_type(key)
            chat = {"id": key, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = f"User{key}"
            else:
                chat["title"] = f"Test {chat_type} {key}"
            if isinstance(key, str):
                chat["username"] = key.lstrip("@")
            self._chats[key] = chat
        return chat

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ---------------------------------------------------------------- records

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Copies of recorded calls, optionally only those of ``method``."""
        with self._cond:
            return [
                replace(c, params=dict(c.params))
                for c in self._calls
                if method is None or c.method.lower() == method.lower()
            ]

    def sent_messages(self, chat_id: ChatId | None = None) -> list[SentMessage]:
        """Every message sent so far, in send order, in its current state."""
        key = None if chat_id is None else _chat_key(chat_id)
        with self._cond:
            return [copy.deepcopy(m) for m in self._messages.values() if key is None or m.chat_id == key]

    def message(self, chat_id: ChatId, message_id: int) -> SentMessage:
        with self._cond:
            found = self._messages.get((_chat_key(chat_id), message_id))
            if found is None:
                raise LookupError(f"no message {message_id} in chat {chat_id}")
            return copy.deepcopy(found)

    def edits(self, chat_id: ChatId | None = None) -> list[EditRecord]:
        key = None if chat_id is None else _chat_key(chat_id)
        with self._cond:
            return [e for e in self._edits if key is None or e.chat_id == key]

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates injected but not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def clear_calls(self) -> None:
        """Forget recorded calls and edits; message state is kept for edits."""
        with self._cond:
            self._calls.clear()
            self._edits.clear()

    def describe(self, last_calls: int = 15) -> str:
        """Human-readable dump used in timeout assertion messages."""
        with self._cond:
            lines = [f"sent messages ({len(self._messages)}):"]
            for m in self._messages.values():
                flag = " [deleted]" if m.deleted else ""
                edited = f" (edited x{m.edit_count})" if m.edit_count else ""
                lines.append(f"  chat={m.chat_id} id={m.message_id}{edited}{flag}: {m.text[:200]!r}")
            recent = self._calls[-last_calls:]
            lines.append(f"last {len(recent)} of {len(self._calls)} calls:")
            for c in recent:
                outcome = f"{c.status}" + (f" {c.error}" if c.error else "")
                shown = {k: v for k, v in c.params.items() if k != "text"}
                lines.append(f"  {c.method} -> {outcome} {shown}")
        return "\n".join(lines)

    # --------------------------------------------------------------- waiting

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,
        *,
        interval: float = 0.01,
        what: str | None = None,
    ) -> None:
        """Poll ``predicate`` without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                label = what or getattr(predicate, "__name__", "condition")
                raise AssertionError(f"timed out after {timeout}s waiting for {label}\n{self.describe()}")
            await asyncio.sleep(interval)

    async def wait_for_messages(
        self,
        n: int,
        chat_id: ChatId | None = None,
        timeout: float = 10.0,
    ) -> list[SentMessage]:
        """Wait until at least ``n`` messages were sent (to ``chat_id``)."""
        where = "" if chat_id is None else f" to chat {chat_id}"
        await self.wait_for(
            lambda: len(self.sent_messages(chat_id)) >= n,
            timeout,
            what=f"{n} sent message(s){where}",
        )
        return self.sent_messages(chat_id)

    async def wait_for_calls(self, method: str, n: int = 1, timeout: float = 10.0) -> list[ApiCall]:
        """Wait until ``method`` was answered at least ``n`` times."""
        await self.wait_for(
            lambda: sum(1 for c in self.calls(method) if c.status is not None) >= n,
            timeout,
            what=f"{n} answered {method} call(s)",
        )
        return self.calls(method)

    # -------------------------------------------------------------- injection

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
            self._cond.notify_all()
            return copy.deepcopy(update)

    def _user(self, user_id: int, username: str | None, first_name: str) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "en",
        }
        if username:
            user["username"] = username
        return user

    def inject_message(
        self,
        chat_id: ChatId,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: ChatType | None = None,
        username: str | None = None,
        first_name: str = "Tester",
    ) -> dict[str, Any]:
        """Queue an incoming text message and return the Update as JSON.

        A leading ``/command`` (optionally ``/command@botname``) gets a
        ``bot_command`` entity, which PTB's CommandHandler needs. Channel
        chats produce a ``channel_post`` update, as on the real server.
        """
        key = _chat_key(chat_id)
        with self._cond:
            chat = dict(self._chat(key))
            if chat_type is not None:
                chat = self.set_chat(key, type=chat_type)
            if chat["type"] == "private" and username:
                chat = self.set_chat(key, username=username)
            if user_id is None:
                user_id = key if isinstance(key, int) and key > 0 else 424242
            message: dict[str, Any] = {
                "message_id": self._next_message_id(key),
                "date": int(time.time()),
                "chat": chat,
                "text": text,
            }
            if chat["type"] == "channel":
                message["sender_chat"] = chat
            else:
                message["from"] = self._user(user_id, username, first_name)
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            kind = "channel_post" if chat["type"] == "channel" else "message"
            return self._push_update(kind, message)

    def inject_callback(
        self,
        chat_id: ChatId,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Queue a button press on a message the bot sent earlier."""
        key = _chat_key(chat_id)
        with self._cond:
            sent = self._messages.get((key, message_id))
            if sent is None or sent.deleted:
                raise LookupError(f"bot never sent message {message_id} to chat {chat_id}")
            if user_id is None:
                user_id = key if isinstance(key, int) and key > 0 else 424242
            query_id = str(next(self._callback_ids))
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id, username, "Tester"),
                "message": self._message_json(sent),
                "chat_instance": str(abs(hash(key)) % 10**18),
                "data": data,
            }
            return self._push_update("callback_query", query)

    def inject_my_chat_member(
        self,
        chat_id: ChatId,
        *,
        new_status: MemberStatus = "kicked",
        old_status: MemberStatus = "member",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a change of the bot's own membership (kicked = user blocked bot)."""
        key = _chat_key(chat_id)
        with self._cond:
            if user_id is None:
                user_id = key if isinstance(key, int) and key > 0 else 424242
            payload = {
                "chat": dict(self._chat(key)),
                "from": self._user(user_id, None, "Tester"),
                "date": int(time.time()),
                "old_chat_member": self._member(old_status),
                "new_chat_member": self._member(new_status),
            }
            return self._push_update("my_chat_member", payload)

    def _member(self, status: MemberStatus) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": self._bot_user()}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=False,
                can_manage_video_chats=False,
                can_restrict_members=False,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=False,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_post_messages=True,
            )
        elif status == "restricted":
            member["until_date"] = 0
            member["is_member"] = True
            for perm in (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
            ):
                member[perm] = False
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    # -------------------------------------------------------- fault scripting

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: ChatId | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail.

        Rules are consumed in the order they were added. With ``chat_id`` only
        calls addressed to that chat match. A 429 without ``retry_after``
        gets ``retry_after=1``, since the real server always sends one.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        with self._cond:
            self._faults.append(
                _Fault(
                    method=method.lower(),
                    remaining=times,
                    status=status,
                    description=description,
                    retry_after=retry_after,
                    chat_id=None if chat_id is None else _chat_key(chat_id),
                )
            )

    def block_chat(self, chat_id: ChatId, description: str = "Forbidden: bot was blocked by the user") -> None:
        """Answer 403 to every send/edit addressed to ``chat_id``."""
        with self._cond:
            self._blocked[_chat_key(chat_id)] = description

    def unblock_chat(self, chat_id: ChatId) -> None:
        with self._cond:
            self._blocked.pop(_chat_key(chat_id), None)

    def migrate_chat(self, chat_id: ChatId, new_chat_id: int) -> None:
        """Group upgraded to a supergroup: sends answer ``ChatMigrated``."""
        with self._cond:
            self._migrated[_chat_key(chat_id)] = new_chat_id

    def outage(self, seconds: float) -> None:
        """Answer every call with nginx's HTML 502 page for ``seconds``."""
        with self._cond:
            self._outage_until = time.monotonic() + seconds

    def end_outage(self) -> None:
        with self._cond:
            self._outage_until = 0.0

    def enforce_limits(
        self,
        per_second: int | None = 30,
        per_chat_per_minute_group: int | None = 20,
        per_chat_per_second: int | None = None,
    ) -> None:
        """Turn on flood control for send* methods (429 + retry_after).

        Defaults are Telegram's published limits; the per-chat one-per-second
        limit is off by default because the real server tolerates bursts.
        """
        with self._cond:
            self._flood = _FloodControl(per_second, per_chat_per_minute_group, per_chat_per_second)

    def disable_limits(self) -> None:
        with self._cond:
            self._flood = None

    @property
    def limit_violations(self) -> int:
        """How many requests flood control answered with 429."""
        with self._cond:
            return 0 if self._flood is None else self._flood.violations

    # ------------------------------------------------------- request handling

    def _on_stopping(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _handler_class(self) -> type[QuietHandler]:
        api = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, http_method: str) -> None:
                with self.server.busy():
                    status, content_type, body = api._dispatch(self, http_method)
                    try:
                        self.send_response(status)
                        self.send_header("Content-Type", content_type)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    except OSError:
                        self.close_connection = True

        return Handler

    def _dispatch(self, handler: QuietHandler, http_method: str) -> tuple[int, str, bytes]:
        arrival = time.monotonic()
        parts = urlsplit(handler.path)
        segments = parts.path.split("/")
        # Expected shape: ["", "bot<token>", "<method>"]
        if len(segments) != 3 or not segments[1].startswith("bot"):
            return self._json_error(ApiError(404, "Not Found"))
        token = unquote(segments[1][3:])
        method_name = segments[2]
        try:
            params = self._read_params(handler, parts.query)
        except ApiError as exc:
            params = {}
            parse_error: ApiError | None = exc
        else:
            parse_error = None

        known = self._methods.get(method_name.lower())
        canonical = known[0] if known else method_name
        call = ApiCall(canonical, params, token, arrival, http_method)
        with self._cond:
            self._calls.append(call)
            if token not in self._tokens:
                self._tokens.append(token)

        try:
            if self.require_token is not None and token != self.require_token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found")
            if parse_error is not None:
                raise parse_error
            with self._cond:
                if time.monotonic() < self._outage_until:
                    call.status, call.error = 502, "outage"
                    return 502, "text/html", _BAD_GATEWAY_HTML
                self._apply_faults(canonical, params)
                chat_key = self._target_chat(params)
                flood_chat = self._flood_chat(canonical, chat_key)
                if flood_chat is not None and self._flood is not None:
                    wait = self._flood.check(flood_chat, time.monotonic())
                    if wait is not None:
                        raise ApiError(
                            429,
                            f"Too Many Requests: retry after {wait}",
                            {"retry_after": wait},
                        )
                result = known[1](params, token)
                if flood_chat is not None and self._flood is not None:
                    self._flood.record(flood_chat, time.monotonic())
        except ApiError as exc:
            with self._cond:
                call.status, call.error = exc.status, exc.description
            return self._json_error(exc)
        except Exception as exc:  # a bug in the fake must not hang the client
            with self._cond:
                call.status, call.error = 500, f"fake crashed: {exc!r}"
            return self._json_error(ApiError(500, f"Internal Server Error: fake crashed: {exc!r}"))
        with self._cond:
            call.status = 200
        body = json.dumps({"ok": True, "result": result}).encode("utf-8")
        return 200, "application/json", body

    @staticmethod
    def _json_error(exc: ApiError) -> tuple[int, str, bytes]:
        return exc.status, "application/json", json.dumps(exc.envelope()).encode("utf-8")

    def _read_params(self, handler: QuietHandler, query: str) -> dict[str, Any]:
        raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        body = handler.read_body()
        if body:
            content_type = handler.headers.get_content_type()
            if content_type == "application/json":
                try:
                    decoded = json.loads(body)
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON encoded request") from exc
                if not isinstance(decoded, dict):
                    raise ApiError(400, "Bad Request: request must be a JSON object")
                raw.update(decoded)
            elif content_type == "multipart/form-data":
                raw.update(self._parse_multipart(handler.headers.get("Content-Type", ""), body))
            else:
                raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return {key: _decode_value(key, value) for key, value in raw.items()}

    @staticmethod
    def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                fields[name] = UploadedFile(filename, part.get_content_type(), data)
            else:
                fields[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
        return fields

    @staticmethod
    def _target_chat(params: dict[str, Any]) -> ChatId | None:
        value = params.get("chat_id")
        return None if value is None or value == "" else _chat_key(value)

    @staticmethod
    def _flood_chat(method: str, chat: ChatId | None) -> ChatId | None:
        if chat is None or not method.startswith("send") or method == "sendChatAction":
            return None
        return chat

    def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        chat = self._target_chat(params)
        for fault in self._faults:
            if fault.remaining <= 0 or fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and fault.chat_id != chat:
                continue
            fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
            parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
            raise ApiError(fault.status, fault.description, parameters)
        if chat is None:
            return
        writes = method.startswith(("send", "edit", "copy", "forward", "pin"))
        if writes and chat in self._blocked:
            raise ApiError(403, self._blocked[chat])
        if writes and chat in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat]},
            )

    # ---------------------------------------------------------- API methods

    def _true(self, params: dict[str, Any], token: str) -> Any:
        return True

    def _get_me(self, params: dict[str, Any], token: str) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_webhook_info(self, params: dict[str, Any], token: str) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _commands_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: dict[str, Any], token: str) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            description = command.get("description", "") if isinstance(command, dict) else ""
            valid_name = (
                isinstance(name, str)
                and 1 <= len(name) <= 32
                and all(c.islower() or c.isdigit() or c == "_" for c in name)
            )
            if not valid_name:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: dict[str, Any], token: str) -> Any:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any], token: str) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_updates(self, params: dict[str, Any], token: str) -> Any:
        offset = params.get("offset")
        limit = params.get("limit")
        limit = max(1, min(100, int(limit))) if isinstance(limit, int | float) else 100
        timeout = params.get("timeout")
        wait = float(timeout) if isinstance(timeout, int | float) else 0.0
        wait = max(0.0, min(wait, self.max_poll_wait))
        deadline = time.monotonic() + wait
        # A newer getUpdates terminates an older one still waiting, like the
        # real server does when two bot instances poll the same token.
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        while True:
            if isinstance(offset, int) and offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif isinstance(offset, int) and offset < 0:
                self._updates = self._updates[offset:]
            if self._updates or self._stop_event.is_set():
                break
            if generation != self._poll_generation:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        return copy.deepcopy(self._updates[:limit])

    def _next_message_id(self, chat: ChatId) -> int:
        next_id = self._last_message_id.get(chat, 0) + 1
        self._last_message_id[chat] = next_id
        return next_id

    def _render_text(self, text: Any, parse_mode: Any) -> tuple[str, list[dict[str, Any]]]:
        """Apply parse mode and the server's text checks; return plain text + entities."""
        if text is None or (isinstance(text, str) and not text.strip()):
            raise ApiError(400, "Bad Request: message text is empty")
        source = str(text).strip()
        mode = parse_mode.lower() if isinstance(parse_mode, str) and parse_mode else None
        entities: list[dict[str, Any]] = []
        if mode is None:
            plain = source
        elif mode == "html":
            try:
                plain, entities = parse_html(source, strict_references=self.strict_html_references)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
            if not plain.strip():
                raise ApiError(400, "Bad Request: text must be non-empty")
        elif mode in ("markdown", "markdownv2"):
            # Markdown validation is not modelled; the bot uses HTML.
            plain = source
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        length = utf16_len(plain) if self.text_length_unit == "utf16" else len(plain)
        if length > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _check_reply_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(
                400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _message_json(self, m: SentMessage) -> dict[str, Any]:
        chat = dict(self._chat(m.chat_id))
        body: dict[str, Any] = {
            "message_id": m.message_id,
            "date": m.date,
            "chat": chat,
            "text": m.plain_text,
        }
        if chat["type"] == "channel":
            body["sender_chat"] = chat
        else:
            body["from"] = self._bot_user()
        if m.entities:
            body["entities"] = copy.deepcopy(m.entities)
        if m.reply_markup is not None and "inline_keyboard" in m.reply_markup:
            # Only inline keyboards are attached to the message object.
            body["reply_markup"] = copy.deepcopy(m.reply_markup)
        if m.edit_date is not None:
            body["edit_date"] = m.edit_date
        return body

    def _require_chat(self, params: dict[str, Any]) -> ChatId:
        chat = self._target_chat(params)
        if chat is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat

    def _send_message(self, params: dict[str, Any], token: str) -> Any:
        chat = self._require_chat(params)
        parse_mode = params.get("parse_mode") or None
        plain, entities = self._render_text(params.get("text"), parse_mode)
        markup = self._check_reply_markup(params.get("reply_markup"))
        self._chat(chat)
        message = SentMessage(
            chat_id=chat,
            message_id=self._next_message_id(chat),
            text=str(params.get("text")),
            plain_text=plain,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            entities=entities,
            reply_markup=markup,
            disable_notification=bool(params.get("disable_notification", False)),
            date=int(time.time()),
            params=copy.deepcopy(params),
        )
        self._messages[(chat, message.message_id)] = message
        return self._message_json(message)

    def _find_for_edit(self, params: dict[str, Any], verb: str) -> SentMessage | None:
        """The targeted message, or None for inline-message edits."""
        if params.get("inline_message_id"):
            return None
        chat = self._require_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        found = self._messages.get((chat, message_id))
        if found is None or found.deleted:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return found

    def _edit_message_text(self, params: dict[str, Any], token: str) -> Any:
        parse_mode = params.get("parse_mode") or None
        plain, entities = self._render_text(params.get("text"), parse_mode)
        markup = self._check_reply_markup(params.get("reply_markup"))
        target = self._find_for_edit(params, "edit")
        if target is None:
            return True
        # Omitting reply_markup on an edit removes the inline keyboard.
        if plain == target.plain_text and entities == target.entities and markup == target.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content "
                "and reply markup are exactly the same as a current content and reply "
                "markup of the message",
            )
        target.text = str(params.get("text"))
        target.plain_text = plain
        target.entities = entities
        target.parse_mode = parse_mode if isinstance(parse_mode, str) else None
        target.reply_markup = markup
        return self._record_edit("editMessageText", target, target.text)

    def _edit_message_reply_markup(self, params: dict[str, Any], token: str) -> Any:
        markup = self._check_reply_markup(params.get("reply_markup"))
        target = self._find_for_edit(params, "edit")
        if target is None:
            return True
        if markup == target.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content "
                "and reply markup are exactly the same as a current content and reply "
                "markup of the message",
            )
        target.reply_markup = markup
        return self._record_edit("editMessageReplyMarkup", target, None)

    def _record_edit(self, method: str, target: SentMessage, text: str | None) -> Any:
        target.edit_count += 1
        target.edit_date = int(time.time())
        self._edits.append(
            EditRecord(
                method=method,
                chat_id=target.chat_id,
                message_id=target.message_id,
                text=text,
                parse_mode=target.parse_mode,
                reply_markup=copy.deepcopy(target.reply_markup),
                time=time.monotonic(),
            )
        )
        return self._message_json(target)

    def _delete_message(self, params: dict[str, Any], token: str) -> Any:
        target = self._find_for_edit(params, "delete")
        if target is not None:
            target.deleted = True
        return True

    def _answer_callback_query(self, params: dict[str, Any], token: str) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callbacks.discard(query_id)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _get_chat(self, params: dict[str, Any], token: str) -> Any:
        chat = dict(self._chat(self._require_chat(params)))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    def _send_chat_action(self, params: dict[str, Any], token: str) -> Any:
        self._require_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True
