"""Officers' one-tap feedback on alerts, and the admins' /retrain, through the fake Bot API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alertbot.app import build_application
from alertbot.feedback import corrected_labels, parse_tap
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import FOUNDING, rss
from tests.test_end_to_end import OFFICER, TOKEN, alerts_to, running, write_config

STRANGER = 3003


def buttons(markup: dict[str, Any] | None) -> dict[str, str]:
    """Button text -> callback data."""
    rows = markup["inline_keyboard"] if markup else []
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


def test_taps_are_parsed_strictly() -> None:
    assert parse_tap("fb:12:none") is not None and parse_tap("fc:12:bombing") is not None
    for bad in ("fb:12:maybe", "fb:x:none", "fc:12:none", "fb:12", "ack:3", "fb:12:none:extra"):
        assert parse_tap(bad) is None, bad


def test_corrections_follow_the_taxonomy() -> None:
    assert corrected_labels("armed_clash", "high", "none", None) == ("none", "none")
    assert corrected_labels("armed_clash", "high", "more", None) == ("armed_clash", "critical")
    assert corrected_labels("armed_clash", "critical", "more", None) == ("armed_clash", "critical")
    assert corrected_labels("crime", "low", "less", None) == ("crime", "low")
    assert corrected_labels("crime", "low", "category", "bombing") == ("bombing", "low")


@pytest.mark.asyncio
async def test_feedback_is_recorded_and_admins_retrain_with_it(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/buitenland.xml", rss([]))
    config = write_config(tmp_path, data_dir, fake_bot_api, feed_server)
    async with running(build_application(config, token=TOKEN)):
        fake_bot_api.inject_message(OFFICER, "/subscribe")
        await fake_bot_api.wait_for_messages(1, OFFICER)
        feed_server.replace("/buitenland.xml", rss(FOUNDING))
        await fake_bot_api.wait_for(lambda: len(alerts_to(fake_bot_api, OFFICER)) >= 2, timeout=20, what="alerts")
        messages = {m.plain_text.split("\n", 1)[0]: m for m in fake_bot_api.sent_messages(OFFICER)}
        clash = next(m for head, m in messages.items() if "armed clash" in head)
        kidnap = next(m for head, m in messages.items() if "kidnapping" in head)

        # One tap: the Jowzjan fighting is, say the officer, not an incident for them.
        fake_bot_api.inject_callback(OFFICER, clash.message_id, buttons(clash.reply_markup)["👎 Not an incident"])
        # Two taps: the kidnapping is another kind; the category rows come and go, the rest stays.
        fake_bot_api.inject_callback(OFFICER, kidnap.message_id, buttons(kidnap.reply_markup)["🏷 Other kind"])
        await fake_bot_api.wait_for(lambda: "assassination" in buttons(fake_bot_api.message(OFFICER, kidnap.message_id).reply_markup))
        choice = buttons(fake_bot_api.message(OFFICER, kidnap.message_id).reply_markup)["assassination"]
        fake_bot_api.inject_callback(OFFICER, kidnap.message_id, choice)
        await fake_bot_api.wait_for(lambda: "assassination" not in buttons(fake_bot_api.message(OFFICER, kidnap.message_id).reply_markup))
        after = buttons(fake_bot_api.message(OFFICER, kidnap.message_id).reply_markup)
        assert "👍 Right" in after and any(data.startswith("ack:") for data in after.values())
        answers = [c.params.get("text") for c in fake_bot_api.calls("answerCallbackQuery")]
        assert "Thanks: marked as not an incident." in answers and "Thanks: category corrected." in answers

        fake_bot_api.inject_message(STRANGER, "/retrain")
        refused = await fake_bot_api.wait_for_messages(1, STRANGER)
        assert "Only the bot's admins can do that" in refused[0].plain_text

        before = len(fake_bot_api.sent_messages(OFFICER))
        fake_bot_api.inject_message(OFFICER, "/retrain")
        done = await fake_bot_api.wait_for_messages(before + 2, OFFICER, timeout=90)
        assert "2 alerts with officers' feedback" in done[-2].plain_text
        assert done[-1].plain_text.startswith("Done. Model ")

    lines = [json.loads(line) for line in (data_dir / "feedback.jsonl").read_text().splitlines()]
    labels = {row["title"]: (row["category"], row["severity"]) for row in lines}
    assert labels["Taliban verslaan IS in Jowzjan"] == ("none", "none")
    assert labels["Drie expats ontvoerd en vermoord in Kabul"][0] == "assassination"
