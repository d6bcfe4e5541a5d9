"""Acknowledge buttons and escalation through the running service. The clock is injected, never slept on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.app import build_application
from alertbot.deliver import Courier
from alertbot.handlers import COURIER, SERVICES
from alertbot.store import Store
from tests.delivery_support import ManualClock, add_alert, has_ack_button
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import rss
from tests.test_end_to_end import OFFICER, TOKEN, running, write_config

DUTY = -1005000  # the escalation chat
COLLEAGUE = 2002


def button(api: FakeBotApi, chat: int, message_id: int) -> str:
    markup = api.message(chat, message_id).reply_markup
    assert markup is not None, "no button on the alert"
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert isinstance(data, str)
    return data


async def test_acknowledge_edits_the_alert_and_unanswered_alerts_escalate(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(
        tmp_path,
        data_dir,
        fake_bot_api,
        feed_server,
        telegram={
            "api_url": fake_bot_api.base_url,
            "admins": [OFFICER],
            "escalation": {"chat_id": DUTY, "after_minutes": 15},
        },
    )
    clock = ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    application = build_application(config, token=TOKEN, clock=clock)
    async with running(application):
        store: Store = application.bot_data[SERVICES].store
        add_alert(store, "Hostages <taken> & held at the airport", "critical", [OFFICER, COLLEAGUE], clock(), n=1)
        add_alert(store, "Gunfight at the northern checkpoint", "high", [OFFICER], clock(), n=2)
        add_alert(store, "Protest at the ministry", "medium", [OFFICER], clock(), n=3)
        sent = await fake_bot_api.wait_for_messages(3, OFFICER)
        hostages, gunfight, protest = sent
        assert has_ack_button(gunfight.reply_markup), "high alerts ask to be acknowledged"
        assert not has_ack_button(protest.reply_markup), "medium alerts ask for no acknowledgement"
        assert protest.reply_markup is not None, "every alert carries the feedback buttons"

        fake_bot_api.inject_callback(
            OFFICER, hostages.message_id, button(fake_bot_api, OFFICER, hostages.message_id), username="duty_officer"
        )
        await fake_bot_api.wait_for(
            lambda: (
                "Acknowledged by Tester (@duty_officer)"
                in fake_bot_api.message(OFFICER, hostages.message_id).plain_text
            ),
            what="the alert edited",
        )
        edited = fake_bot_api.message(OFFICER, hostages.message_id)
        assert not has_ack_button(edited.reply_markup) and "Hostages <taken> & held" in edited.plain_text
        assert "09:00 UTC" in edited.plain_text
        await fake_bot_api.wait_for_calls("answerCallbackQuery", 1)
        assert fake_bot_api.calls("answerCallbackQuery")[0].status == 200

        fake_bot_api.inject_callback(OFFICER, hostages.message_id, f"ack:{10**6}")  # a forged press
        await fake_bot_api.wait_for_calls("answerCallbackQuery", 2)
        assert fake_bot_api.calls("answerCallbackQuery")[1].params["text"].startswith("This alert is not one")

        courier: Courier = application.bot_data[COURIER]

        async def rounds_pass() -> None:
            seen = courier.rounds
            await fake_bot_api.wait_for(lambda: courier.rounds >= seen + 2, what="two delivery rounds")

        clock.advance(minutes=14)
        await rounds_pass()
        assert not fake_bot_api.sent_messages(DUTY), "escalated before the deadline"

        clock.advance(minutes=2)
        (escalation,) = await fake_bot_api.wait_for_messages(1, DUTY)
        assert escalation.plain_text.startswith("⚠️ ESCALATION: not acknowledged within 15 min in 1001")
        assert "Gunfight at the northern checkpoint" in escalation.plain_text
        assert not escalation.disable_notification and has_ack_button(escalation.reply_markup)

        # The duty officer acknowledges the escalation; nothing escalates twice.
        fake_bot_api.inject_callback(DUTY, escalation.message_id, button(fake_bot_api, DUTY, escalation.message_id))
        await fake_bot_api.wait_for(
            lambda: "Acknowledged by" in fake_bot_api.message(DUTY, escalation.message_id).plain_text, what="ack"
        )
        clock.advance(minutes=60)
        await rounds_pass()
        assert len(fake_bot_api.sent_messages(DUTY)) == 1, (
            "the hostage alert was acknowledged; the gunfight escalated once"
        )
