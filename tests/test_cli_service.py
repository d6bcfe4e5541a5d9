"""The service as a person starts it: real processes, real signals, loopback servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from alertbot.cli import main
from alertbot.parse import BATCH_FEEDS
from tests.fakes import FakeBotApi, FeedServer
from tests.feedtext import FOUNDING, Story, rss

PROJECT = Path(__file__).resolve().parent.parent


def config_file(tmp_path: Path, data_dir: Path, feeds: list[dict[str, object]], api_url: str | None = None) -> Path:
    raw: dict[str, object] = {
        "data_dir": str(data_dir),
        "defaults": {"min_severity": "low"},
        "feeds": feeds,
        "regions": [{"name": "Kabul", "country": "Afghanistan", "places": ["Kabul"]}],
    }
    if api_url:
        raw["telegram"] = {"api_url": api_url}
    path = tmp_path / "alertbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ALERTBOT_")}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "alertbot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=PROJECT,
    )


def read_until(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> str:
    """Read stdout lines until one holds `needle`; a blocking read is fine, the process keeps writing."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    process.kill()
    _, err = process.communicate()
    raise AssertionError(f"{needle!r} never came; stdout:\n{''.join(seen)}\nstderr:\n{err}")


def test_terminal_mode_prints_alerts_keeps_polling_and_stops_on_sigterm(tmp_path: Path, data_dir: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(FOUNDING))
    path = config_file(tmp_path, data_dir, [{"name": "Testkrant", "url": str(feed), "interval": 1, "language": "nl"}])
    process = start(["run", "--config", str(path)])
    try:
        shown = read_until(process, "kidnapping")
        assert "=== ALERT" in shown and "Drie expats ontvoerd en vermoord in Kabul" in read_until(process, "Kabul")
        time.sleep(2.5)  # several more polls of the same feed
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Drie expats" not in out, "an alert was printed twice"
    assert "Traceback" not in err


def test_telegram_mode_never_logs_the_token_and_stops_on_sigterm(
    tmp_path: Path, data_dir: Path, fake_bot_api: FakeBotApi, feed_server: FeedServer
) -> None:
    token = "987654:SECRET-never-in-logs"
    feed_server.add("/feed.xml", rss(FOUNDING))
    url = feed_server.url("/feed.xml")
    path = config_file(tmp_path, data_dir, [{"name": "T", "url": url, "interval": 1}], fake_bot_api.base_url)
    process = start(["-v", "run", "--config", str(path)], {"ALERTBOT_TELEGRAM_TOKEN": token})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and feed_server.request_count("/feed.xml") < 2:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert feed_server.request_count("/feed.xml") >= 2
    assert token in fake_bot_api.tokens
    assert token not in out + err and "<token>" in err  # debug logs name request URLs, redacted


def test_poll_once_json_then_nothing_new(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.add("/feed.xml", rss(FOUNDING))
    feed_server.status("/broken.xml", 500)
    feeds = [
        {"name": "Testkrant", "url": feed_server.url("/feed.xml"), "interval": 60, "language": "nl"},
        {"name": "Broken", "url": feed_server.url("/broken.xml"), "interval": 60},
    ]
    path = str(config_file(tmp_path, data_dir, feeds))

    assert main(["poll", "--once", "--dry-run", "--json", "--config", path]) == 0
    dry = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["poll", "--once", "--json", "--config", path]) == 0
    captured = capsys.readouterr()
    first = [json.loads(line) for line in captured.out.splitlines()]
    assert dry == first, "a dry run decides what a real run decides"
    assert "ALERT" in captured.err, "alerts are printed to stderr when stdout carries JSON"

    feeds_seen = {r["name"]: r for r in first if r["type"] == "feed"}
    assert feeds_seen["Testkrant"]["status"] == "ok" and feeds_seen["Testkrant"]["new"] == 3
    assert feeds_seen["Broken"]["status"] == "error" and "500" in feeds_seen["Broken"]["error"]
    alerts = [r for r in first if r["type"] == "alert"]
    assert sorted(a["category"] for a in alerts) == ["armed_clash", "kidnapping"]
    kidnapping = next(a for a in alerts if a["category"] == "kidnapping")
    assert kidnapping["place"] == "Kabul" and kidnapping["severity"] in ("critical", "high")
    assert kidnapping["regions"] == ["Kabul"] and kidnapping["recipients"] == [0]

    assert main(["poll", "--once", "--json", "--config", path]) == 0
    second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    again = {r["name"]: r for r in second if r["type"] == "feed"}
    assert again["Testkrant"]["status"] == "not_modified" and again["Testkrant"]["new"] == 0
    assert not [r for r in second if r["type"] == "alert"]


def test_dry_run_on_a_fresh_data_dir_leaves_no_database(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.add("/feed.xml", rss(FOUNDING))
    path = config_file(tmp_path, data_dir, [{"name": "T", "url": feed_server.url("/feed.xml"), "interval": 60}])
    assert main(["poll", "--once", "--dry-run", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 new items, 2 incidents" in out and "would go to: 0" in out
    assert not (data_dir / "alertbot.sqlite3").exists()


def test_a_poll_of_many_batches_counts_every_distinct_item_once(
    tmp_path: Path, data_dir: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # More feeds than one parse batch holds, each with its own items and one story all of them carry:
    # every batch is settled on its own, and items of a settled batch are freed while others run.
    shared = Story("shared", "Markt in Utrecht weer open", "De weekmarkt is terug op het Vredenburg.", "https://x.example/m")
    feeds = []
    for f in range(3 * BATCH_FEEDS):
        stories = [
            Story(f"{f}-{i}", f"Bericht {i} van krant {f}", f"Nieuws nummer {i} uit regio {f}.", f"https://x.example/{f}/{i}")
            for i in range(6)
        ]
        feed_server.add(f"/f{f}.xml", rss([*stories, shared], title=f"Krant {f}"))
        feeds.append({"name": f"Krant {f}", "url": feed_server.url(f"/f{f}.xml"), "interval": 60, "language": "nl"})
    path = str(config_file(tmp_path, data_dir, feeds))

    assert main(["poll", "--once", "--json", "--config", path]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    reports = [r for r in rows if r["type"] == "feed"]
    assert [r["name"] for r in reports] == [f"Krant {f}" for f in range(3 * BATCH_FEEDS)], "in the config's order"
    assert sum(r["new"] for r in reports) == 3 * BATCH_FEEDS * 6 + 1
