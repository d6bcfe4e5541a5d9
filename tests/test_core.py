"""The core: normalising entries, deciding who gets what, rendering alerts, and units of store writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.config import RegionConfig
from alertbot.decide import recipients, regions_of
from alertbot.items import FeedItem, Subscription
from alertbot.normalise import canonical_link, html_to_text, title_key
from alertbot.render import TELEGRAM_TEXT_LIMIT, html_to_terminal, render_alert
from alertbot.store import Store
from classifiers import Prediction

REGIONS = (
    RegionConfig("Kabul", "Afghanistan", ("Kabul", "Kaboel")),
    RegionConfig("Jowzjan", "Afghanistan", ("Jowzjan",)),
    RegionConfig("Afghanistan", "Afghanistan"),
)


def prediction(
    severity: str = "critical", place: str | None = "Kabul", country: str | None = "Afghanistan"
) -> Prediction:
    return Prediction(
        id="x",
        category="kidnapping",
        severity=severity,
        score=0.9,
        country=country,
        place=place,
        why=("kidnapping: 'ontvoerd'",),
    )


def item(
    title: str = "Drie expats ontvoerd",
    summary: str = "Drie buitenlanders ontvoerd.",
    link: str = "https://example.org/a",
) -> FeedItem:
    return FeedItem(
        "https://example.org/feed", "Demo", "g1", title, link, summary, datetime(2026, 11, 27, 7, 40, tzinfo=UTC), "nl"
    )


def test_html_to_text_drops_tags_scripts_and_entities() -> None:
    assert (
        html_to_text("<p>Drie&nbsp;<b>expats</b></p><script>alert(1)</script><p>ontvoerd &amp; vermoord</p>")
        == "Drie expats ontvoerd & vermoord"
    )
    assert html_to_text("plain text") == "plain text"


def test_canonical_link_drops_tracking_and_fragment() -> None:
    assert canonical_link("HTTPS://Example.ORG:443/a?utm_source=rss&id=3&fbclid=x#top") == "https://example.org/a?id=3"
    assert canonical_link("http://example.org") == "http://example.org/"


def test_title_key_ignores_case_punctuation_and_accents() -> None:
    assert title_key("Drie expats ontvoerd – en vermoord!") == title_key("drie EXPATS ontvoerd en vermoord")
    assert title_key("Syrië") == title_key("Syrie")


def test_regions_by_place_alias_and_whole_country() -> None:
    assert regions_of(prediction(place="Kabul"), REGIONS) == ("Kabul", "Afghanistan")
    assert regions_of(prediction(place="Kaboel"), REGIONS) == ("Kabul", "Afghanistan")
    assert regions_of(prediction(place="Jowzjan"), REGIONS) == ("Jowzjan", "Afghanistan")
    assert regions_of(prediction(place="Quetta", country="Pakistan"), REGIONS) == ()


def test_recipients_follow_regions_and_minimum_severity() -> None:
    subs = [
        Subscription(1, (), "medium"),
        Subscription(2, ("Kabul",), "high"),
        Subscription(3, ("Jowzjan",), "low"),
        Subscription(4, (), "critical"),
        Subscription(5, (), "low", active=False),
        Subscription(1, ("Kabul",), "low"),  # the same chat twice gets it once
    ]
    assert recipients("critical", ("Kabul", "Afghanistan"), subs) == [1, 2, 4]
    assert recipients("medium", ("Kabul",), subs) == [1]
    assert recipients("high", ("Jowzjan",), subs) == [1, 3]
    assert recipients("none", ("Kabul",), subs) == []


def test_alert_names_severity_category_place_source_and_time() -> None:
    text = render_alert(item(), prediction(), ("Kabul",))
    plain = html_to_terminal(text)
    assert "CRITICAL · kidnapping" in plain and "Kabul, Afghanistan" in plain
    assert '<a href="https://example.org/a">Drie expats ontvoerd</a>' in text
    assert "Demo · 27 Nov 2026 07:40 UTC" in plain and "region: Kabul" in plain
    assert "Why: kidnapping: 'ontvoerd'" in plain


def test_feed_text_is_escaped_and_long_text_trimmed() -> None:
    hostile = item(
        title='<b>x</b> & <a href="javascript:1">y</a>', summary="<i>" + "lang " * 3000, link='https://e.org/?a="b"'
    )
    text = render_alert(hostile, prediction(), ())
    assert len(text) <= TELEGRAM_TEXT_LIMIT
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a" in text
    assert 'href="https://e.org/?a=&quot;b&quot;"' in text
    tags = re.findall(r"</?([a-z]+)", text)
    assert set(tags) <= {"a", "b", "i"}


def test_a_unit_of_store_writes_lands_whole_or_not_at_all(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.sqlite3")
    try:
        first, second = item(), item(title="Bom in Kandahar, vijf doden", link="https://example.org/b")
        with pytest.raises(RuntimeError), store.unit():
            store.mark_seen([first], datetime(2026, 11, 27, tzinfo=UTC))
            raise RuntimeError("crash between two writes of one settle")
        assert store.unseen([first]) == [first], "the write before the crash was rolled back"
        with store.unit():
            store.mark_seen([first], datetime(2026, 11, 27, tzinfo=UTC))
            store.mark_seen([second], datetime(2026, 11, 27, tzinfo=UTC))
        assert store.unseen([first, second]) == []
    finally:
        store.close()
