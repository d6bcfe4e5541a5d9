"""kill -9 in the middle of a batch, then a restart: every alert decided arrives, exactly once.

The service runs as a real process against the fake Bot API. The fake is wrapped so that, after
letting some messages through, it holds the next requests without handling them: Telegram never
saw those. The test waits until every message Telegram did take is recorded as sent, then kills
the process while the held requests are in flight, so the kill lands in the window that matters
(claimed, request sent, no answer) and the outcome is the same on every run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alertbot.store import Store
from tests.delivery_support import add_alert
from tests.fakes import FakeBotApi, FeedServer
from tests.fakes._server import QuietHandler
from tests.feedtext import rss
from tests.test_cli_service import config_file

PROJECT = Path(__file__).resolve().parent.parent
TOKEN = "424242:CRASH-test"
CHATS = [11, 12, 13, -1001, -1002]
SEVERITIES = ("low", "medium", "high", "critical")


class GatedBotApi(FakeBotApi):
    """The fake, with a gate: after `let_through` more sendMessage calls, hold the rest unhandled."""

    def __init__(self) -> None:
        super().__init__()
        self._gate = threading.Lock()
        self._let_through: int | None = None
        self.holding = threading.Event()
        self.released = threading.Event()

    def close_after(self, sends: int) -> None:
        with self._gate:
            self._let_through = sends

    def open_gate(self) -> None:
        with self._gate:
            self._let_through = None
        self.released.set()

    def _dispatch(self, handler: QuietHandler, http_method: str) -> tuple[int, str, bytes]:
        if handler.path.rsplit("/", 1)[-1].lower() == "sendmessage":
            with self._gate:
                held = self._let_through is not None and self._let_through <= 0
                if self._let_through is not None and self._let_through > 0:
                    self._let_through -= 1
            if held:
                handler.read_body()
                self.holding.set()
                self.released.wait(60)
                return 502, "text/html", b"<html>never handled</html>"
        return super()._dispatch(handler, http_method)


@pytest.fixture
def gated_api() -> Iterator[GatedBotApi]:
    with GatedBotApi() as api:
        yield api
        api.open_gate()


def start(path: Path, api_token: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ALERTBOT_")}
    environment["ALERTBOT_TELEGRAM_TOKEN"] = api_token
    return subprocess.Popen(
        [sys.executable, "-m", "alertbot", "run", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=PROJECT,
    )


def rows(db_path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY id")]


def wait_until(condition: Any, what: str, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            raise AssertionError(f"{what} never happened; stderr:\n{err[-3000:]}")
        time.sleep(0.02)


def test_sigkill_mid_batch_then_restart_delivers_every_alert_exactly_once(
    tmp_path: Path, data_dir: Path, gated_api: GatedBotApi, feed_server: FeedServer
) -> None:
    feed_server.add("/feed.xml", rss([]))
    path = config_file(
        tmp_path, data_dir, [{"name": "T", "url": feed_server.url("/feed.xml"), "interval": 60}], gated_api.base_url
    )
    db_path = Store.path_in(data_dir)
    store = Store(db_path)  # the alerts a poll decided: in the outbox before any send is tried
    now = datetime.now(UTC)
    titles = [f"Incident {n}: gunmen attack convoy <{n}> & flee" for n in range(12)]
    for n, title in enumerate(titles):
        add_alert(store, title, SEVERITIES[n % 4], CHATS, now, n=n)
    store.close()
    decided = rows(db_path)
    assert len(decided) == 60

    gated_api.close_after(23)
    first = start(path, TOKEN)
    try:
        wait_until(gated_api.holding.is_set, "a held request", first)
        accepted = len(gated_api.sent_messages())
        # Everything Telegram took is recorded before the kill: the kill lands only on requests
        # Telegram never handled, which is the window a crash leaves open.
        wait_until(lambda: sum(r["status"] == "sent" for r in rows(db_path)) == accepted, "sent marked", first)
        in_flight = [r for r in rows(db_path) if r["status"] == "sending"]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    assert accepted == 23 and in_flight, "the kill came mid-batch, with messages on their way"
    gated_api.open_gate()

    second = start(path, TOKEN)
    try:
        wait_until(lambda: all(r["status"] == "sent" for r in rows(db_path)), "every message sent", second)
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=30)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, err[-3000:]

    messages = gated_api.sent_messages()
    assert len(messages) == len(decided) == 60
    for chat in CHATS:
        got = [m.plain_text.splitlines()[1] for m in gated_api.sent_messages(chat)]
        assert sorted(got) == sorted(titles), f"chat {chat} got {got}"
    final = rows(db_path)
    assert all(r["message_id"] for r in final)
    resent = [r for r in final if r["uncertain"]]
    assert {r["id"] for r in resent} == {r["id"] for r in in_flight}
    for row in resent:
        message = gated_api.message(row["chat_id"], row["message_id"])
        assert "you may have received this alert already" in message.plain_text
    # Critical first, in each chat, across the restart too.
    ranks = {t: SEVERITIES.index(SEVERITIES[n % 4]) for n, t in enumerate(titles)}
    for chat in CHATS[:3]:
        order = [ranks[m.plain_text.splitlines()[1]] for m in gated_api.sent_messages(chat)]
        assert order[: order.count(3)] == [3] * order.count(3), order
