"""One poll cycle over some feeds: fetch, parse, drop what was seen, classify, join incidents, store.

Plain async code over injected parts (fetcher, parser, store, classifier, jitter); the caller
passes the time. Nothing here knows Telegram: what is to be sent lands in the outbox.

Everything overlaps: feeds go to the worker pool in batches as soon as their bytes are in, so the
slowest host does not hold up the parsing of the others, and each parsed batch is classified and
settled (stored, placed in incidents, marked seen) while the workers parse the next ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from alertbot.config import Config, FeedConfig
from alertbot.decide import channel_subscriptions, recipients, regions_of
from alertbot.feed_health import alarm_notices, in_backoff, judge, recovery_notices
from alertbot.fetch import Fetcher
from alertbot.incident_text import render_incident
from alertbot.incidents import (
    WINDOW,
    Incident,
    PlannedMessage,
    Report,
    canonical_place,
    find_incident,
    join,
    open_incident,
    plan_messages,
    report_of,
)
from alertbot.ingest_store import AlertFacts
from alertbot.items import FeedHealth, FeedItem, FeedState, Fetched, ParsedFeed, Subscription
from alertbot.parse import BATCH_BYTES, BATCH_FEEDS, FeedParser, ParseJob
from alertbot.store import Store, seen_keys
from classifiers import Article, Prediction

log = logging.getLogger(__name__)

Jitter = Callable[[], float]
CLASSIFY_CHUNK = 512
"""Items classified between two turns of the event loop (about 60 ms of work: smaller chunks cost
more per item, as each pays the model's fixed cost). Classifying in the loop, in chunks, keeps
Telegram flowing; in a thread it starved the loop instead, as the loop waited for the interpreter
lock after every socket call (and cost 10% more CPU)."""


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
    recipients: tuple[int, ...]  # chats that get a new message for this item
    alert_id: int | None = None
    incident_id: int | None = None
    joined: bool = False  # the item joined an incident already known
    sources: int = 1
    edits: tuple[int, ...] = ()  # chats whose message about the incident is brought up to date


@dataclass(slots=True)
class PollReport:
    feeds: list[FeedReport] = field(default_factory=list)
    alerts: list[DecidedAlert] = field(default_factory=list)
    new_items: int = 0
    held: int = 0  # new items the classifier failed on: not marked seen, tried again next poll


def article_of(item: FeedItem) -> Article:
    return Article(id=item.guid, title=item.title, summary=item.summary, language=item.language)


def _half() -> float:
    return 0.5


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
        jitter: Jitter = _half,
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.parser = parser
        self.classifier = classifier
        self.extra_subscribers = tuple(extra_subscribers)
        self.jitter = jitter  # in [0, 1); the service injects a random source, tests a fixed one
        self._names = {feed.url: feed.name for feed in config.feeds}

    def due(self, feeds: Sequence[FeedConfig], now: datetime) -> list[FeedConfig]:
        """The feeds not in backoff after errors; the others wait for their next poll time.

        The service's feed jobs ask this; `alertbot poll --once` does not: a person asked for a poll now."""
        healths = self.store.feed_healths()
        return [f for f in feeds if not (f.url in healths and in_backoff(healths[f.url].next_poll, now))]

    async def poll(self, feeds: Sequence[FeedConfig], *, now: datetime, dry_run: bool = False) -> PollReport:
        run = _PollRun(self, feeds, now=now, dry_run=dry_run)
        parsing: list[asyncio.Task[None]] = []
        waiting: list[int] = []
        waiting_bytes = 0

        async def fetch(index: int) -> int:
            feed = feeds[index]
            run.fetched[index] = await self.fetcher.fetch(feed.url, run.states.get(feed.url))
            return index

        async def parse(indexes: list[int]) -> None:
            jobs = [ParseJob(run.got(i), feeds[i].name, feeds[i].language) for i in indexes]
            results = await self.parser.parse_many(jobs)
            for index in indexes:
                # The bytes are parsed; what is left to record needs only status and validators.
                run.fetched[index] = replace(run.got(index), body=b"")
            await run.take(indexes, results)

        unchanged: list[int] = []  # not modified or failed: nothing to parse, only to record

        def record_unchanged() -> None:
            run.settle(unchanged, [None] * len(unchanged))
            unchanged.clear()

        def flush() -> None:
            nonlocal waiting_bytes
            # In the config's order, not the order of arrival: which report opens an incident and
            # which joins it should not depend on which server answered first.
            parsing.append(asyncio.create_task(parse(sorted(waiting))))
            waiting.clear()
            waiting_bytes = 0

        try:
            for done in asyncio.as_completed([fetch(i) for i in range(len(feeds))]):
                index = await done
                result = run.got(index)
                if result.status != "ok":
                    unchanged.append(index)
                    if len(unchanged) >= BATCH_FEEDS:
                        record_unchanged()
                    continue
                waiting.append(index)
                waiting_bytes += len(result.body)
                if len(waiting) >= BATCH_FEEDS or waiting_bytes >= BATCH_BYTES:
                    flush()
            if waiting:
                flush()
            if unchanged:
                record_unchanged()
            run.fetching_done.set()
            await asyncio.gather(*parsing)
        finally:
            for task in parsing:
                task.cancel()
        return run.report()

    def classify(self, items: Sequence[FeedItem]) -> list[Prediction | None]:
        """Verdicts in order; None for an item the classifier fails on (a bug for one odd text).

        Such an item is held back, not marked seen, and tried again at the next poll, so that it
        is neither lost nor in the way of the others' alerts."""
        articles = [article_of(item) for item in items]
        try:
            return list(self.classifier.classify(articles))
        except Exception:  # whatever it was, it is found again and logged item by item below
            if len(articles) == 1:
                log.exception("the classifier failed on %r (%s); held for the next poll", items[0].title, items[0].link)
                return [None]
            return [verdict for item in items for verdict in self.classify([item])]

    def _record_health(
        self,
        feed: FeedConfig,
        result: Fetched,
        before: FeedHealth,
        *,
        failed: bool,
        error: str | None,
        new: int,
        now: datetime,
    ) -> None:
        failures = self.store.feed_state(feed.url).failures if failed else 0
        verdict = judge(
            failed=failed,
            failures=failures,
            interval=feed.interval,
            retry_after=result.retry_after,
            jitter=self.jitter(),
            now=now,
        )
        if failed or new or before.next_poll is not None:  # a healthy feed with nothing new changes nothing
            self.store.record_health(feed.url, next_poll=verdict.next_poll, backoff=verdict.backoff, new_items=new)
        admins = self.config.telegram.admins
        if verdict.alarm:
            notices = alarm_notices(
                admins, name=feed.name, url=feed.url, failures=failures, error=error, backoff=verdict.backoff
            )
            if self.store.raise_feed_alarm(feed.url, notices, now):
                log.warning("feed %s failed %d times in a row; admins told: %s", feed.name, failures, error)
        elif not failed and before.alarm_at is not None:
            self.store.clear_feed_alarm(feed.url, recovery_notices(admins, name=feed.name), now)

    def feed_name(self, url: str) -> str:
        return self._names.get(url, url)


TextKey = tuple[str, str, str | None]


class _PollRun:
    """One poll's state: each parsed batch of feeds is classified, then settled, while the parse
    workers go on with the next batches, so no big step is left to run alone at the end.

    Settling (the seen-check that counts, placing incidents, marking seen) is one synchronous step
    per batch: two batches, or two feed jobs running side by side, cannot both let the same story
    through. Classifying runs before it, in the event loop in chunks (see CLASSIFY_CHUNK); what it
    classifies is a read-only guess at what is new, by text, so a story that comes in from two
    feeds is classified once.
    """

    def __init__(self, poller: Poller, feeds: Sequence[FeedConfig], *, now: datetime, dry_run: bool) -> None:
        self.poller = poller
        self.store = poller.store
        self.feeds = feeds
        self.now = now
        self.dry_run = dry_run
        self.fetched: list[Fetched | None] = [None] * len(feeds)
        self.fetching_done = asyncio.Event()
        self.healths = {} if dry_run else self.store.feed_healths()
        self.states = self.store.feed_states()  # one query for the validators of every feed
        self._taken: set[str] = set()  # seen keys of the new items settled so far in this poll
        self._predicted: dict[TextKey, Prediction | None] = {}
        self._classifying: dict[TextKey, asyncio.Task[None]] = {}
        self._feed_reports: dict[int, FeedReport] = {}
        self._alerts: list[DecidedAlert] = []
        self._new_items = 0
        self._held = 0
        self._placer: _IncidentPlacer | None = None

    def got(self, index: int) -> Fetched:
        fetched = self.fetched[index]
        assert fetched is not None
        return fetched

    async def take(self, indexes: Sequence[int], parsed: Sequence[ParsedFeed]) -> None:
        """Classify what looks new in a parsed batch, then settle the batch.

        Only once every feed is fetched: fetching is a small part of the work but feeds the parse
        workers, and a fetch needs many turns of the event loop, which classifying would take.
        The poll ends with its slowest feed in any case."""
        await self.fetching_done.wait()
        items = [item for result in parsed for item in result.items]
        keys = _SeenKeys(items)
        fresh: dict[TextKey, FeedItem] = {}
        waits: set[asyncio.Task[None]] = set()
        unseen = self.store.unseen(items, None, keys)
        for item in unseen:
            key = _text_key(item)
            if key in self._predicted:
                continue
            running = self._classifying.get(key)
            if running is not None:
                waits.add(running)
            else:
                fresh.setdefault(key, item)
        if fresh:
            task = asyncio.create_task(self._classify(list(fresh.values())))
            self._classifying.update(dict.fromkeys(fresh, task))
            waits.add(task)
        if waits:
            await asyncio.gather(*waits)
        # What was seen before stays seen: settling asks the store about the rest only.
        self.settle(indexes, parsed, keys, maybe_new={id(item) for item in unseen})

    async def _classify(self, batch: list[FeedItem]) -> None:
        for start in range(0, len(batch), CLASSIFY_CHUNK):
            chunk = batch[start : start + CLASSIFY_CHUNK]
            for item, prediction in zip(chunk, self.poller.classify(chunk), strict=True):
                key = _text_key(item)
                self._predicted[key] = prediction
                self._classifying.pop(key, None)
            await asyncio.sleep(0)

    def settle(
        self,
        indexes: Sequence[int],
        parsed: Sequence[ParsedFeed | None],
        keys: _SeenKeys | None = None,
        maybe_new: set[int] | None = None,
    ) -> None:
        """Record feeds, place their new incident items, mark them seen: one step, no await, and
        one transaction, so that a crash cannot leave alerts of items not marked seen."""
        if self.dry_run:
            self._settle(indexes, parsed, keys, maybe_new)
            return
        with self.store.unit():
            self._settle(indexes, parsed, keys, maybe_new)

    def _settle(
        self,
        indexes: Sequence[int],
        parsed: Sequence[ParsedFeed | None],
        keys: _SeenKeys | None,
        maybe_new: set[int] | None,
    ) -> None:
        if keys is None:
            keys = _SeenKeys([item for result in parsed if result for item in result.items])
        # One question to the store for the whole batch, in the feeds' order, so that an item in
        # two feeds is new in the first of them only, as if asked feed by feed.
        asked = [
            item
            for feed_items in parsed
            if feed_items
            for item in feed_items.items
            if maybe_new is None or id(item) in maybe_new
        ]
        new_items = self.store.unseen(asked, self._taken, keys)
        new_ids = {id(item) for item in new_items}
        for index, feed_items in zip(indexes, parsed, strict=True):
            feed, result = self.feeds[index], self.got(index)
            items = feed_items.items if feed_items else ()
            new = [item for item in items if id(item) in new_ids]
            problem = feed_items.problem if feed_items else None
            status, error = result.status, result.error
            if feed_items is not None and not items and problem:
                status, error = "error", problem
            self._feed_reports[index] = FeedReport(feed.url, feed.name, status, len(items), len(new), error)
            if not self.dry_run:
                known = self.states.get(feed.url, FeedState(url=feed.url))
                self.store.record_fetch(result, len(items) if feed_items else None, problem, self.now, known)
                before = self.healths.get(feed.url, FeedHealth(url=feed.url))
                self.poller._record_health(
                    feed, result, before, failed=status == "error", error=error, new=len(new), now=self.now
                )
        verdicts = [(item, self._verdict(item)) for item in new_items]
        new_items = [item for item, verdict in verdicts if verdict is not None]
        self._held += len(verdicts) - len(new_items)
        self._new_items += len(new_items)
        incidents = [(item, p) for item, p in verdicts if p is not None and p.is_incident]
        if incidents:
            placer = self._placer_for([_when(item, self.now) for item, _ in incidents])
            self._alerts.extend(placer.place(item, prediction) for item, prediction in incidents)
        if new_items and not self.dry_run:
            self.store.mark_seen(new_items, self.now, keys)

    def _verdict(self, item: FeedItem) -> Prediction | None:
        key = _text_key(item)
        if key not in self._predicted:
            # Cannot happen: an item new now was new when its batch was taken, and taking waited
            # for its verdict. Classified here all the same rather than lost.
            self._predicted[key] = self.poller.classify([item])[0]
        return self._predicted[key]

    def _placer_for(self, times: Sequence[datetime]) -> _IncidentPlacer:
        if self._placer is None:
            subscribers = [
                *self.store.subscriptions(),
                *channel_subscriptions(self.poller.config.channels),
                *self.poller.extra_subscribers,
            ]
            self._placer = _IncidentPlacer(self.poller, subscribers, self.now, self.dry_run)
        self._placer.cover(min(times) - WINDOW)
        return self._placer

    def report(self) -> PollReport:
        feeds = [self._feed_reports[i] for i in range(len(self.feeds)) if i in self._feed_reports]
        return PollReport(feeds=feeds, alerts=self._alerts, new_items=self._new_items, held=self._held)


class _SeenKeys:
    """seen_keys per item of one batch, computed once: a poll asks about each item up to three times.

    Keyed by identity, which is safe only while the items live: the batch's items are held here,
    so that a freed item's id, reused by a later one, cannot hand it the wrong keys."""

    def __init__(self, items: Sequence[FeedItem]) -> None:
        self._items = items
        self._keys: dict[int, tuple[str, ...]] = {}

    def __call__(self, item: FeedItem) -> tuple[str, ...]:
        found = self._keys.get(id(item))
        if found is None:
            found = self._keys[id(item)] = seen_keys(item)
        return found


def _text_key(item: FeedItem) -> TextKey:
    """What a verdict depends on: the classifier reads the title, the summary and the language."""
    return item.title, item.summary, item.language


def _when(item: FeedItem, now: datetime) -> datetime:
    """The time a report speaks for: its date, unless it has none or claims the future."""
    return min(item.published, now) if item.published else now


class _IncidentPlacer:
    """Puts each new incident item into an incident (its own or an earlier one), within one poll."""

    def __init__(
        self,
        poller: Poller,
        subscribers: Sequence[Subscription],
        now: datetime,
        dry_run: bool,
    ) -> None:
        self.poller = poller
        self.store = poller.store
        self.subscribers = subscribers
        self.now = now
        self.dry_run = dry_run
        self.recent: dict[int, Incident] = {}
        self._since: datetime | None = None
        self.leads: dict[int, tuple[FeedItem, Prediction]] = {}
        self.sources: dict[int, list[str]] = {}
        self._dry_ids = 0

    def cover(self, since: datetime) -> None:
        """Know the stored incidents since this time too; those known already keep their updates."""
        if self._since is None or since < self._since:
            for incident in self.store.recent_incidents(since):
                self.recent.setdefault(incident.id, incident)
            self._since = since

    def place(self, item: FeedItem, prediction: Prediction) -> DecidedAlert:
        place = canonical_place(prediction.place, self.poller.config.regions)
        report = report_of(item, prediction, place=place, when=_when(item, self.now))
        found = find_incident(report, self.recent.values())
        if found is None:
            return self._open(item, prediction, report)
        return self._join(item, prediction, report, found)

    def _facts(self, prediction: Prediction, regions: Sequence[str], severity: str) -> AlertFacts:
        return AlertFacts(
            category=prediction.category,
            severity=severity,
            score=prediction.score,
            country=prediction.country,
            place=prediction.place,
            regions=regions,
            why=prediction.why,
            model_version=self.poller.classifier.version,
        )

    def _open(self, item: FeedItem, prediction: Prediction, report: Report) -> DecidedAlert:
        regions = regions_of(prediction, self.poller.config.regions)
        chats = tuple(recipients(prediction.severity, regions, self.subscribers))
        incident = open_incident(report)
        text = render_incident(item, prediction, regions, incident=incident, source_names=[item.feed_name])
        alert_id = None
        if self.dry_run:
            self._dry_ids -= 1
            incident_id = self._dry_ids
        else:
            messages = [PlannedMessage(chat, "send") for chat in chats]
            facts = self._facts(prediction, regions, prediction.severity)
            alert_id, incident_id = self.store.add_incident_report(
                item, facts, incident, messages=messages, text=text, now=self.now
            )
        self.recent[incident_id] = replace(incident, id=incident_id, lead_alert_id=alert_id)
        self.leads[incident_id] = (item, prediction)
        self.sources[incident_id] = [item.feed_name]
        return DecidedAlert(item, prediction, regions, chats, alert_id, incident_id)

    def _join(self, item: FeedItem, prediction: Prediction, report: Report, found: Incident) -> DecidedAlert:
        joined = join(found, report).incident
        lead, lead_prediction = self._lead(found)
        merged = replace(
            lead_prediction,
            severity=joined.severity,
            place=lead_prediction.place or joined.place,
            country=lead_prediction.country or joined.country,
        )
        regions = regions_of(merged, self.poller.config.regions)
        chats = recipients(joined.severity, regions, self.subscribers)
        names = [*self._source_names(found.id), item.feed_name]
        text = render_incident(lead, lead_prediction, regions, incident=joined, source_names=names, latest=item)
        prior = {} if self.dry_run or found.id < 0 else self.store.incident_messages(found.id)
        messages = plan_messages(chats, prior, joined.severity)
        alert_id = None
        if not self.dry_run:
            facts = self._facts(prediction, regions, prediction.severity)
            alert_id, _ = self.store.add_incident_report(
                item, facts, joined, messages=messages, text=text, now=self.now
            )
        self.recent[found.id] = joined
        self.sources[found.id] = names
        return DecidedAlert(
            item,
            prediction,
            regions,
            tuple(m.chat_id for m in messages if m.plan == "send"),
            alert_id,
            found.id,
            joined=True,
            sources=joined.sources,
            edits=tuple(m.chat_id for m in messages if m.plan != "send"),
        )

    def _lead(self, incident: Incident) -> tuple[FeedItem, Prediction]:
        if incident.id not in self.leads and incident.lead_alert_id is not None:
            stored = self.store.alert_source(incident.lead_alert_id)
            if stored is not None:
                item, prediction = stored
                self.leads[incident.id] = (replace(item, feed_name=self.poller.feed_name(item.feed_url)), prediction)
        return self.leads[incident.id]

    def _source_names(self, incident_id: int) -> list[str]:
        if incident_id not in self.sources:
            self.sources[incident_id] = [
                self.poller.feed_name(s.feed_url) for s in self.store.incident_sources(incident_id)
            ]
        return self.sources[incident_id]
