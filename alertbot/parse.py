"""Feed bytes into FeedItems, in a pool of worker processes.

feedparser is pure Python and CPU-bound: run in the event loop it would stall Telegram, and in
threads it would hold the GIL. A process pool keeps the loop free and uses every core. feedparser
only ever sees bytes and headers, never a URL, so it cannot fetch anything by itself.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import replace
from functools import lru_cache
from types import TracebackType
from typing import Any

import feedparser

from alertbot.items import FeedItem, Fetched, ParsedFeed
from alertbot.normalise import feed_language, normalise_entry

# Languages we expect in feeds; restricting the detector avoids exotic guesses on short headlines.
DETECTABLE_LANGUAGES = ("en", "nl", "fr", "de", "es", "pt", "it", "ar", "fa", "ps", "ur", "ru", "tr")


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_pickled_model(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTABLE_LANGUAGES))
    return identifier


def detect_language(text: str) -> str | None:
    if len(text) < 12:
        return None
    code, probability = _language_identifier().classify(text)
    return str(code) if probability >= 0.5 else None


def parse_feed_bytes(
    body: bytes,
    headers: Mapping[str, str],
    *,
    feed_url: str,
    feed_name: str,
    language: str | None,
) -> ParsedFeed:
    """Parse one feed document; what a broken (bozo) feed still holds is kept."""
    try:
        # A stream, not bytes: given bytes, feedparser first tries them as a file name to open.
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=dict(headers), sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # noqa: BLE001 - feedparser can raise nearly anything on hostile bytes
        return ParsedFeed(url=feed_url, items=(), problem=f"unparseable feed: {type(exc).__name__}: {exc}")
    default_language = language or feed_language(parsed.get("feed", {}))
    items: list[FeedItem] = []
    for entry in parsed.get("entries", []):
        try:
            item = normalise_entry(entry, feed_url=feed_url, feed_name=feed_name, language=default_language)
        except Exception:  # noqa: BLE001, S112 - one odd entry must not cost the others
            continue
        if item is None:
            continue
        if item.language is None:
            item = _with_language(item, detect_language(item.text))
        items.append(item)
    problem = None
    if parsed.get("bozo"):
        cause = parsed.get("bozo_exception")
        problem = f"{type(cause).__name__}: {cause}" if cause else "malformed feed"
        if not items:
            problem = f"no entries: {problem}"
    return ParsedFeed(url=feed_url, items=tuple(items), problem=problem)


def _with_language(item: FeedItem, language: str | None) -> FeedItem:
    return replace(item, language=language)


class FeedParser:
    """Runs parse_feed_bytes in worker processes; `async with` owns the pool."""

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
            self._executor = ProcessPoolExecutor(max_workers=self._workers)

    def close(self) -> None:
        if self._executor is not None and self._owned:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def parse(self, fetched: Fetched, *, feed_name: str, language: str | None) -> ParsedFeed:
        if self._executor is None:
            self.start()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor,
                _parse_job,
                fetched.body,
                dict(fetched.headers),
                fetched.url,
                feed_name,
                language,
            )
        except Exception as exc:  # noqa: BLE001 - a crashed worker is one feed's problem, not the poll's
            return ParsedFeed(url=fetched.url, items=(), problem=f"parser failed: {type(exc).__name__}: {exc}")


def _parse_job(body: bytes, headers: dict[str, str], url: str, name: str, language: str | None) -> ParsedFeed:
    return parse_feed_bytes(body, headers, feed_url=url, feed_name=name, language=language)
