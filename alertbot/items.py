"""The plain values that travel through a poll: feeds fetched, items parsed, alerts decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from classifiers import Prediction

FetchStatus = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the store remembers of a feed between polls (for conditional GET and /status)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_ok: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    entries: int = 0


@dataclass(frozen=True, slots=True)
class Fetched:
    """One feed's HTTP answer: bytes and headers only; parsing is someone else's job."""

    url: str
    status: FetchStatus
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    http_status: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One feed entry, normalised: plain text, UTC date, canonical link."""

    feed_url: str
    feed_name: str
    guid: str
    title: str
    link: str
    summary: str
    published: datetime | None
    language: str | None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    url: str
    items: tuple[FeedItem, ...]
    problem: str | None = None  # what feedparser complained of, even when it recovered items
    entries: int = 0  # entries feedparser found, before those with nothing to read were dropped


@dataclass(frozen=True, slots=True)
class Alert:
    """An item judged to be an incident, with the regions it falls in."""

    item: FeedItem
    prediction: Prediction
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who wants what: a chat, its regions (empty: all) and its minimum severity."""

    chat_id: int
    regions: tuple[str, ...]
    min_severity: str
    active: bool = True
    kind: Literal["chat", "channel", "terminal"] = "chat"


# Ingestion health: backoff and the admins' alarm, kept apart from FeedState so the spine's
# conditional-GET record stays as it was.


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """When a feed may be polled again, and whether the admins were told it keeps failing."""

    url: str
    next_poll: datetime | None = None  # None: on the feed's own interval
    backoff: float = 0.0  # seconds of the backoff now in force
    alarm_at: datetime | None = None  # when the admins were told; None: not told (or recovered)
    items: int = 0  # new items taken from this feed, all time
