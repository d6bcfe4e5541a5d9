"""One poll cycle over some feeds: fetch, parse, drop what was seen, classify, decide, store.

Plain async code over injected parts (fetcher, parser, store, classifier); the caller passes the
time. Nothing here knows Telegram: what is to be sent lands in the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from alertbot.config import Config, FeedConfig
from alertbot.decide import channel_subscriptions, recipients, regions_of
from alertbot.fetch import Fetcher
from alertbot.items import FeedItem, Fetched, ParsedFeed, Subscription
from alertbot.parse import FeedParser
from alertbot.render import render_alert
from alertbot.store import Store
from classifiers import Article, Prediction


class IncidentClassifier(Protocol):
    @property
    def version(self) -> str: ...

    def classify(self, articles: Sequence[Article]) -> list[Prediction]: ...


@dataclass(frozen=True, slots=True)
class FeedReport:
    url: str
    name: str
    status: str
    entries: int = 0
    new: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DecidedAlert:
    item: FeedItem
    prediction: Prediction
    regions: tuple[str, ...]
    recipients: tuple[int, ...]
    alert_id: int | None = None


@dataclass(slots=True)
class PollReport:
    feeds: list[FeedReport] = field(default_factory=list)
    alerts: list[DecidedAlert] = field(default_factory=list)
    new_items: int = 0


def article_of(item: FeedItem) -> Article:
    return Article(id=item.guid, title=item.title, summary=item.summary, language=item.language)


class Poller:
    def __init__(
        self,
        *,
        config: Config,
        store: Store,
        fetcher: Fetcher,
        parser: FeedParser,
        classifier: IncidentClassifier,
        extra_subscribers: Sequence[Subscription] = (),
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.parser = parser
        self.classifier = classifier
        self.extra_subscribers = tuple(extra_subscribers)

    async def poll(self, feeds: Sequence[FeedConfig], *, now: datetime, dry_run: bool = False) -> PollReport:
        fetched = await asyncio.gather(*(self.fetcher.fetch(f.url, self.store.feed_state(f.url)) for f in feeds))
        parsed = await asyncio.gather(*(self._parse(feed, result) for feed, result in zip(feeds, fetched, strict=True)))
        # From here to the end there is no await: seen-checks and marking happen as one step, so two
        # feed jobs running side by side cannot both let the same story through.
        return self._decide(feeds, fetched, parsed, now=now, dry_run=dry_run)

    async def _parse(self, feed: FeedConfig, fetched: Fetched) -> ParsedFeed | None:
        if fetched.status != "ok":
            return None
        return await self.parser.parse(fetched, feed_name=feed.name, language=feed.language)

    def _decide(
        self,
        feeds: Sequence[FeedConfig],
        fetched: Sequence[Fetched],
        parsed: Sequence[ParsedFeed | None],
        *,
        now: datetime,
        dry_run: bool,
    ) -> PollReport:
        report = PollReport()
        all_new: list[FeedItem] = []
        batch_keys: set[str] = set()
        for feed, result, feed_items in zip(feeds, fetched, parsed, strict=True):
            items = feed_items.items if feed_items else ()
            new = self.store.unseen(items, batch_keys)
            all_new.extend(new)
            problem = feed_items.problem if feed_items else None
            status = result.status
            error = result.error
            if feed_items is not None and not items and problem:
                status, error = "error", problem
            report.feeds.append(FeedReport(feed.url, feed.name, status, len(items), len(new), error))
            if not dry_run:
                self.store.record_fetch(result, len(items) if feed_items else None, problem, now)
        report.new_items = len(all_new)
        if not all_new:
            return report
        predictions = self.classifier.classify([article_of(item) for item in all_new])
        subscribers = [
            *self.store.subscriptions(),
            *channel_subscriptions(self.config.channels),
            *self.extra_subscribers,
        ]
        for item, prediction in zip(all_new, predictions, strict=True):
            if not prediction.is_incident:
                continue
            regions = regions_of(prediction, self.config.regions)
            chats = tuple(recipients(prediction.severity, regions, subscribers))
            alert_id = None
            if not dry_run:
                text = render_alert(item, prediction, regions)
                alert_id = self.store.add_alert(
                    item,
                    category=prediction.category,
                    severity=prediction.severity,
                    score=prediction.score,
                    country=prediction.country,
                    place=prediction.place,
                    regions=regions,
                    why=prediction.why,
                    model_version=self.classifier.version,
                    deliveries=[(chat, text) for chat in chats],
                    now=now,
                )
            report.alerts.append(DecidedAlert(item, prediction, regions, chats, alert_id))
        if not dry_run:
            self.store.mark_seen(all_new, now)
        return report
