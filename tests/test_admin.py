"""Admin commands: a channel that was paused is resumed by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.app import build_application
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import FOUNDING, rss
from tests.test_end_to_end import OFFICER, TOKEN, alerts_to, running, write_config

CHANNEL = -1007000


@pytest.mark.asyncio
async def test_paused_channel_is_resumed_by_an_admin(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    fake_bot_api.block_chat(CHANNEL, description="Forbidden: bot was kicked from the channel chat")
    feed_server.add("/buitenland.xml", rss(FOUNDING))
    config = write_config(
        tmp_path, data_dir, fake_bot_api, feed_server, channels=[{"chat_id": CHANNEL, "min_severity": "low"}]
    )
    async with running(build_application(config, token=TOKEN)):
        notices = await fake_bot_api.wait_for_messages(1, OFFICER, timeout=20)
        assert str(CHANNEL) in notices[0].plain_text, "the admin is told the channel was paused"

        fake_bot_api.inject_message(2002, f"/resume {CHANNEL}")
        refused = await fake_bot_api.wait_for_messages(1, 2002)
        assert "Only the bot's admins" in refused[0].plain_text

        fake_bot_api.unblock_chat(CHANNEL)
        fake_bot_api.inject_message(OFFICER, "/resume")
        usage = await fake_bot_api.wait_for_messages(2, OFFICER)
        assert str(CHANNEL) in usage[-1].plain_text, "the usage lists the paused chats"
        fake_bot_api.inject_message(OFFICER, f"/resume {CHANNEL}")
        await fake_bot_api.wait_for(lambda: len(alerts_to(fake_bot_api, CHANNEL)) >= 2, timeout=20, what="owed alerts")
        assert "resumed; 2 messages" in fake_bot_api.sent_messages(OFFICER)[-1].plain_text
