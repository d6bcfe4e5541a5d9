"""A Bot API that answers from this process and prints messages: the terminal as a chat.

Without a Telegram token the service still runs the whole Telegram path (Application, JobQueue,
outbox, send_message); only this request object differs, the same seam tests use for a fake server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any, TextIO

from telegram.request import BaseRequest, RequestData

from alertbot.render import html_to_terminal

TERMINAL_CHAT_ID = 0
TERMINAL_TOKEN = "0:terminal"  # PTB wants a token; this one never leaves the process
BOT_USER = {"id": 1, "is_bot": True, "first_name": "alertbot", "username": "alertbot_terminal"}


class ConsoleRequest(BaseRequest):
    def __init__(self, out: TextIO | None = None, idle_poll_seconds: float = 1.0) -> None:
        self._out = out
        self._idle = idle_poll_seconds
        self._message_ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(  # noqa: PLR0917 - PTB's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        result = await self._answer(endpoint, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _answer(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "getUpdates":
            # Nobody can type commands here; idle briefly so shutdown stays quick.
            await asyncio.sleep(min(float(params.get("timeout", 0) or 0), self._idle))
            return []
        if endpoint in ("sendMessage", "editMessageText"):
            return self._print(endpoint, params)
        return True

    def _print(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        out = self._out or sys.stdout
        chat_id = int(params.get("chat_id", TERMINAL_CHAT_ID))
        text = str(params.get("text", ""))
        header = "ALERT" if endpoint == "sendMessage" else "ALERT UPDATED"
        if chat_id != TERMINAL_CHAT_ID:
            header += f" to chat {chat_id}"
        print(f"\n=== {header} " + "=" * max(0, 60 - len(header)), file=out)
        print(html_to_terminal(text), file=out, flush=True)
        message_id = int(params.get("message_id") or next(self._message_ids))
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": text,
        }
