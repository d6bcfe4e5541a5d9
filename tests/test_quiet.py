"""Quiet hours through the running service: /quiet, held alerts, the digest when they end. The clock is injected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.app import build_application
from alertbot.handlers import SERVICES
from alertbot.store import Store
from tests.delivery_support import ManualClock, add_alert, outbox
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import rss
from tests.test_end_to_end import OFFICER, TOKEN, running, write_config


def statuses(store: Store) -> dict[str, str]:
    return {str(r["text"]).split("\n")[1]: str(r["status"]) for r in outbox(store) if r["kind"] == "alert"}


async def test_quiet_hours_hold_low_and_medium_for_a_digest_and_let_critical_ring(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(tmp_path, data_dir, fake_bot_api, feed_server)
    clock = ManualClock(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    application = build_application(config, token=TOKEN, clock=clock)
    async with running(application):
        fake_bot_api.inject_message(OFFICER, "/subscribe")
        await fake_bot_api.wait_for_messages(1, OFFICER)
        fake_bot_api.inject_message(OFFICER, "/quiet 22:00-07:00 Europe/Amsterdam")
        replies = await fake_bot_api.wait_for_messages(2, OFFICER)
        assert "Quiet hours 22:00-07:00 Europe/Amsterdam" in replies[-1].plain_text

        store: Store = application.bot_data[SERVICES].store
        add_alert(store, "Protest <march> & sit-in at the embassy", "medium", [OFFICER], clock(), n=1)
        add_alert(store, "Pickpockets active near the market", "low", [OFFICER], clock(), n=2)
        add_alert(store, "Hostages taken at the airport", "critical", [OFFICER], clock(), n=3)
        sent = await fake_bot_api.wait_for_messages(3, OFFICER)
        assert "Hostages taken" in sent[2].plain_text and not sent[2].disable_notification
        await fake_bot_api.wait_for(
            lambda: list(statuses(store).values()).count("held") == 2, what="low and medium held"
        )
        assert len(fake_bot_api.sent_messages(OFFICER)) == 3

        clock.now = datetime(2026, 11, 28, 6, 1, tzinfo=UTC)  # 07:01 in Amsterdam: quiet hours over
        sent = await fake_bot_api.wait_for_messages(4, OFFICER)
        digest = sent[3]
        assert digest.plain_text.startswith("🌙 While you were quiet: 2 alerts")
        assert "Protest <march> & sit-in" in digest.plain_text and "Pickpockets" in digest.plain_text
        assert digest.plain_text.index("MEDIUM") < digest.plain_text.index("LOW")
        assert digest.disable_notification
        assert sorted(statuses(store).values()) == ["digested", "digested", "sent"]

        # Next night, turning quiet hours off lets what was held out at once.
        clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
        add_alert(store, "Roadblock reported on the ring road", "medium", [OFFICER], clock(), n=4)
        await fake_bot_api.wait_for(lambda: "held" in statuses(store).values(), what="held again")
        fake_bot_api.inject_message(OFFICER, "/quiet off")
        sent = await fake_bot_api.wait_for_messages(6, OFFICER)
        assert any("While you were quiet: 1 alert" in m.plain_text and "Roadblock" in m.plain_text for m in sent[4:])
        assert len(fake_bot_api.sent_messages(OFFICER)) == 6


async def test_quiet_command_explains_itself(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(tmp_path, data_dir, fake_bot_api, feed_server)
    async with running(build_application(config, token=TOKEN)):
        for number, (command, answer) in enumerate(
            [
                ("/quiet", "No quiet hours set."),
                ("/quiet 22:00-07:00 Atlantis/Capital", "is not a time zone"),
                ("/quiet 9pm-7am", "is not a time"),
                ("/quiet 13:00-14:00 Asia/Kabul", "at 14:00"),
                ("/quiet", "Quiet hours: 13:00-14:00 Asia/Kabul."),
                ("/subscribe", "Subscribed"),
                ("/status", "severity medium and above. Quiet hours 13:00-14:00 Asia/Kabul."),
                ("/quiet off", "Quiet hours off"),
            ],
            start=1,
        ):
            fake_bot_api.inject_message(OFFICER, command)
            sent = await fake_bot_api.wait_for_messages(number, OFFICER)
            assert answer in sent[-1].plain_text, (command, sent[-1].plain_text)
