"""One incident, three feeds, two languages: one Telegram message, then one edit with the new facts.

Real path: FeedServer -> `alertbot poll --once` (fetch, parse, classify, incidents, outbox, delivery)
-> FakeBotApi. Nothing of ours is mocked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from alertbot.cli import main
from alertbot.store import Store
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import Story, rss

TOKEN = "123456:TEST-token-dedupe"
CHANNEL = -100300

FIRST = Story(
    "a-1",
    "Drie buitenlanders ontvoerd bij Kaboel",
    "Drie buitenlandse medewerkers van een Frans cateringbedrijf zijn op weg naar het vliegveld van Kaboel "
    "ontvoerd, meldt de politie.",
    "https://krant-a.example.org/buitenland/ontvoerd-kaboel",
    "Fri, 27 Nov 2026 07:40:00 GMT",
)
SECOND = Story(
    "b-1",
    "Ontvoerde expats in Kaboel dood aangetroffen",
    "De drie ontvoerde buitenlandse medewerkers zijn dood gevonden in een auto ten zuiden van Kaboel. Ook twee "
    "Afghaanse chauffeurs werden gedood; vijf doden in totaal.",
    "https://krant-b.example.org/nieuws/expats-dood-kaboel",
    "Fri, 27 Nov 2026 09:10:00 GMT",
)
THIRD = Story(
    "c-1",
    "Three foreign workers kidnapped near Kabul found dead",
    "Three foreign employees of a French catering firm who were abducted on the way to Kabul airport were found "
    "dead in a car south of the city; five people were killed in all.",
    "https://world.example.com/asia/kabul-kidnapped-workers-dead",
    "Fri, 27 Nov 2026 09:30:00 GMT",
)


def config(tmp_path: Path, data_dir: Path, api: FakeBotApi, feeds: FeedServer) -> Path:
    raw = {
        "telegram": {"api_url": api.base_url, "admins": [1]},
        "data_dir": str(data_dir),
        "defaults": {"min_severity": "low"},
        "feeds": [
            {"name": "Krant A", "url": feeds.url("/a.xml"), "interval": 60, "language": "nl"},
            {"name": "Krant B", "url": feeds.url("/b.xml"), "interval": 60, "language": "nl"},
            {"name": "World Wire", "url": feeds.url("/c.xml"), "interval": 60, "language": "en"},
        ],
        "regions": [{"name": "Kabul", "country": "Afghanistan", "places": ["Kabul", "Kaboel"]}],
        "keywords": {"kidnapping": ["ontvoerd", "kidnapped"]},
        "channels": [{"chat_id": CHANNEL, "min_severity": "low"}],
    }
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_three_feeds_two_languages_one_alert_then_one_edit(
    tmp_path: Path,
    data_dir: Path,
    fake_bot_api: FakeBotApi,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", TOKEN)
    feed_server.add("/a.xml", rss([FIRST], title="Krant A"))
    feed_server.add("/b.xml", rss([], title="Krant B"))
    feed_server.add("/c.xml", rss([], title="World Wire", language="en"))
    path = str(config(tmp_path, data_dir, fake_bot_api, feed_server))

    assert main(["poll", "--once", "--config", path]) == 0
    sent = fake_bot_api.sent_messages(CHANNEL)
    assert len(sent) == 1, fake_bot_api.describe()
    assert "kidnapping" in sent[0].plain_text and "Drie buitenlanders ontvoerd" in sent[0].plain_text

    # Later the same story comes in from two more outlets, one in English, with more facts.
    feed_server.replace("/b.xml", rss([SECOND], title="Krant B"))
    feed_server.replace("/c.xml", rss([THIRD], title="World Wire", language="en"))
    assert main(["poll", "--once", "--config", path]) == 0

    assert len(fake_bot_api.sent_messages(CHANNEL)) == 1, "no second message for the same incident"
    edits = fake_bot_api.edits(CHANNEL)
    assert len(edits) == 1, fake_bot_api.describe()
    now_reads = fake_bot_api.message(CHANNEL, sent[0].message_id).plain_text
    assert "3 sources" in now_reads and "Krant B" in now_reads and "World Wire" in now_reads
    assert "5 killed" in now_reads and "3 kidnapped" in now_reads
    assert now_reads.startswith(sent[0].plain_text.split("\n", 1)[0]), "the headline the officer read stays"

    store = Store.in_data_dir(data_dir)
    try:
        incidents = store.recent_incidents(since=datetime(2000, 1, 1, tzinfo=UTC))
        assert len(incidents) == 1 and incidents[0].sources == 3
        assert incidents[0].languages == frozenset({"nl", "en"})
    finally:
        store.close()

    # Nothing new: nothing sent, nothing edited.
    assert main(["poll", "--once", "--config", path]) == 0
    assert len(fake_bot_api.sent_messages(CHANNEL)) == 1 and len(fake_bot_api.edits(CHANNEL)) == 1
    capsys.readouterr()
