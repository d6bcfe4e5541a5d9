"""A loopback HTTP server that serves feeds, politely or with hostile intent.

Well-behaved paths support conditional GET (ETag / Last-Modified -> 304) so
the fetcher's caching can be checked. Hostile modes reproduce what broken or
malicious feed hosts do: trickle bytes, never finish, decompress to gigabytes,
redirect forever, fail with various statuses, or sit on the headers. All slow
paths wait on the server's stop event so ``stop()`` returns promptly even
while a client is stuck on one of them.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from email.utils import formatdate, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from ._server import LoopbackServer, QuietHandler

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"

Mode = Literal["normal", "drip", "endless", "gzip_bomb", "redirect_loop", "status"]

DEFAULT_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Fake feed</title>
<link>http://127.0.0.1/</link>
<description>Served by FeedServer</description>
<item>
<title>Only item</title>
<link>http://127.0.0.1/item/1</link>
<guid>http://127.0.0.1/item/1</guid>
<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate>
</item>
</channel>
</rss>
"""

# A plausible feed start so a parser keeps going instead of bailing on byte 1.
_HOSTILE_PREFIX = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>hostile</title>'
_ENDLESS_CHUNK = (
    b"<item><title>more</title><link>http://127.0.0.1/more</link>"
    b"<description>" + b"x" * 900 + b"</description></item>\n"
)
_BOMB_BLOCK = 1 << 20


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    """Header names lower-cased; for repeated headers the last value wins."""
    time: float
    client_port: int = 0
    """The client's port: requests with the same port came over one kept-alive connection."""


@dataclass
class _Resource:
    body: bytes = DEFAULT_FEED
    content_type: str = RSS_CONTENT_TYPE
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: float | None = None
    mode: Mode = "normal"
    header_delay: float = 0.0
    bytes_per_second: float = 1.0
    endless_interval: float = 0.0
    bomb_mb: int = 1000
    redirect_status: int = 302


class _BombParts:
    """Deflate pieces of the gzip bomb, built once from a single 1 MiB block.

    After a full flush the compressor state is identical every time, so the
    compressed form of each further block of spaces is the same bytes; the
    whole bomb can then be streamed (and its Content-Length known) without
    ever holding the decompressed data.
    """

    _lock = threading.Lock()
    _parts: tuple[bytes, bytes, bytes] | None = None

    @classmethod
    def get(cls) -> tuple[bytes, bytes, bytes]:
        with cls._lock:
            if cls._parts is None:
                block = b" " * _BOMB_BLOCK
                comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
                first = comp.compress(_HOSTILE_PREFIX + block) + comp.flush(zlib.Z_FULL_FLUSH)
                repeat = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
                tail = comp.flush(zlib.Z_FINISH)
                cls._parts = (first, repeat, tail)
            return cls._parts


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def _make_etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class FeedServer(LoopbackServer):
    """Serve registered paths on ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._resources: dict[str, _Resource] = {}
        self._requests: dict[str, list[RecordedRequest]] = {}
        self._in_flight = 0
        self.most_in_flight = 0  # requests answered at the same time, at most, since the start

    # ---------------------------------------------------------------- setup

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + _norm(path)

    def add(
        self,
        path: str,
        body: bytes,
        content_type: str = RSS_CONTENT_TYPE,
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: bool = True,
        last_modified: bool = True,
    ) -> str:
        """Serve ``body`` at ``path``; returns the full URL."""
        resource = _Resource(
            body=body,
            content_type=content_type,
            status=status,
            headers=dict(headers or {}),
            etag=_make_etag(body) if etag else None,
            last_modified=float(int(time.time())) if last_modified else None,
        )
        with self._lock:
            self._resources[_norm(path)] = resource
        return self.url(path)

    def replace(self, path: str, body: bytes) -> str:
        """Change the body; ETag and Last-Modified move on so caches miss."""
        with self._lock:
            res = self._resource(path)
            res.body = body
            if res.etag is not None:
                res.etag = _make_etag(body)
            if res.last_modified is not None:
                # HTTP dates have one-second resolution; always step forward.
                res.last_modified = max(float(int(time.time())), res.last_modified + 1)
        return self.url(path)

    def remove(self, path: str) -> None:
        with self._lock:
            self._resources.pop(_norm(path), None)

    def etag(self, path: str) -> str | None:
        with self._lock:
            return self._resource(path).etag

    def _resource(self, path: str) -> _Resource:
        """Existing resource, or a default feed (for hostile modes on new paths)."""
        key = _norm(path)
        res = self._resources.get(key)
        if res is None:
            res = _Resource(etag=None, last_modified=None)
            self._resources[key] = res
        return res

    # --------------------------------------------------------- hostile modes

    def drip(self, path: str, bytes_per_second: float = 1.0) -> str:
        """Send headers with the full Content-Length, then trickle the body.

        Defeats per-read timeouts: each read gets a byte in time, the
        response just never completes in any useful time.
        """
        with self._lock:
            res = self._resource(path)
            res.mode, res.bytes_per_second = "drip", bytes_per_second
        return self.url(path)

    def endless(self, path: str, interval: float = 0.0) -> str:
        """Stream a feed that never ends (no Content-Length, no last item)."""
        with self._lock:
            res = self._resource(path)
            res.mode, res.endless_interval = "endless", interval
        return self.url(path)

    def gzip_bomb(self, path: str, decompressed_mb: int = 1000) -> str:
        """Small gzip body (about 1 KiB per MiB) that inflates to ``decompressed_mb`` MiB."""
        with self._lock:
            res = self._resource(path)
            res.mode, res.bomb_mb = "gzip_bomb", max(1, decompressed_mb)
        return self.url(path)

    def gzip_bomb_size(self, decompressed_mb: int = 1000) -> tuple[int, int]:
        """(compressed bytes on the wire, decompressed bytes) for a bomb."""
        first, repeat, tail = _BombParts.get()
        wire = len(_GZIP_HEADER) + len(first) + len(repeat) * (decompressed_mb - 1) + len(tail) + 8
        return wire, len(_HOSTILE_PREFIX) + decompressed_mb * _BOMB_BLOCK

    def redirect_loop(self, path: str, status: int = 302) -> str:
        """``path`` redirects to ``path?loop=1``, which redirects back."""
        with self._lock:
            res = self._resource(path)
            res.mode, res.redirect_status = "redirect_loop", status
        return self.url(path)

    def status(
        self,
        path: str,
        code: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> str:
        """Answer ``code`` (e.g. 404, 500, 429 with Retry-After, 503)."""
        with self._lock:
            res = self._resource(path)
            res.mode, res.status = "status", code
            res.headers = dict(headers or {})
            res.body = body
            res.content_type = "text/plain; charset=utf-8"
        return self.url(path)

    def slow_headers(self, path: str, seconds: float) -> str:
        """Accept the request, then wait ``seconds`` before the status line."""
        with self._lock:
            self._resource(path).header_delay = seconds
        return self.url(path)

    def behave(self, path: str) -> None:
        """Drop any hostile mode and header delay from ``path``."""
        with self._lock:
            res = self._resource(path)
            res.mode, res.header_delay = "normal", 0.0
            if res.status >= 300:
                res.status = 200

    # -------------------------------------------------------------- records

    def request_count(self, path: str) -> int:
        with self._lock:
            return len(self._requests.get(_norm(path), []))

    def requests(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests.get(_norm(path), []))

    def last_request(self, path: str) -> RecordedRequest:
        with self._lock:
            found = self._requests.get(_norm(path))
            if not found:
                raise LookupError(f"no request to {path}")
            return found[-1]

    def total_requests(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._requests.values())

    def reset_counts(self) -> None:
        with self._lock:
            self._requests.clear()

    # ------------------------------------------------------------- serving

    def _handler_class(self) -> type[QuietHandler]:
        feeds = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                with self.server.busy():
                    feeds._serve(self, head=False)

            def do_HEAD(self) -> None:
                with self.server.busy():
                    feeds._serve(self, head=True)

        return Handler

    def _serve(self, h: QuietHandler, *, head: bool) -> None:
        with self._lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            self._answer(h, head=head)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, h: QuietHandler, *, head: bool) -> None:
        parts = urlsplit(h.path)
        path = parts.path or "/"
        record = RecordedRequest(
            method=h.command,
            path=path,
            query=parts.query,
            headers={k.lower(): v for k, v in h.headers.items()},
            time=time.monotonic(),
            client_port=int(h.client_address[1]),
        )
        with self._lock:
            self._requests.setdefault(path, []).append(record)
            found = self._resources.get(path)
            # Snapshot so a concurrent replace() cannot tear a response.
            res = None if found is None else dc_replace(found, headers=dict(found.headers))
        if res is None:
            self._send_simple(h, 404, b"not found\n", "text/plain; charset=utf-8", {}, head)
            return
        if res.header_delay > 0 and self._stop_event.wait(res.header_delay):
            h.close_connection = True
            return
        if res.mode == "status":
            self._send_simple(h, res.status, res.body, res.content_type, res.headers, head)
        elif res.mode == "redirect_loop":
            target = path if parts.query else f"{path}?loop=1"
            headers = {"Location": target, **res.headers}
            self._send_simple(h, res.redirect_status, b"", "text/plain", headers, head)
        elif res.mode == "drip":
            self._send_drip(h, res, head)
        elif res.mode == "endless":
            self._send_endless(h, res, head)
        elif res.mode == "gzip_bomb":
            self._send_bomb(h, res, head)
        else:
            self._send_feed(h, res, head)

    def _validators(self, res: _Resource) -> dict[str, str]:
        headers: dict[str, str] = {}
        if res.etag is not None:
            headers["ETag"] = res.etag
        if res.last_modified is not None:
            headers["Last-Modified"] = formatdate(res.last_modified, usegmt=True)
        return headers

    @staticmethod
    def _not_modified(h: QuietHandler, res: _Resource) -> bool:
        # RFC 9110: If-None-Match takes precedence; If-Modified-Since is then ignored.
        inm = h.headers.get("If-None-Match")
        if inm is not None:
            if res.etag is None:
                return False
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or res.etag in tags
        ims = h.headers.get("If-Modified-Since")
        if ims is None or res.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
        return res.last_modified <= since

    def _send_feed(self, h: QuietHandler, res: _Resource, head: bool) -> None:
        validators = self._validators(res)
        if res.status == 200 and self._not_modified(h, res):
            self._send_simple(h, 304, b"", None, {**validators, **res.headers}, head)
            return
        self._send_simple(h, res.status, res.body, res.content_type, {**validators, **res.headers}, head)

    @staticmethod
    def _send_simple(
        h: QuietHandler,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str],
        head: bool,
    ) -> None:
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        for name, value in headers.items():
            h.send_header(name, value)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head and status != 304:
            h.wfile.write(body)

    def _send_drip(self, h: QuietHandler, res: _Resource, head: bool) -> None:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", res.content_type)
        h.send_header("Content-Length", str(len(res.body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        if head:
            return
        pause = 1.0 / res.bytes_per_second if res.bytes_per_second > 0 else 1.0
        for i in range(len(res.body)):
            h.wfile.write(res.body[i : i + 1])
            h.wfile.flush()
            if self._stop_event.wait(pause):
                return

    def _send_endless(self, h: QuietHandler, res: _Resource, head: bool) -> None:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", res.content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        if head:
            return
        h.wfile.write(_HOSTILE_PREFIX)
        while not self._stop_event.is_set():
            h.wfile.write(_ENDLESS_CHUNK)
            if res.endless_interval > 0 and self._stop_event.wait(res.endless_interval):
                return

    def _send_bomb(self, h: QuietHandler, res: _Resource, head: bool) -> None:
        first, repeat, tail = _BombParts.get()
        wire, _ = self.gzip_bomb_size(res.bomb_mb)
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", res.content_type)
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(wire))
        h.send_header("Connection", "close")
        h.end_headers()
        if head:
            return
        block = b" " * _BOMB_BLOCK
        crc = zlib.crc32(_HOSTILE_PREFIX)
        h.wfile.write(_GZIP_HEADER + first)
        crc = zlib.crc32(block, crc)
        for _ in range(res.bomb_mb - 1):
            if self._stop_event.is_set():
                return
            h.wfile.write(repeat)
            crc = zlib.crc32(block, crc)
        size = len(_HOSTILE_PREFIX) + res.bomb_mb * _BOMB_BLOCK
        h.wfile.write(tail + struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))


def _norm(path: str) -> str:
    path = urlsplit(path).path if "://" in path else path.split("?", 1)[0]
    return path if path.startswith("/") else "/" + path
