"""The pure parts of delivery: limits, quiet hours, trimming and escaping, digests, buttons, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from alertbot.ack import acknowledged_text, parse_callback, resent_text
from alertbot.digest import digest_texts
from alertbot.outbox import HeldAlert
from alertbot.quiet import QuietHours, QuietHoursError, held_by_quiet_hours, parse_quiet_hours, quiet_until, rings
from alertbot.ratelimit import Limits, SendLimiter
from alertbot.render import ALERT_BUDGET, TELEGRAM_TEXT_LIMIT, render_alert, utf16_len
from alertbot.store import Store
from classifiers.labels import SEVERITY_RANK
from tests.delivery_support import add_alert, item, prediction
from tests.fakes.tg_html import parse_html

HOSTILE_TITLES = [
    "<script>alert(1)</script> & <b>bold</b> </a> <a href='x'>",
    "*bold* _italic_ `code` [link](https://evil.example) ~strike~ ||spoiler|| \\",
    "&amp; &lt; &gt; &quot; &nbsp; &#x27; &copy; &#0;",
    "Tom & Jerry <3 > 2 \"quoted\" 'single' <<<>>> &&&",
    '<tg-spoiler>x</tg-spoiler><blockquote expandable>y</blockquote><pre><code class="l">',
    "\U0001f525" * 3000,
    "&" * 5000,
    "Ünïcödé – 中文 – العربية – עברית \u202e reversed \u200b zero-width",
]


# rate limits


def test_limiter_allows_thirty_a_second_then_makes_the_next_wait() -> None:
    limiter = SendLimiter(Limits(margin=0.0))
    for n in range(30):
        assert limiter.global_wait(n * 0.01) == 0
        limiter.charge(1000 + n, n * 0.01)
    assert limiter.global_wait(0.5) == pytest.approx(0.5)
    assert limiter.global_wait(1.0) == 0


def test_limiter_keeps_twenty_a_minute_per_group_but_not_per_private_chat() -> None:
    limiter = SendLimiter(Limits(margin=0.0))
    for n in range(20):
        limiter.charge(-100, n * 2.0)
        limiter.charge(7, n * 2.0)
    assert limiter.chat_wait(-100, 40.0) == pytest.approx(20.0)
    assert limiter.saturated(40.0) == {-100}
    assert limiter.reopens(40.0) == pytest.approx(20.0)
    assert limiter.chat_wait(7, 40.0) == 0
    assert limiter.chat_wait(-100, 60.0) == 0


def test_limiter_measures_a_send_from_when_it_ended_and_pauses_on_429() -> None:
    limiter = SendLimiter(Limits(per_second=1, margin=0.0))
    limiter.charge(5, 0.0)
    limiter.settle(5, 0.0, 0.8)  # Telegram saw it late: the window runs from then
    assert limiter.global_wait(1.0) == pytest.approx(0.8)
    limiter.pause(5, 2.0)
    assert limiter.global_wait(6.5) == pytest.approx(0.5)


# quiet hours


AMSTERDAM = QuietHours(time(22, 0), time(7, 0), "Europe/Amsterdam")


def test_quiet_hours_parse_and_refuse_clearly() -> None:
    assert parse_quiet_hours(["22:00-07:00", "Europe/Amsterdam"]) == AMSTERDAM
    assert parse_quiet_hours(["13:00-14:30"]).zone == "UTC"
    for words, problem in [
        ([], "give a range"),
        (["22:00"], "not a range"),
        (["25:00-07:00", "UTC"], "not a time"),
        (["22:00-22:00", "UTC"], "different times"),
        (["22:00-07:00", "Mars/Olympus"], "not a time zone"),
    ]:
        with pytest.raises(QuietHoursError, match=problem):
            parse_quiet_hours(words)


def test_quiet_hours_over_midnight_in_the_subscribers_zone() -> None:
    # 23:30 in Amsterdam (winter, UTC+1) is 22:30 UTC: quiet until 07:00 local = 06:00 UTC.
    assert quiet_until(AMSTERDAM, datetime(2026, 11, 27, 22, 30, tzinfo=UTC)) == datetime(
        2026, 11, 28, 6, 0, tzinfo=UTC
    )
    # 03:00 local: the same night's end, today.
    assert quiet_until(AMSTERDAM, datetime(2026, 11, 28, 2, 0, tzinfo=UTC)) == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    # 21:30 local and 07:00 local: not quiet.
    assert quiet_until(AMSTERDAM, datetime(2026, 11, 27, 20, 30, tzinfo=UTC)) is None
    assert quiet_until(AMSTERDAM, datetime(2026, 11, 28, 6, 0, tzinfo=UTC)) is None


def test_quiet_hours_follow_daylight_saving_time() -> None:
    # The night of 28-29 March 2026 the clocks go forward: 07:00 local is 05:00 UTC that morning.
    assert quiet_until(AMSTERDAM, datetime(2026, 3, 28, 23, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_only_low_and_medium_are_held_and_low_never_rings() -> None:
    night = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert held_by_quiet_hours(SEVERITY_RANK["medium"], AMSTERDAM, night) is not None
    assert held_by_quiet_hours(SEVERITY_RANK["high"], AMSTERDAM, night) is None
    assert held_by_quiet_hours(SEVERITY_RANK["critical"], AMSTERDAM, night) is None
    assert held_by_quiet_hours(SEVERITY_RANK["low"], None, night) is None
    assert not rings(SEVERITY_RANK["low"]) and rings(SEVERITY_RANK["medium"]) and rings(SEVERITY_RANK["critical"])


# rendering: nothing too long, nothing that breaks the HTML


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_render_to_valid_html_within_the_budget(title: str) -> None:
    text = render_alert(item(title, summary="x" * 10_000 + " <i>" + title), prediction("critical"), ("Kabul",))
    assert utf16_len(text) <= ALERT_BUDGET
    plain, _ = parse_html(text)  # the fake's parser, which is as strict as Telegram's
    shown = plain.splitlines()[1]
    assert shown.removesuffix("\u2026") in " ".join(title.split()), "the title is shown as typed, only shortened"
    assert utf16_len(acknowledged_text(text, "<Officer> & co", datetime(2026, 1, 1, tzinfo=UTC))) <= TELEGRAM_TEXT_LIMIT
    assert utf16_len(resent_text(text)) <= TELEGRAM_TEXT_LIMIT
    parse_html(acknowledged_text(text, "<Officer> & co", datetime(2026, 1, 1, tzinfo=UTC)))


def test_a_digest_splits_into_numbered_parts_and_leaves_nothing_out() -> None:
    held = [
        HeldAlert(n, n, "medium", "unrest", f"<Protest> number {n} " + "&" * 250, f"https://x.example/{n}", None, None)
        for n in range(60)
    ]
    texts = digest_texts(held)
    assert len(texts) > 1 and all("(1/" in texts[0] for _ in [0])
    joined = "".join(parse_html(t)[0] for t in texts)
    assert all(f"<Protest> number {n}\u2026" in joined for n in range(60))
    assert all(utf16_len(t) <= TELEGRAM_TEXT_LIMIT for t in texts)


def test_callback_data_is_not_trusted() -> None:
    assert parse_callback("ack:42") == 42
    for bad in (None, "", "ack:", "ack:-1", "ack:1e5", "fb:1:right", "ack:" + "9" * 40):
        assert parse_callback(bad) is None


# the outbox


def test_a_first_version_outbox_is_migrated_without_losing_a_row(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE alerts (id INTEGER PRIMARY KEY, feed_url TEXT NOT NULL, guid TEXT NOT NULL, title TEXT NOT NULL,
            link TEXT NOT NULL, summary TEXT NOT NULL, language TEXT, published TEXT, category TEXT NOT NULL,
            severity TEXT NOT NULL, score REAL NOT NULL, country TEXT, place TEXT, regions TEXT NOT NULL,
            why TEXT NOT NULL, model_version TEXT NOT NULL, created TEXT NOT NULL);
        CREATE TABLE outbox (id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL REFERENCES alerts(id),
            chat_id INTEGER NOT NULL, severity_rank INTEGER NOT NULL, text TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, next_attempt TEXT NOT NULL,
            last_error TEXT, message_id INTEGER, created TEXT NOT NULL, sent_at TEXT, UNIQUE (alert_id, chat_id));
        INSERT INTO alerts VALUES (1, 'f', 'g', 't', 'l', 's', 'en', NULL, 'kidnapping', 'high', 0.9, NULL, NULL,
            '[]', '[]', 'v', '2026-01-01T00:00:00+00:00');
        INSERT INTO outbox (alert_id, chat_id, severity_rank, text, status, message_id, next_attempt, created)
            VALUES (1, 5, 3, 'sent one', 'sent', 77, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
                   (1, 6, 3, 'owed one', 'pending', NULL, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');
        """
    )
    db.close()
    store = Store(path)
    rows = list(store.outbox_rows())
    assert [(r["chat_id"], r["status"], r["message_id"], r["kind"]) for r in rows] == [
        (5, "sent", 77, "alert"),
        (6, "pending", None, "alert"),
    ]
    assert [m.chat_id for m in store.due_messages(datetime(2026, 1, 2, tzinfo=UTC))] == [6]
    store.close()


def test_claimed_messages_go_back_marked_uncertain_after_a_crash(tmp_path: Path) -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    store = Store(tmp_path / "a.sqlite3")
    add_alert(store, "Aid workers kidnapped near Kabul airport", "critical", [1, 2], now)
    first, second = store.due_messages(now)
    assert store.claim(first.id, "attempt-1", now)
    assert not store.claim(first.id, "attempt-2", now), "a claimed message cannot be claimed twice"
    store.mark_sent(second.id, 10, now)
    store.close()

    store = Store(tmp_path / "a.sqlite3")  # the process died between claim and answer
    assert store.recover_interrupted() == 1
    (again,) = store.due_messages(now)
    assert again.id == first.id and again.uncertain
    store.close()


def test_pausing_a_chat_tells_the_admins_once(tmp_path: Path) -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    store = Store(tmp_path / "a.sqlite3")
    add_alert(store, "Aid workers kidnapped near Kabul airport", "high", [1, 2], now)
    assert store.pause_chat(2, "Forbidden: bot was blocked by the user", now, [(99, "chat 2 blocked us")])
    assert not store.pause_chat(2, "Forbidden: bot was blocked by the user", now, [(99, "chat 2 blocked us")])
    due = store.due_messages(now)
    assert sorted((m.chat_id, m.kind) for m in due) == [(1, "alert"), (99, "notice")]
    add_alert(store, "Second kidnapping reported near Kabul airport", "high", [2], now, n=1)
    assert store.park_paused() == 1
    assert store.resume_chat(2, now) == 2
    store.close()
