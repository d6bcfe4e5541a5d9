"""Hostile feed hosts in one poll beside a good feed: each fails fast and bounded, the good one comes through.

The real path: FeedServer on loopback -> `alertbot poll --once --json` (Fetcher, FeedParser's worker
pool, classifier, store). Failing feeds back off and, after five failures in a row, the admins hear
of it once through the outbox.
"""

from __future__ import annotations

import io
import json
import resource
import socket
from pathlib import Path

import feedparser
import pytest
import yaml

from alertbot.app import build_application
from alertbot.cli import main
from alertbot.config import load_config
from alertbot.parse import parse_feed_bytes
from alertbot.store import Store
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import FOUNDING, rss
from tests.test_end_to_end import running

MAX_BYTES = 1024 * 1024
# Generous for loopback: the hostile servers run in this very process and take their share of the GIL.
TIMEOUT = 3.0


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n<rss version="2.0"><channel><title>laughs</title>'
        "<item><title>&lol9;</title><link>https://laughs.example.org/1</link><description>&lol9;</description></item>"
        "<item><title>An ordinary item after the bomb</title><link>https://laughs.example.org/2</link></item>"
        "</channel></rss>"
    ).encode()


def quadratic_blowup() -> bytes:
    big = "x" * 20000
    refs = "&a;" * 20000
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{big}">]><rss version="2.0"><channel><title>q</title>'
        f"<item><title>{refs}</title><link>https://quad.example.org/1</link></item></channel></rss>"
    ).encode()


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"  # nothing listens there any more


def rss_bytes(title: str, encoding_decl: str, body_encoding: str) -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding_decl}"?><rss version="2.0"><channel><title>{title}</title>'
        f"<item><title>Café in Zürich: überfall</title><link>https://enc.example.org/{title}</link>"
        "<description>Één gewonde bij overval</description></item></channel></rss>"
    )
    return text.encode(body_encoding)


def write_config(tmp_path: Path, data_dir: Path, feeds: list[dict[str, object]]) -> Path:
    raw = {
        "telegram": {"admins": [4242]},
        "data_dir": str(data_dir),
        "defaults": {"min_severity": "low"},
        "feeds": feeds,
        "regions": [{"name": "Kabul", "country": "Afghanistan", "places": ["Kabul", "Kaboel"]}],
        "poll": {"timeout": TIMEOUT, "max_bytes": MAX_BYTES, "concurrency": 8},
    }
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_hostile_feeds_fail_fast_and_bounded_and_the_good_feed_comes_through(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    good = feed_server.add("/good.xml", rss(FOUNDING))
    feed_server.add("/drip.xml", rss(FOUNDING))
    hostile = {
        "drip": feed_server.drip("/drip.xml", bytes_per_second=1.0),
        "endless": feed_server.endless("/endless.xml"),
        "gzip bomb": feed_server.gzip_bomb("/bomb.xml", decompressed_mb=1000),
        "redirect loop": feed_server.redirect_loop("/loop.xml"),
        "slow headers": feed_server.slow_headers("/slow.xml", 30),
        "not found": feed_server.status("/missing.xml", 404),
        "refused": refused_url(),
        "laughs": feed_server.add("/laughs.xml", billion_laughs()),
        "quadratic": feed_server.add("/quadratic.xml", quadratic_blowup()),
        "latin-1 said utf-8": feed_server.add("/mislabelled.xml", rss_bytes("mislabelled", "utf-8", "latin-1")),
        "unknown charset": feed_server.add("/bogus.xml", rss_bytes("bogus", "x-no-such-charset", "utf-8")),
        "not xml": feed_server.add("/binary.xml", bytes(range(256)) * 64, content_type="application/octet-stream"),
    }
    feeds = [{"name": "Good", "url": good, "interval": 60, "language": "nl"}] + [
        {"name": name, "url": url, "interval": 60} for name, url in hostile.items()
    ]
    path = str(write_config(tmp_path, data_dir, feeds))

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["poll", "--once", "--json", "--config", path]) == 0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    status = {r["name"]: r for r in records if r["type"] == "feed"}

    assert set(status) == {"Good", *hostile}, "a status for every feed"
    assert status["Good"]["status"] == "ok" and status["Good"]["new"] == 3, status
    assert "kidnapping" in {r["category"] for r in records if r["type"] == "alert"}
    for name in ("drip", "slow headers"):
        assert status[name]["status"] == "error" and "timed out" in status[name]["error"].lower(), status[name]
    for name in ("endless", "gzip bomb"):
        assert status[name]["status"] == "error" and "larger than" in status[name]["error"], status[name]
    assert "redirects" in status["redirect loop"]["error"]
    assert "404" in status["not found"]["error"]
    assert status["refused"]["status"] == "error" and "Connect" in status["refused"]["error"]
    assert status["not xml"]["status"] == "error"
    # Entity expansion stays unexpanded: the items are there, each no bigger than the document.
    assert status["laughs"]["status"] == "ok" and status["laughs"]["entries"] == 2
    assert status["quadratic"]["entries"] <= 1
    for name in ("latin-1 said utf-8", "unknown charset"):
        assert status[name]["status"] == "ok" and status[name]["entries"] == 1, status[name]
    assert grown_mb < 150, f"the poll grew the process by {grown_mb:.0f} MB"


@pytest.mark.parametrize("document", [billion_laughs(), quadratic_blowup()], ids=["billion-laughs", "quadratic"])
def test_entity_expansion_is_never_expanded(document: bytes) -> None:
    """What feedparser (with expat) does with entity bombs, on the bytes: nothing grows past the input."""
    parsed = parse_feed_bytes(document, {}, feed_url="u", feed_name="n", language="en")
    assert all(len(item.title) + len(item.summary) <= len(document) for item in parsed.items)
    assert not any("lollollol" in item.title for item in parsed.items)
    raw = feedparser.parse(io.BytesIO(document))
    assert all(len(str(e.get("title", ""))) <= len(document) for e in raw.entries)


def test_a_failing_feed_backs_off_and_admins_hear_once(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.status("/down.xml", 503, headers={"Retry-After": "120"})
    feeds = [{"name": "Down", "url": feed_server.url("/down.xml"), "interval": 60}]
    path = str(write_config(tmp_path, data_dir, feeds))
    for _ in range(7):
        assert main(["poll", "--once", "--json", "--config", path]) == 0
    capsys.readouterr()

    store = Store.in_data_dir(data_dir)
    try:
        state = store.feed_state(feed_server.url("/down.xml"))
        health = store.feed_health(feed_server.url("/down.xml"))
        notices = [r for r in store.outbox_rows() if r["kind"] == "notice"]
    finally:
        store.close()
    assert state.failures == 7
    assert health.next_poll is not None and health.backoff >= 120, "Retry-After is a floor"
    assert health.alarm_at is not None
    assert len(notices) == 1 and notices[0]["chat_id"] == 4242 and "Down" in str(notices[0]["text"])

    feed_server.behave("/down.xml")
    feed_server.add("/down.xml", rss(FOUNDING))
    assert main(["poll", "--once", "--json", "--config", path]) == 0
    capsys.readouterr()
    store = Store.in_data_dir(data_dir)
    try:
        recovered = store.feed_health(feed_server.url("/down.xml"))
        texts = [str(r["text"]) for r in store.outbox_rows() if r["kind"] == "notice"]
    finally:
        store.close()
    assert recovered.next_poll is None and recovered.alarm_at is None and recovered.items == 3
    assert len(texts) == 2 and "works again" in texts[1]


@pytest.mark.asyncio
async def test_status_shows_a_failing_feed_with_its_next_try(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The running service, not a poll --once: the feed job fails, backs off, and /status says so."""
    monkeypatch.setenv("ALERTBOT_TELEGRAM_TOKEN", "123456:TEST-status")
    feed_server.status("/gone.xml", 404)
    feed_server.add("/fine.xml", rss(FOUNDING))
    raw = {
        "telegram": {"api_url": fake_bot_api.base_url, "admins": [77]},
        "data_dir": str(data_dir),
        "feeds": [
            {"name": "Gone", "url": feed_server.url("/gone.xml"), "interval": 1},
            {"name": "Fine", "url": feed_server.url("/fine.xml"), "interval": 1},
        ],
        "poll": {"timeout": TIMEOUT},
    }
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    async with running(build_application(load_config(path), token="123456:TEST-status")):
        # A second request to the good feed means its first poll was recorded (one job run at a time).
        await fake_bot_api.wait_for(lambda: feed_server.request_count("/fine.xml") >= 2, timeout=20, what="two polls")
        assert feed_server.request_count("/gone.xml") >= 1
        fake_bot_api.inject_message(77, "/status")
        status = (await fake_bot_api.wait_for_messages(1, 77))[-1].plain_text
    assert "1 ok, 1 failing" in status, status
    assert "Gone: HTTP 404" in status and "in a row" in status and "next try" in status, status
