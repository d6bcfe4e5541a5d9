"""Pytest fixtures for the loopback fakes.

Load them with ``pytest_plugins = ["tests.fakes.fixtures"]`` (root conftest or
a test module). Both are function-scoped: each test gets a fresh server with
no recorded state, and the server is stopped even if the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .bot_api import FakeBotApi
from .feed_server import FeedServer


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server
