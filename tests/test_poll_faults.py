"""A classifier that fails on one item: the others still alert, and that item is held, not lost.

Real path: FeedServer -> Services (fetch, parse in the pool, classify with the trained model,
incidents, store). The fault is injected around the real classifier, for one title only: a bug
of ours on one odd text is exactly what this guards against.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.config import load_config
from alertbot.services import Services
from classifiers import Article, Prediction
from tests.fakes import FeedServer
from tests.feedtext import CLASH, KIDNAPPING, TALKS, Story, rss

ODD = Story(
    "nl-9",
    "Aanslag op konvooi bij Kandahar",
    "Bij een bomaanslag op een konvooi bij Kandahar zijn vier mensen gedood.",
    "https://news.example.org/buitenland/konvooi-kandahar",
)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class FailsOnOneTitle:
    """The real classifier, except that it raises whenever a batch holds the given title."""

    def __init__(self, real: object, title: str) -> None:
        self.real = real
        self.title = title
        self.version = getattr(real, "version", "")

    def classify(self, articles: Sequence[Article]) -> list[Prediction]:
        if any(a.title == self.title for a in articles):
            raise IndexError("list index out of range")  # what a lexicon bug raised once
        return self.real.classify(articles)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.asyncio
async def test_an_item_the_classifier_fails_on_is_held_and_the_rest_alert(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.add("/a.xml", rss([KIDNAPPING, ODD, CLASH, TALKS]))
    path = tmp_path / "alertbot.yaml"
    path.write_text(
        json.dumps(
            {
                "data_dir": str(data_dir),
                "feeds": [{"name": "Krant", "url": feed_server.url("/a.xml"), "language": "nl"}],
                "regions": [{"name": "Kabul", "country": "Afghanistan", "places": ["Kabul"]}],
                "channels": [{"chat_id": -1001, "min_severity": "low"}],
            }
        )
    )
    config = load_config(path)
    services = Services.open(config)
    try:
        real = services.poller.classifier
        services.poller.classifier = FailsOnOneTitle(real, ODD.title)  # type: ignore[assignment]
        first = await services.poller.poll(config.feeds, now=NOW)
        alerted = {a.item.title for a in first.alerts}
        assert KIDNAPPING.title in alerted and CLASH.title in alerted and ODD.title not in alerted
        assert first.held == 1 and first.new_items == 3
        assert any(ODD.title in r.getMessage() for r in caplog.records if r.levelname == "ERROR")

        # Fixed (a new model, a new release): the held item is new at the next poll, the rest seen.
        services.poller.classifier = real
        feed_server.add("/a.xml", rss([KIDNAPPING, ODD, CLASH, TALKS], title="Krant, changed"))
        second = await services.poller.poll(config.feeds, now=NOW)
        assert second.held == 0 and second.new_items == 1
        assert [a.item.title for a in second.alerts] == [ODD.title]
    finally:
        await services.close()
        await asyncio.sleep(0)
