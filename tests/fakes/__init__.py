"""Loopback fakes for tests: a Telegram Bot API server and a feed host.

Nothing here talks to the outside world; both servers bind 127.0.0.1 on an
ephemeral port and run in daemon threads.
"""

from .bot_api import ApiCall, ApiError, EditRecord, FakeBotApi, SentMessage, UploadedFile
from .feed_server import DEFAULT_FEED, RSS_CONTENT_TYPE, FeedServer, RecordedRequest
from .tg_html import HtmlParseError, parse_html

__all__ = [
    "DEFAULT_FEED",
    "RSS_CONTENT_TYPE",
    "ApiCall",
    "ApiError",
    "EditRecord",
    "FakeBotApi",
    "FeedServer",
    "HtmlParseError",
    "RecordedRequest",
    "SentMessage",
    "UploadedFile",
    "parse_html",
]
