"""Shared plumbing for the loopback test servers.

Both fakes run a stdlib ``ThreadingHTTPServer`` in a daemon thread. The extra
work here is about shutting down *fast*: ``shutdown()`` alone only stops the
accept loop, while handler threads stuck in a long poll, a drip or an endless
body would keep their sockets open. We track every accepted connection and
shut its socket down on ``stop()``, and expose an event that slow handlers
wait on instead of ``time.sleep``.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

LOOPBACK_HOST = "127.0.0.1"

# Errors that only mean "the client went away"; a test that abandons a drip or
# an endless body must not spray tracebacks over the captured output.
_DISCONNECT_ERRORS: tuple[type[BaseException], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    TimeoutError,
)


class TrackingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The accept loop sleeps this long between checks of the shutdown flag.
    poll_interval = 0.05

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        stop_event: threading.Event,
    ) -> None:
        self.stop_event = stop_event
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._busy = 0
        self._idle = threading.Condition(self._connections_lock)
        super().__init__((LOOPBACK_HOST, 0), handler)

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a request as being answered, so stop() can let it finish."""
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(sock)

    def abort_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if self.stop_event.is_set() or isinstance(exc, _DISCONNECT_ERRORS):
            return
        if isinstance(exc, OSError) and exc.errno in (9, 32, 104, 107):
            return
        super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler that registers its socket and does not log to stderr."""

    server: TrackingHTTPServer
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are dropped after this; it also bounds how
    # long a half-sent request can pin a handler thread.
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle
        # plus delayed ACK adds ~40 ms to every loopback request.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def stopping(self) -> bool:
        return self.server.stop_event.is_set()

    def read_body(self) -> bytes:
        """Read the request body, honouring Content-Length or chunked encoding."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailer section ends with an empty line.
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


class LoopbackServer:
    """Start/stop lifecycle shared by both fakes."""

    stop_grace = 0.25

    def __init__(self) -> None:
        self._httpd: TrackingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()

    def _handler_class(self) -> type[QuietHandler]:
        raise NotImplementedError

    def _on_stopping(self) -> None:
        """Hook for subclasses to wake their own waiters before sockets close."""

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def host(self) -> str:
        return LOOPBACK_HOST

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._httpd.server_address[1])

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stop_event = threading.Event()
        httpd = TrackingHTTPServer(self._handler_class(), self._stop_event)
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": httpd.poll_interval},
            name=f"{type(self).__name__}-{httpd.server_address[1]}",
            daemon=True,
        )
        self._httpd = httpd
        self._thread = thread
        thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = None
        self._thread = None
        self._stop_event.set()
        self._on_stopping()
        httpd.shutdown()
        # Woken handlers (a long poll answering [], a drip giving up) get a
        # moment to send their last bytes; whatever is still busy after that,
        # e.g. an endless body blocked on a client that stopped reading, is cut.
        httpd.wait_idle(self.stop_grace)
        httpd.abort_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
