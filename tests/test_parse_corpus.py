"""feedparser's own test corpus (2,107 files), every file served over loopback and taken through our
Fetcher and FeedParser: no crash, a status for every feed, and every entry feedparser itself recovers
from the same bytes and headers.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import feedparser
import pytest

from alertbot.config import PollConfig
from alertbot.fetch import Fetcher
from alertbot.normalise import normalise_entry
from alertbot.parse import FeedParser, ParseJob
from tests.conftest import shared_data
from tests.fakes import FeedServer

HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
# Headers our server sets itself; a file's own value for them would be sent twice.
SERVER_HEADERS = {"content-type", "content-length", "etag", "last-modified"}


def file_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file asks for in its comment, as feedparser's own harness reads them."""
    return {name.decode().lower(): value.decode("latin-1") for name, value in HEADER.findall(body)}


def readable(entry: object) -> bool:
    try:
        return normalise_entry(entry, feed_url="", feed_name="", language=None) is not None
    except Exception:
        return False


@pytest.mark.slow
def test_feedparser_corpus_through_fetcher_and_parser(feed_server: FeedServer) -> None:
    corpus = shared_data("feeds/feedparser_tests")
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    assert len(files) > 2000
    urls: dict[str, Path] = {}
    expected: dict[str, tuple[int, int]] = {}
    for index, path in enumerate(files):
        body = path.read_bytes()
        headers = file_headers(body)
        content_type = headers.pop("content-type", "application/xml")
        extra = {k: v for k, v in headers.items() if k not in SERVER_HEADERS}
        url = feed_server.add(f"/{index}/{path.name}", body, content_type=content_type, headers=extra)
        urls[url] = path
        reference = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-type": content_type, **extra},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        expected[url] = (len(reference.entries), sum(1 for e in reference.entries if readable(e)))

    async def poll_all() -> list[tuple[str, str, int, int]]:
        settings = PollConfig(concurrency=32, timeout=10.0)
        async with Fetcher(settings) as fetcher, FeedParser(workers=2) as parser:
            fetched = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
            ok = [f for f in fetched if f.status == "ok"]
            parsed = {p.url: p for p in await parser.parse_many([ParseJob(f, "corpus", None) for f in ok])}
        results = []
        for f in fetched:
            result = parsed.get(f.url)
            status = f.status if result is None or result.items or not result.problem else "error"
            results.append((f.url, status, result.entries if result else 0, len(result.items) if result else 0))
        return results

    results = asyncio.run(poll_all())
    assert {url for url, *_ in results} == set(urls), "a status for every feed"
    fetch_errors = [urls[url].name for url, status, *_ in results if status not in ("ok", "error")]
    assert not fetch_errors
    missing = [
        (urls[url].relative_to(corpus).as_posix(), entries, items, expected[url])
        for url, _, entries, items in results
        if (entries, items) != expected[url]
    ]
    assert not missing, f"{len(missing)} feeds lost entries: {missing[:10]}"
    total = sum(e for e, _ in expected.values())
    assert sum(entries for _, _, entries, _ in results) == total
