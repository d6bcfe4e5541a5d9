"""Feed bytes into FeedItems, in a pool of worker processes.

feedparser is pure Python and CPU-bound: run in the event loop it would stall Telegram, and in
threads it would hold the GIL. A process pool keeps the loop free and uses every core. feedparser
only ever sees bytes and headers, never a URL, so it cannot fetch anything by itself.

Entity expansion ("billion laughs") cannot blow up here: feedparser strips the DOCTYPE and keeps
only plain-text entity declarations before expat sees the document, expat (2.4.1 and later) stops
any remaining amplification, and the loose fallback parser leaves unknown entities as they are;
tests/test_ingest_hostile.py proves it on the bytes.

Feeds travel to the workers in batches and come back as plain tuples, not dataclasses: with
hundreds of feeds a poll, one task and one pickled object per feed would cost more than parsing.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import TracebackType
from typing import Any

import feedparser

from alertbot.items import FeedItem, Fetched, ParsedFeed
from alertbot.normalise import feed_language, normalise_entry

# Languages we expect in feeds; restricting the detector avoids exotic guesses on short headlines.
DETECTABLE_LANGUAGES = ("en", "nl", "fr", "de", "es", "pt", "it", "ar", "fa", "ps", "ur", "ru", "tr")
# A batch for one worker task: enough feeds to make the round trip worth it, small enough that
# both workers get work and the first results come back early.
BATCH_BYTES = 512 * 1024
BATCH_FEEDS = 16
# Workers yield the CPU to the service process: its event loop answers Telegram and runs the rest
# of the poll (fetching, classifying, storing), and with two workers and the service on two cores
# an equal share would slow that critical path to two thirds of a core. Parsing is batch work.
WORKER_NICENESS = 10

# (guid, title, link, summary, published as a POSIX timestamp, language): what a worker returns per item.
ItemRow = tuple[str, str, str, str, float | None, str | None]
ParsedRows = tuple[tuple[ItemRow, ...], str | None, int]  # items, problem, entries feedparser found


@dataclass(frozen=True, slots=True)
class ParseJob:
    """One fetched feed to parse, with what the config says of it."""

    fetched: Fetched
    feed_name: str
    language: str | None


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTABLE_LANGUAGES))
    return identifier


def detect_language(text: str) -> str | None:
    if len(text) < 12:
        return None
    try:
        code, probability = _language_identifier().classify(text)
    except Exception:  # noqa: BLE001 - a guess we cannot make is no reason to lose the item
        return None
    return str(code) if probability >= 0.5 else None


def parse_rows(body: bytes, headers: Mapping[str, str], *, language: str | None) -> ParsedRows:
    """Parse one feed document into item rows; what a broken (bozo) feed still holds is kept."""
    try:
        # A stream, not bytes: given bytes, feedparser first tries them as a file name to open.
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=dict(headers), sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # noqa: BLE001 - feedparser can raise nearly anything on hostile bytes
        return (), f"unparseable feed: {type(exc).__name__}: {exc}", 0
    default_language = language or feed_language(parsed.get("feed", {}))
    rows: list[ItemRow] = []
    entries = parsed.get("entries", [])
    for entry in entries:
        try:
            item = normalise_entry(entry, feed_url="", feed_name="", language=default_language)
            if item is None:
                continue
            item_language = item.language or detect_language(item.text)
        except Exception:  # noqa: BLE001, S112 - one odd entry must not cost the others
            continue
        published = item.published.timestamp() if item.published else None
        rows.append((item.guid, item.title, item.link, item.summary, published, item_language))
    problem = None
    if parsed.get("bozo"):
        cause = parsed.get("bozo_exception")
        problem = f"{type(cause).__name__}: {cause}" if cause else "malformed feed"
        if not rows:
            problem = f"no entries: {problem}"
    return tuple(rows), problem, len(entries)


def parsed_feed(rows: ParsedRows, *, feed_url: str, feed_name: str) -> ParsedFeed:
    items = tuple(
        FeedItem(
            feed_url=feed_url,
            feed_name=feed_name,
            guid=guid,
            title=title,
            link=link,
            summary=summary,
            published=datetime.fromtimestamp(published, tz=UTC) if published is not None else None,
            language=item_language,
        )
        for guid, title, link, summary, published, item_language in rows[0]
    )
    return ParsedFeed(url=feed_url, items=items, problem=rows[1], entries=rows[2])


def parse_feed_bytes(
    body: bytes,
    headers: Mapping[str, str],
    *,
    feed_url: str,
    feed_name: str,
    language: str | None,
) -> ParsedFeed:
    """Parse one feed document in this process."""
    return parsed_feed(parse_rows(body, headers, language=language), feed_url=feed_url, feed_name=feed_name)


def _parse_batch(documents: Sequence[tuple[bytes, dict[str, str], str | None]]) -> list[ParsedRows]:
    return [parse_rows(body, headers, language=language) for body, headers, language in documents]


def batches(jobs: Sequence[ParseJob], *, max_bytes: int = BATCH_BYTES, max_feeds: int = BATCH_FEEDS) -> list[list[int]]:
    """Indexes of jobs grouped into batches of bounded size, in order."""
    groups: list[list[int]] = []
    size = 0
    for index, job in enumerate(jobs):
        length = len(job.fetched.body)
        if not groups or len(groups[-1]) >= max_feeds or (size + length > max_bytes and groups[-1]):
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += length
    return groups


class FeedParser:
    """Runs the parsing in worker processes; `async with` owns the pool."""

    def __init__(self, workers: int | None = None, executor: Executor | None = None) -> None:
        self._workers = workers or min(4, os.cpu_count() or 1)
        self._executor = executor
        self._owned = executor is None

    async def __aenter__(self) -> FeedParser:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        if self._executor is None:
            # forkserver, not fork: the service forks its workers while other threads (the event
            # loop's executor, logging) may hold locks, and a forked child can inherit one held
            # forever; the first parse then never returns.
            self._executor = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_leave_interrupts_to_the_service,
            )
            # Workers start on demand and then import feedparser; start them now, in the
            # background, so the first poll does not pay for it.
            for _ in range(self._workers):
                self._executor.submit(_parse_batch, [])

    def close(self) -> None:
        if self._executor is not None and self._owned:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def parse(self, fetched: Fetched, *, feed_name: str, language: str | None) -> ParsedFeed:
        return (await self.parse_many([ParseJob(fetched, feed_name, language)]))[0]

    async def parse_many(self, jobs: Sequence[ParseJob]) -> list[ParsedFeed]:
        """Parse many feeds, in batches spread over the workers; one result per job, in order."""
        results = await asyncio.gather(*(self._parse_batch([jobs[i] for i in group]) for group in batches(jobs)))
        return [parsed for group in results for parsed in group]

    async def _parse_batch(self, jobs: Sequence[ParseJob]) -> list[ParsedFeed]:
        if self._executor is None:
            self.start()
        loop = asyncio.get_running_loop()
        documents = [(job.fetched.body, dict(job.fetched.headers), job.language) for job in jobs]
        executor = self._executor
        try:
            rows = await loop.run_in_executor(executor, _parse_batch, documents)
        except Exception as exc:  # noqa: BLE001 - a crashed worker: try the batch's feeds one by one
            if isinstance(exc, BrokenProcessPool) and self._owned and executor is self._executor:
                # A dead worker breaks the whole pool; a fresh one serves the other feeds.
                self._executor = None
                if executor is not None:
                    executor.shutdown(wait=False, cancel_futures=True)
            if len(jobs) > 1:
                return [parsed for job in jobs for parsed in await self._parse_batch([job])]
            rows = [((), f"parser failed: {type(exc).__name__}: {exc}", 0)]
        return [
            parsed_feed(result, feed_url=job.fetched.url, feed_name=job.feed_name)
            for job, result in zip(jobs, rows, strict=True)
        ]


def _leave_interrupts_to_the_service() -> None:
    """Ctrl-C reaches the whole process group; the service stops the pool itself, and a worker
    that took the interrupt would only print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
