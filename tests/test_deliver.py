"""Delivery through the fake Bot API with the real PTB client: flood control, errors, outages, markup.

The courier runs its rounds as the service's JobQueue would; the fake answers like Telegram,
including its HTML parser, its length limit and its 429s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from alertbot.deliver import Courier, DeliverySettings
from alertbot.store import Store
from tests.delivery_support import ManualClock, add_alert, has_ack_button, outbox
from tests.fakes import FakeBotApi
from tests.test_deliver_units import HOSTILE_TITLES

TOKEN = "123456:TEST-deliver"
ADMIN = 99
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SEVERITIES = ("low", "medium", "high", "critical")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "alertbot.sqlite3")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake_bot_api.base_url) as client:
        yield client


def courier(store: Store, bot: Bot, clock: Callable[[], datetime] | None = None, **settings: object) -> Courier:
    return Courier(store, bot, clock or ManualClock(NOW), DeliverySettings(admins=(ADMIN,), **settings))  # type: ignore[arg-type]


async def drain(courier: Courier, done: Callable[[], bool], timeout: float = 60) -> None:
    """Rounds as the JobQueue runs them, until `done` (a guard against hanging, not a speed test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        assert loop.time() < deadline, f"not done after {timeout} s: {outbox(courier.store)}"
        await courier.run_round()
        await asyncio.sleep(0.02)


def all_sent(store: Store) -> Callable[[], bool]:
    return lambda: all(r["status"] in ("sent", "failed", "paused", "digested") for r in outbox(store))


def severities_sent(api: FakeBotApi, chat: int) -> list[str]:
    return [m.plain_text.split(" ", 2)[1].lower() for m in api.sent_messages(chat)]


def add_four(store: Store, chats: list[int]) -> None:
    for n, severity in enumerate(SEVERITIES):
        add_alert(store, f"Story {n}: armed men seized aid workers", severity, chats, NOW, n=n)


async def test_most_severe_first_each_once_with_buttons_and_sound_as_documented(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    add_four(store, [1, 2])
    await drain(courier(store, bot), all_sent(store))
    for chat in (1, 2):
        assert severities_sent(fake_bot_api, chat) == ["critical", "high", "medium", "low"]
        by_severity = {m.plain_text.split(" ", 2)[1].lower(): m for m in fake_bot_api.sent_messages(chat)}
        assert by_severity["low"].disable_notification and not by_severity["medium"].disable_notification
        assert not by_severity["critical"].disable_notification
        for severity in SEVERITIES:
            markup = by_severity[severity].reply_markup
            has_button = markup is not None and markup["inline_keyboard"][0][0]["text"].endswith("Acknowledge")
            assert has_button == (severity in ("high", "critical")), severity
    rows = outbox(store)
    assert all(r["status"] == "sent" and r["message_id"] for r in rows)
    assert len(fake_bot_api.sent_messages()) == len(rows) == 8


async def test_bursts_of_429_are_waited_out_as_told_and_nothing_is_dropped(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    add_four(store, [1, 2, 3])
    fake_bot_api.fail_next("sendMessage", 2, status=429, retry_after=1)
    fake_bot_api.fail_next("sendMessage", 1, status=429, retry_after=2)
    await drain(courier(store, bot), all_sent(store))
    calls = fake_bot_api.calls("sendMessage")
    for flood in (c for c in calls if c.status == 429):
        told = 2 if "retry after 2" in (flood.error or "") else 1
        # Requests already on their way when the 429 came arrive within milliseconds; none may follow
        # until the time Telegram named has passed.
        early = [c for c in calls if flood.time + 0.1 < c.time < flood.time + told - 0.05]
        assert not early, f"{len(early)} requests within {told} s of a 429"
    assert sum(c.status == 429 for c in calls) == 3
    for chat in (1, 2, 3):
        assert severities_sent(fake_bot_api, chat) == ["critical", "high", "medium", "low"]


async def test_server_errors_are_retried_and_critical_still_goes_first(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    add_four(store, [1])
    fake_bot_api.fail_next("sendMessage", 2, status=500)
    fake_bot_api.fail_next("sendMessage", 1, status=502)
    fake_bot_api.fail_next("sendMessage", 1, status=503)
    await drain(courier(store, bot), all_sent(store))
    assert severities_sent(fake_bot_api, 1) == ["critical", "high", "medium", "low"]
    critical = next(r for r in outbox(store) if r["severity_rank"] == 4)
    assert critical["attempts"] == 5 and critical["uncertain"] == 0, "an error answer is not a maybe-delivered"


@pytest.mark.slow
async def test_a_15_second_outage_loses_nothing_and_does_not_hammer_telegram(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    add_four(store, [1, 2])
    fake_bot_api.outage(15)
    await drain(courier(store, bot), all_sent(store), timeout=90)
    calls = fake_bot_api.calls("sendMessage")
    failed = [c for c in calls if c.status == 502]
    assert failed and len(failed) <= 10, f"{len(failed)} requests during a 15 s outage"
    for chat in (1, 2):
        assert severities_sent(fake_bot_api, chat) == ["critical", "high", "medium", "low"]


async def test_a_blocked_chat_is_paused_admins_told_once_and_no_retry_storm(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.block_chat(2)
    add_four(store, [1, 2])
    worker = courier(store, bot)
    await drain(worker, all_sent(store))
    add_alert(store, "Another kidnapping on the airport road", "critical", [1, 2], NOW, n=9)
    await drain(worker, all_sent(store))
    assert len(fake_bot_api.sent_messages(1)) == 5
    assert len(fake_bot_api.calls("sendMessage")) == 5 + 1 + 1, "one try for the blocked chat, one notice"
    (notice,) = fake_bot_api.sent_messages(ADMIN)
    assert "Chat 2 can no longer get alerts" in notice.plain_text and "blocked" in notice.plain_text
    assert {r["status"] for r in outbox(store) if r["chat_id"] == 2} == {"paused"}

    fake_bot_api.unblock_chat(2)  # the officer unblocks and sends /subscribe again
    assert store.resume_chat(2, NOW) == 5
    await drain(worker, all_sent(store))
    assert severities_sent(fake_bot_api, 2) == ["critical", "critical", "high", "medium", "low"]


async def test_hostile_titles_and_a_10000_character_summary_arrive_intact(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    summary = "Gunmen <b>stormed</b> & looted; " * 400  # over 10,000 characters
    assert len(summary) > 10_000
    for n, title in enumerate(HOSTILE_TITLES):
        add_alert(store, title, "high", [1], NOW, n=n, summary=summary)
    await drain(courier(store, bot), all_sent(store))
    assert {r["status"] for r in outbox(store)} == {"sent"}, [r["last_error"] for r in outbox(store)]
    shown = [m.plain_text.splitlines()[1] for m in fake_bot_api.sent_messages(1)]
    for title in HOSTILE_TITLES:
        assert any(
            line.removesuffix("\u2026") in " ".join(title.split()) and line[:5] == " ".join(title.split())[:5]
            for line in shown
        ), title
    assert all("Gunmen <b>stormed</b> & looted;" in m.plain_text for m in fake_bot_api.sent_messages(1))


async def test_telegram_limits_are_kept_for_private_chats_and_channels(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.enforce_limits()
    chats = [*range(1, 11), -1001, -1002]
    for n in range(8):
        add_alert(store, f"Clash number {n} reported near the border crossing", SEVERITIES[n % 4], chats, NOW, n=n)
    await drain(courier(store, bot), all_sent(store))
    assert fake_bot_api.limit_violations == 0
    assert len(fake_bot_api.sent_messages()) == 8 * len(chats)


async def test_a_message_caught_mid_send_by_a_crash_goes_again_marked(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    add_alert(store, "Aid workers kidnapped near Kabul airport", "critical", [1], NOW)
    (row,) = store.due_messages(NOW)
    store.claim(row.id, "the attempt a kill interrupted", NOW)
    await drain(courier(store, bot), all_sent(store))
    (message,) = fake_bot_api.sent_messages(1)
    assert "you may have received this alert already" in message.plain_text


async def test_an_edit_row_rewrites_the_sent_message_and_keeps_its_button_or_acknowledgement(
    store: Store, bot: Bot, fake_bot_api: FakeBotApi
) -> None:
    alert_id = add_alert(store, "Aid workers kidnapped near Kabul airport", "critical", [1], NOW)
    worker = courier(store, bot)
    await drain(worker, all_sent(store))
    (sent,) = fake_bot_api.sent_messages(1)
    target = outbox(store)[0]["id"]

    def queue_edit(text: str) -> None:  # as alertbot/ingest_store.py writes one
        with store._transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
                "VALUES (?, 1, 'edit', 4, ?, ?, ?)",
                (alert_id, text, NOW.isoformat(), NOW.isoformat()),
            )
            db.execute("INSERT INTO outbox_edits (outbox_id, target_id) VALUES (?, ?)", (cursor.lastrowid, target))

    queue_edit("<b>Update</b>: the aid workers were found alive")
    await drain(worker, all_sent(store))
    edited = fake_bot_api.message(1, sent.message_id)
    assert edited.plain_text.startswith("Update: the aid workers") and edited.reply_markup is not None

    assert store.acknowledge(int(str(target)), 1, "Officer <A>", 1, NOW) is not None
    queue_edit("<b>Update 2</b>: all are safe")
    await drain(worker, all_sent(store))
    edited = fake_bot_api.message(1, sent.message_id)
    assert "Acknowledged by Officer <A>" in edited.plain_text and not has_ack_button(edited.reply_markup)
    assert len(fake_bot_api.sent_messages()) == 1
