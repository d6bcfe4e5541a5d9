"""Logging set-up, with the bot token kept out of every line."""

from __future__ import annotations

import logging
import sys


class RedactSecret(logging.Filter):
    """Replaces the secret wherever it appears; httpx logs request URLs, and those hold the token."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg = message.replace(self._secret, "<token>")
            record.args = ()
        return True


def setup_logging(*, verbose: bool = False, secret: str | None = None) -> None:
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Every Bot API call is an httpx request line at INFO; that is noise, and it carries the token.
    logging.getLogger("httpx").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if secret:
        for handler in root.handlers:
            if not any(isinstance(f, RedactSecret) for f in handler.filters):
                handler.addFilter(RedactSecret(secret))
