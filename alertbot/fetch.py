"""Feed URLs into bytes and headers, with httpx; nothing here parses.

The fetcher is bounded in every direction a feed in the wild can hurt us: time (connect, read and
a total deadline), size (counted on decoded bytes, so a gzip bomb stops at the cap), redirects, and
concurrency. Local feed files go through the same client by a transport of their own, so demo and
production take one path.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies

import httpx

from alertbot.config import PollConfig
from alertbot.items import FeedState, Fetched

MAX_REDIRECTS = 5
# A Retry-After beyond a day is a misconfigured server, not a plan: we come back within a day.
MAX_RETRY_AFTER = 24 * 3600.0
# At most this many connections to one host (more share its client, which spreads the load): polite
# to a site that carries many of our feeds, and cheaper for us, as httpx's pool looks at every one of
# its connections on each request (a pool of 16 costs twice the CPU per fetch of a pool of 4).
PER_HOST_CONNECTIONS = 4
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


class FileTransport(httpx.AsyncBaseTransport):
    """Serves file:// URLs with ETag and Last-Modified, so conditional GET works on them too."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = Path(unquote(urlsplit(str(request.url)).path))
        try:
            body, mtime = await asyncio.to_thread(_read_file, path)
        except OSError as exc:
            return httpx.Response(404, text=f"{path}: {exc.strerror}", request=request)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": last_modified, "Content-Type": "application/xml"}
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers=headers, request=request)
        return httpx.Response(200, headers=headers, content=body, request=request)


def _read_file(path: Path) -> tuple[bytes, float]:
    return path.read_bytes(), path.stat().st_mtime


class BodyTooLarge(Exception):
    pass


class Fetcher:
    """httpx.AsyncClients for all feeds, one per group of hosts; `async with` owns them."""

    def __init__(self, settings: PollConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._limit = asyncio.Semaphore(settings.concurrency)
        # read/write/pool bound each step; the total deadline in fetch() bounds a drip feed that
        # sends one byte just inside every read timeout.
        timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
        self.total_timeout = settings.timeout * 2
        per_client = min(settings.concurrency, PER_HOST_CONNECTIONS)
        # One TLS context for all clients: each would otherwise load the CA bundle again.
        tls = httpx.create_ssl_context() if transport is None else True
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        lanes = -(-settings.concurrency // per_client)
        # httpx reads a proxy from the environment only for a client without a transport of ours;
        # with one set, every fetch goes through the client, which picks the proxy per URL.
        direct = not any(scheme in getproxies() for scheme in ("http", "https", "all"))
        self._transports = tuple(
            transport or (httpx.AsyncHTTPTransport(verify=tls, limits=limits) if direct else None)
            for _ in range(lanes)
        )
        self._clients = tuple(
            httpx.AsyncClient(
                transport=lane_transport,
                mounts={"file://": FileTransport()},
                timeout=timeout,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                verify=tls,
                limits=limits,
                headers={"User-Agent": settings.user_agent, "Accept": FEED_ACCEPT},
            )
            for lane_transport in self._transports
        )
        # A fetch waits for a connection of its client here, not in httpx's pool, whose queue of
        # waiting requests is scanned again at every turn.
        self._client_limits = tuple(asyncio.Semaphore(per_client) for _ in self._clients)

    def _client_of(self, url: str) -> int:
        """The client of a URL's host: a host's feeds always share one client and its connections."""
        host = urlsplit(url).hostname or ""
        return zlib.crc32(host.encode("utf-8", "replace")) % len(self._clients)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients))

    async def fetch(self, url: str, state: FeedState | None = None) -> Fetched:
        """Never raises for a feed's fault: every failure becomes a Fetched with status error."""
        headers: dict[str, str] = {}
        if state is not None and state.etag:
            headers["If-None-Match"] = state.etag
        if state is not None and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        absolute = _absolute_file_url(url)
        lane = self._client_of(absolute)
        # The host's limit first: waiting for it must not hold one of the places of other hosts.
        async with self._client_limits[lane], self._limit:
            try:
                async with asyncio.timeout(self.total_timeout):
                    return await self._get(lane, url, absolute, headers)
            except TimeoutError:
                return Fetched(url=url, status="error", error=f"timed out after {self.total_timeout:g} s")
            except httpx.TooManyRedirects:
                return Fetched(url=url, status="error", error=f"more than {MAX_REDIRECTS} redirects")
            except BodyTooLarge:
                return Fetched(url=url, status="error", error=f"body larger than {self._settings.max_bytes} bytes")
            except httpx.HTTPError as exc:
                return Fetched(url=url, status="error", error=_http_error_words(exc))
            except (OSError, ValueError) as exc:
                return Fetched(url=url, status="error", error=f"{type(exc).__name__}: {exc}")

    async def _get(self, lane: int, url: str, absolute: str, headers: Mapping[str, str]) -> Fetched:
        client, transport = self._clients[lane], self._transports[lane]
        if transport is not None and not absolute.startswith("file:"):
            # Straight to the transport, the client only for a redirect: the client's own steps
            # (auth, cookies, redirect and event hooks) cost a fifth of a poll in which every feed
            # answers 304, and a feed needs none of them unless it moved. (With a proxy set there
            # is no transport of ours, and every fetch takes the client's path below.)
            request = client.build_request("GET", absolute, headers=headers)
            response = await transport.handle_async_request(request)
            response.request = request
            try:
                if not response.has_redirect_location:
                    return await self._read(url, response)
            finally:
                await response.aclose()
        async with client.stream("GET", absolute, headers=headers) as response:
            return await self._read(url, response)

    async def _read(self, url: str, response: httpx.Response) -> Fetched:
        if response.status_code == 304:
            # A 304 has no body, but the connection goes back to the pool only once its end
            # is read; left unread, every conditional GET would open a new connection.
            await response.aread()
            return Fetched(
                url=url,
                status="not_modified",
                http_status=304,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        if response.status_code >= 400:
            # Retry-After only binds us on 429 and 503 (RFC 9110); elsewhere backoff decides.
            retry_after = None
            if response.status_code in (429, 503):
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=_server_now(response))
            return Fetched(
                url=url,
                status="error",
                http_status=response.status_code,
                error=f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                retry_after=retry_after,
            )
        declared = response.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and "content-encoding" not in response.headers
            and int(declared) > self._settings.max_bytes
        ):
            raise BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._settings.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
        # The body is already decoded; keeping Content-Encoding would mislead feedparser.
        kept = {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")}
        return Fetched(
            url=url,
            status="ok",
            body=b"".join(chunks),
            headers=kept,
            http_status=response.status_code,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )


def _absolute_file_url(url: str) -> str:
    """file:///x as file://localhost/x: httpx takes a URL without a host for a relative one."""
    if url.startswith("file:///"):
        return "file://localhost/" + url[len("file:///") :]
    return url


def _server_now(response: httpx.Response) -> datetime:
    """The server's own clock when it states it, so an HTTP-date Retry-After survives clock skew."""
    try:
        when = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _http_error_words(exc: httpx.HTTPError) -> str:
    words = str(exc).strip()
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError) and not words:
        words = "connection refused"
    return f"{type(exc).__name__}: {words}" if words else type(exc).__name__


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: a number or an HTTP date; capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(MAX_RETRY_AFTER, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(MAX_RETRY_AFTER, max(0.0, (when - now).total_seconds()))


def backoff_delay(
    failures: int,
    *,
    interval: float,
    jitter: float,
    retry_after: float | None = None,
    cap: float = 6 * 3600.0,
) -> float:
    """Seconds until a failing feed is tried again.

    Exponential in the failures in a row, starting at the feed's own interval and capped, with
    "equal jitter" (half fixed, half drawn from `jitter` in [0, 1)) so that feeds of one host that
    failed together do not come back together. A server's Retry-After is a floor, never shortened.
    """
    if failures <= 0:
        return 0.0
    base = min(cap, max(1.0, interval) * 2.0 ** min(failures - 1, 30))
    delay = base / 2 + base / 2 * min(max(jitter, 0.0), 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
