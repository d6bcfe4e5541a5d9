"""Helpers for the delivery tests: a clock the test moves, and alerts put straight into the outbox.

The alerts are written with the store's own add_alert (the path a poll takes), so delivery is
tested without depending on what the classifier makes of a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alertbot.items import FeedItem
from alertbot.render import render_alert
from alertbot.store import Store
from classifiers import Prediction


@dataclass
class ManualClock:
    """The business clock of a test: it moves only when the test says so."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def item(title: str, *, summary: str = "Gunmen seized two aid workers.", n: int = 0) -> FeedItem:
    return FeedItem(
        feed_url="https://news.example.org/feed.xml",
        feed_name="Test News",
        guid=f"guid-{n}-{abs(hash(title))}",
        title=title,
        link=f"https://news.example.org/story/{n}",
        summary=summary,
        published=datetime(2026, 11, 27, 7, 40, tzinfo=UTC),
        language="en",
    )


def prediction(severity: str, category: str = "kidnapping") -> Prediction:
    return Prediction(
        id="x",
        category=category,
        severity=severity,
        score=0.9,
        country="Afghanistan",
        place="Kabul",
        why=("test",),
    )


def add_alert(
    store: Store, title: str, severity: str, chats: Sequence[int], now: datetime, *, n: int = 0, summary: str = ""
) -> int:
    feed_item = item(title, n=n, summary=summary or "Gunmen seized two aid workers.")
    guess = prediction(severity)
    text = render_alert(feed_item, guess, ("Kabul",))
    return store.add_alert(
        feed_item,
        category=guess.category,
        severity=severity,
        score=guess.score,
        country=guess.country,
        place=guess.place,
        regions=("Kabul",),
        why=guess.why,
        model_version="test",
        deliveries=[(chat, text) for chat in chats],
        now=now,
    )


def outbox(store: Store) -> list[dict[str, object]]:
    return list(store.outbox_rows())


def has_ack_button(markup: dict[str, Any] | None) -> bool:
    """Whether a sent message's markup still asks to be acknowledged (feedback buttons aside)."""
    rows = markup["inline_keyboard"] if markup else []
    return any(str(b.get("callback_data", "")).startswith("ack:") for row in rows for b in row)
