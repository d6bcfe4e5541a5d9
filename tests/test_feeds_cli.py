"""`alertbot feeds`: health per feed after real polls, and the feed list through OPML and back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alertbot.cli import main
from alertbot.config import load_config
from alertbot.opml import OpmlError, read_opml
from tests.fakes import FeedServer
from tests.feedtext import FOUNDING, rss


def config_file(tmp_path: Path, data_dir: Path, feeds: list[dict[str, object]]) -> Path:
    raw = {"data_dir": str(data_dir), "feeds": feeds, "poll": {"timeout": 2.0}}
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_feeds_shows_success_errors_items_and_backoff(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.add("/good.xml", rss(FOUNDING))
    feed_server.status("/busy.xml", 429, headers={"Retry-After": "3600"})
    feeds = [
        {"name": "Good", "url": feed_server.url("/good.xml"), "interval": 60},
        {"name": "Busy", "url": feed_server.url("/busy.xml"), "interval": 60},
        {"name": "Later", "url": feed_server.url("/later.xml"), "interval": 60},
    ]
    path = str(config_file(tmp_path, data_dir, feeds))
    assert main(["feeds", "--config", path]) == 0
    assert capsys.readouterr().out.count("not polled yet") == 3

    raw = yaml.safe_load(Path(path).read_text())
    raw["feeds"] = raw["feeds"][:2]
    Path(path).write_text(yaml.safe_dump(raw))
    assert main(["poll", "--once", "--config", path]) == 0
    raw["feeds"] = feeds
    Path(path).write_text(yaml.safe_dump(raw))
    capsys.readouterr()

    assert main(["feeds", "--config", path]) == 0
    out = capsys.readouterr().out
    good, busy, later, total = out.split("\n\n")
    assert "[ok]" in good and "3 in the feed, 3 new taken in all" in good and "on its interval" in good
    assert "last success: never" not in good and "last error:   none" in good
    assert "FAILING (1 in a row)" in busy and "HTTP 429" in busy and "backing off 60 min" in busy
    assert "not polled yet" in later
    assert "3 feeds, 1 failing" in total


def test_opml_export_then_import_round_trip(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feeds = [
        {"name": "NOS Buitenland", "url": "https://feeds.example.nl/buitenland.xml", "interval": 300, "language": "nl"},
        {"name": "World & Wire", "url": "https://wire.example.com/rss?x=1&y=2", "interval": 120},
    ]
    path = str(config_file(tmp_path, data_dir, feeds))
    exported = tmp_path / "feeds.opml"
    assert main(["feeds", "--config", path, "--export-opml", str(exported)]) == 0
    assert [(f.name, f.url, f.language) for f in read_opml(exported.read_bytes())] == [
        ("NOS Buitenland", "https://feeds.example.nl/buitenland.xml", "nl"),
        ("World & Wire", "https://wire.example.com/rss?x=1&y=2", None),
    ]
    capsys.readouterr()

    # Importing into a config that has only the first feed proposes exactly the second.
    other = tmp_path / "other"
    other.mkdir()
    small = config_file(other, data_dir, feeds[:1])
    assert main(["feeds", "--config", str(small), "--import-opml", str(exported)]) == 0
    proposed = capsys.readouterr().out
    assert "1 new feeds" in proposed and "1 already in the config" in proposed
    entries = yaml.safe_load(proposed)
    assert entries == [{"name": "World & Wire", "url": "https://wire.example.com/rss?x=1&y=2", "interval": 300}]
    raw = yaml.safe_load(small.read_text())
    raw["feeds"] += entries
    small.write_text(yaml.safe_dump(raw))
    assert [f.url for f in load_config(small).feeds] == [f["url"] for f in feeds], "the entries paste in as they are"


def test_opml_from_a_feed_reader_with_folders(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "reader.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>'
        '<outline text="News"><outline text="A" type="rss" xmlUrl="https://a.example/rss"/>'
        '<outline title="B" text="b" xmlUrl="https://b.example/atom" language="en-GB"/></outline>'
        '<outline text="A again" xmlUrl="https://a.example/rss"/><outline text="no feed"/></body></opml>'
    )
    path = config_file(tmp_path, data_dir, [{"name": "X", "url": "https://x.example/rss"}])
    assert main(["feeds", "--config", str(path), "--import-opml", str(opml)]) == 0
    entries = yaml.safe_load(capsys.readouterr().out)
    assert [(e["name"], e["url"], e.get("language")) for e in entries] == [
        ("A", "https://a.example/rss", None),
        ("B", "https://b.example/atom", "en"),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "b">]><opml><body/></opml>', "DOCTYPE"),
        (b"<opml><body>", "well-formed"),
        (b"<rss/>", "not <opml>"),
    ],
)
def test_bad_opml_is_refused_with_a_reason(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], content: bytes, problem: str
) -> None:
    with pytest.raises(OpmlError, match=problem):
        read_opml(content)
    bad = tmp_path / "bad.opml"
    bad.write_bytes(content)
    path = config_file(tmp_path, data_dir, [{"name": "X", "url": "https://x.example/rss"}])
    assert main(["feeds", "--config", str(path), "--import-opml", str(bad)]) == 1
    assert problem in capsys.readouterr().err
