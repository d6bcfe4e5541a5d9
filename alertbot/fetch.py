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
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

import httpx

from alertbot.config import PollConfig
from alertbot.items import FeedState, Fetched

MAX_REDIRECTS = 5
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
    """One httpx.AsyncClient for all feeds; `async with` owns it."""

    def __init__(self, settings: PollConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._limit = asyncio.Semaphore(settings.concurrency)
        timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
        self._client = httpx.AsyncClient(
            transport=transport,
            mounts={"file://": FileTransport()},
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": settings.user_agent, "Accept": FEED_ACCEPT},
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, state: FeedState | None = None) -> Fetched:
        """Never raises for a feed's fault: every failure becomes a Fetched with status error."""
        headers: dict[str, str] = {}
        if state is not None and state.etag:
            headers["If-None-Match"] = state.etag
        if state is not None and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        async with self._limit:
            try:
                async with asyncio.timeout(self._settings.timeout * 2):
                    return await self._get(url, headers)
            except TimeoutError:
                return Fetched(url=url, status="error", error=f"timed out after {self._settings.timeout * 2:g} s")
            except httpx.TooManyRedirects:
                return Fetched(url=url, status="error", error=f"more than {MAX_REDIRECTS} redirects")
            except BodyTooLarge:
                return Fetched(url=url, status="error", error=f"body larger than {self._settings.max_bytes} bytes")
            except httpx.HTTPError as exc:
                return Fetched(url=url, status="error", error=f"{type(exc).__name__}: {exc}".rstrip(": "))
            except (OSError, ValueError) as exc:
                return Fetched(url=url, status="error", error=f"{type(exc).__name__}: {exc}")

    async def _get(self, url: str, headers: Mapping[str, str]) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(
                    url=url,
                    status="not_modified",
                    http_status=304,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
            if response.status_code >= 400:
                return Fetched(
                    url=url,
                    status="error",
                    http_status=response.status_code,
                    error=f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._settings.max_bytes:
                    raise BodyTooLarge
                chunks.append(chunk)
            # The body is already decoded; keeping Content-Encoding would mislead feedparser.
            kept = {
                k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")
            }
            return Fetched(
                url=url,
                status="ok",
                body=b"".join(chunks),
                headers=kept,
                http_status=response.status_code,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
