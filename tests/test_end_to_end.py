"""The whole path through real servers on loopback: feed server -> alertbot -> fake Bot API.

The real python-telegram-bot Application talks to FakeBotApi through telegram.api_url; feeds come
from FeedServer over HTTP. Nothing of ours is mocked.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from telegram.ext import Application

from alertbot.app import build_application
from alertbot.config import Config, load_config
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import FOUNDING, rss

TOKEN = "123456:TEST-token-never-logged"
OFFICER = 1001


def write_config(tmp_path: Path, data_dir: Path, api: FakeBotApi, feeds: FeedServer, **extra: object) -> Config:
    raw = {
        "telegram": {"api_url": api.base_url, "token_env": "ALERTBOT_TELEGRAM_TOKEN", "admins": [OFFICER]},
        "data_dir": str(data_dir),
        "defaults": {"min_severity": "medium"},
        "feeds": [
            {"name": "Testkrant Buitenland", "url": feeds.url("/buitenland.xml"), "interval": 1, "language": "nl"}
        ],
        "regions": [
            {"name": "Kabul", "country": "Afghanistan", "places": ["Kabul", "Kaboel"]},
            {"name": "Jowzjan", "country": "Afghanistan", "places": ["Jowzjan"]},
        ],
        "keywords": {"kidnapping": ["ontvoerd"]},
        **extra,
    }
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_config(path)


@contextlib.asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """What run_polling does, minus the signal handling that would take over the test's loop."""
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


def alerts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m.plain_text for m in api.sent_messages(chat_id) if "·" in m.plain_text.split("\n", 1)[0]]


@pytest.mark.asyncio
async def test_founding_example_reaches_a_subscribed_officer_once(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(tmp_path, data_dir, fake_bot_api, feed_server)
    async with running(build_application(config, token=TOKEN)):
        fake_bot_api.inject_message(OFFICER, "/subscribe Kabul Jowzjan")
        replies = await fake_bot_api.wait_for_messages(1, OFFICER)
        assert "Subscribed to Kabul, Jowzjan" in replies[0].plain_text

        feed_server.replace("/buitenland.xml", rss(FOUNDING))
        await fake_bot_api.wait_for(lambda: len(alerts_to(fake_bot_api, OFFICER)) >= 2, timeout=20, what="two alerts")
        polls = feed_server.request_count("/buitenland.xml")
        await fake_bot_api.wait_for(lambda: feed_server.request_count("/buitenland.xml") >= polls + 2, timeout=10)

        alerts = alerts_to(fake_bot_api, OFFICER)
        assert len(alerts) == 2, alerts
        kidnapping = [a for a in alerts if "kidnapping" in a.split("\n", 1)[0]]
        clash = [a for a in alerts if "armed clash" in a.split("\n", 1)[0]]
        assert len(kidnapping) == 1 and len(clash) == 1, alerts
        assert kidnapping[0].startswith(("🔴 CRITICAL", "🟠 HIGH")) and "Kabul" in kidnapping[0].split("\n", 1)[0]
        assert "CRITICAL" not in clash[0].split("\n", 1)[0]
        assert not any("gesprekken" in a for a in alerts)

        fake_bot_api.inject_message(OFFICER, "/status")
        status = await fake_bot_api.wait_for_messages(4, OFFICER)
        assert "Feeds: 1 ok" in status[-1].plain_text and "severity medium" in status[-1].plain_text

    assert TOKEN in fake_bot_api.tokens


@pytest.mark.asyncio
async def test_restart_sends_nothing_twice(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss(FOUNDING))
    config = write_config(
        tmp_path, data_dir, fake_bot_api, feed_server, channels=[{"chat_id": -100200, "min_severity": "low"}]
    )
    async with running(build_application(config, token=TOKEN)):
        await fake_bot_api.wait_for(
            lambda: len(alerts_to(fake_bot_api, -100200)) >= 2, timeout=20, what="channel alerts"
        )
    first = len(fake_bot_api.sent_messages(-100200))
    async with running(build_application(config, token=TOKEN)):
        polls = feed_server.request_count("/buitenland.xml")
        await fake_bot_api.wait_for(lambda: feed_server.request_count("/buitenland.xml") >= polls + 2, timeout=10)
    assert len(fake_bot_api.sent_messages(-100200)) == first


@pytest.mark.asyncio
async def test_commands_explain_themselves_and_refuse_bad_input(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(tmp_path, data_dir, fake_bot_api, feed_server)
    chat = 2002
    async with running(build_application(config, token=TOKEN)):
        expected = [
            ("/start", "/subscribe"),
            ("/help", "Regions: Kabul, Jowzjan"),
            ("/severity high", "not subscribed"),
            ("/subscribe Mars", "Unknown region: Mars"),
            ("/subscribe", "Subscribed to all regions, severity medium"),
            ("/severity extreme", "Usage: /severity LEVEL"),
            ("/severity critical", "severity critical and above"),
            ("/status", "This chat: all regions, severity critical and above."),
            ("/unsubscribe", "Unsubscribed"),
            ("/status", "This chat is not subscribed."),
        ]
        for number, (command, answer) in enumerate(expected, start=1):
            fake_bot_api.inject_message(chat, command)
            sent = await fake_bot_api.wait_for_messages(number, chat)
            assert answer in sent[-1].plain_text, (command, sent[-1].plain_text)
        commands = fake_bot_api.calls("setMyCommands")
        assert commands, "the command menu is registered"
