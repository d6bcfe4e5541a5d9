"""The Fetcher against loopback servers, and the pure arithmetic of backoff and Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from alertbot.config import PollConfig
from alertbot.feed_health import ALARM_AFTER, in_backoff, judge
from alertbot.fetch import MAX_RETRY_AFTER, PER_HOST_CONNECTIONS, Fetcher, backoff_delay, parse_retry_after
from alertbot.items import FeedState
from tests.fakes import FeedServer
from tests.feedtext import FOUNDING, rss

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_backoff_doubles_from_the_interval_with_bounded_jitter_and_a_cap() -> None:
    low = [backoff_delay(n, interval=60, jitter=0.0) for n in range(1, 6)]
    high = [backoff_delay(n, interval=60, jitter=0.999) for n in range(1, 6)]
    assert low == [30, 60, 120, 240, 480]
    assert all(h < 2 * lo for lo, h in zip(low, high, strict=True)) and all(
        h > lo for lo, h in zip(low, high, strict=True)
    )
    assert backoff_delay(40, interval=60, jitter=0.999) <= 6 * 3600
    assert backoff_delay(0, interval=60, jitter=0.5) == 0


def test_retry_after_is_a_floor_never_shortened() -> None:
    assert backoff_delay(1, interval=60, jitter=0.5, retry_after=900) == 900
    assert backoff_delay(5, interval=60, jitter=0.5, retry_after=1) == backoff_delay(5, interval=60, jitter=0.5)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("  7 ", 7.0),
        ("Fri, 27 Nov 2026 08:05:00 GMT", 300.0),
        ("Fri, 27 Nov 2026 07:00:00 GMT", 0.0),  # in the past: now
        ("99999999", MAX_RETRY_AFTER),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_feed_health_verdicts() -> None:
    ok = judge(failed=False, failures=0, interval=60, retry_after=None, jitter=0.5, now=NOW)
    assert ok.next_poll is None and not ok.alarm
    first = judge(failed=True, failures=1, interval=60, retry_after=None, jitter=0.5, now=NOW)
    assert first.next_poll == NOW + timedelta(seconds=45) and not first.alarm
    assert judge(failed=True, failures=ALARM_AFTER, interval=60, retry_after=None, jitter=0.5, now=NOW).alarm
    assert in_backoff(first.next_poll, NOW) and not in_backoff(first.next_poll, NOW + timedelta(minutes=1))
    assert not in_backoff(None, NOW)


def settings(**changes: object) -> PollConfig:
    values: dict[str, object] = {"timeout": 2.0, "max_bytes": 256 * 1024, "concurrency": 4, **changes}
    return PollConfig(**values)  # type: ignore[arg-type]


async def fetch(url: str, state: FeedState | None = None, **changes: object) -> object:
    async with Fetcher(settings(**changes)) as fetcher:
        return await fetcher.fetch(url, state)


@pytest.mark.asyncio
async def test_conditional_get_and_user_agent(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed.xml", rss(FOUNDING))
    async with Fetcher(settings(user_agent="alertbot-test/1.0 (+https://example.org)")) as fetcher:
        first = await fetcher.fetch(url)
        assert first.status == "ok" and first.etag and first.body == rss(FOUNDING)
        again = await fetcher.fetch(url, FeedState(url=url, etag=first.etag, last_modified=first.last_modified))
    assert again.status == "not_modified" and again.body == b""
    request = feed_server.last_request("/feed.xml")
    assert request.headers["if-none-match"] == first.etag
    assert request.headers["user-agent"] == "alertbot-test/1.0 (+https://example.org)"


@pytest.mark.asyncio
async def test_conditional_gets_keep_their_connection(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed.xml", rss(FOUNDING))
    async with Fetcher(settings()) as fetcher:
        first = await fetcher.fetch(url)
        state = FeedState(url=url, etag=first.etag, last_modified=first.last_modified)
        results = [await fetcher.fetch(url, state) for _ in range(3)]
    assert [r.status for r in results] == ["not_modified"] * 3
    assert len({r.client_port for r in feed_server.requests("/feed.xml")}) == 1, "one connection for all four"


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after_is_read_on_429_and_503(feed_server: FeedServer, code: int) -> None:
    url = feed_server.status("/busy.xml", code, headers={"Retry-After": "600"})
    result = await fetch(url)
    assert result.status == "error" and result.retry_after == 600  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_retry_after_is_ignored_on_other_errors(feed_server: FeedServer) -> None:
    url = feed_server.status("/gone.xml", 500, headers={"Retry-After": "600"})
    result = await fetch(url)
    assert result.status == "error" and result.retry_after is None  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_gzip_bomb_stops_at_the_cap_on_decoded_bytes(feed_server: FeedServer) -> None:
    url = feed_server.gzip_bomb("/bomb.xml", decompressed_mb=200)
    wire, inflated = feed_server.gzip_bomb_size(200)
    assert wire < 256 * 1024 < inflated, "the bomb fits under the cap on the wire, not decoded"
    result = await fetch(url)
    assert result.status == "error" and "larger than" in str(result.error)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_declared_oversize_body_is_refused_before_reading(feed_server: FeedServer) -> None:
    url = feed_server.add("/huge.xml", b"<rss>" + b" " * (300 * 1024) + b"</rss>")
    result = await fetch(url)
    assert result.status == "error" and "larger than" in str(result.error)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_drip_and_silent_server_hit_the_deadline(feed_server: FeedServer) -> None:
    drip = feed_server.drip(feed_server.add("/drip.xml", rss(FOUNDING)), bytes_per_second=2)
    silent = feed_server.slow_headers("/silent.xml", 30)
    async with Fetcher(settings(timeout=1.0)) as fetcher:
        results = await asyncio.gather(fetcher.fetch(drip), fetcher.fetch(silent))
    assert [r.status for r in results] == ["error", "error"]
    assert all("timed out" in str(r.error).lower() for r in results), [r.error for r in results]


@pytest.mark.asyncio
async def test_redirects_are_followed_and_limited(feed_server: FeedServer) -> None:
    loop = feed_server.redirect_loop("/loop.xml")
    result = await fetch(loop)
    assert result.status == "error" and "redirects" in str(result.error)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_moved_feed_is_followed_to_its_new_place(feed_server: FeedServer) -> None:
    new = feed_server.add("/new.xml", rss(FOUNDING))
    old = feed_server.status("/old.xml", 301, headers={"Location": new})
    result = await fetch(old)
    assert result.status == "ok" and result.body == rss(FOUNDING)  # type: ignore[attr-defined]
    assert feed_server.request_count("/new.xml") == 1


@pytest.mark.asyncio
async def test_a_proxy_from_the_environment_is_used(feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Offices in the field often reach the web only through a proxy. The loopback server answers
    # a request for an absolute URL as a proxy would; the feed's own host does not exist.
    feed_server.add("/proxied.xml", rss(FOUNDING))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", feed_server.base_url)
    result = await fetch("http://feeds.invalid/proxied.xml")
    assert result.status == "ok" and result.body == rss(FOUNDING)  # type: ignore[attr-defined]
    assert feed_server.last_request("/proxied.xml").headers["host"] == "feeds.invalid"


@pytest.mark.asyncio
async def test_local_files_take_the_same_path_with_conditional_get(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(FOUNDING))
    async with Fetcher(settings()) as fetcher:
        first = await fetcher.fetch(path.as_uri())
        second = await fetcher.fetch(path.as_uri(), FeedState(url=path.as_uri(), etag=first.etag))
        missing = await fetcher.fetch((tmp_path / "nope.xml").as_uri())
    assert first.status == "ok" and first.body == rss(FOUNDING) and first.url == path.as_uri()
    assert second.status == "not_modified"
    assert missing.status == "error" and "404" in str(missing.error)


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real transport, counting requests in flight (waiting for their headers)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


@pytest.mark.asyncio
async def test_concurrency_limit_holds(feed_server: FeedServer) -> None:
    urls = [feed_server.slow_headers(feed_server.add(f"/f{i}.xml", rss(FOUNDING)), 0.2) for i in range(6)]
    transport = CountingTransport()
    async with Fetcher(settings(concurrency=2), transport=transport) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert all(r.status == "ok" for r in results)
    assert transport.most == 2


@pytest.mark.asyncio
async def test_one_host_gets_at_most_per_host_connections(feed_server: FeedServer) -> None:
    urls = [feed_server.slow_headers(feed_server.add(f"/h{i}.xml", rss(FOUNDING)), 0.2) for i in range(8)]
    async with Fetcher(settings(concurrency=16)) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert all(r.status == "ok" for r in results)
    assert feed_server.most_in_flight == PER_HOST_CONNECTIONS
