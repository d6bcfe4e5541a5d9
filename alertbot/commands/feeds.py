"""Body of `alertbot feeds`: the health of every feed, and the feed list as OPML in and out.

Plain functions over explicit streams and paths returning an exit code; cli.py only wires them.

`--import-opml FILE` prints the feeds of FILE that the config does not have yet, as YAML entries to
paste under `feeds:`. It does not rewrite the config file: the file is the operator's, with their
comments and order, and a YAML round trip would lose both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Final, TextIO

import yaml

from alertbot.config import Config
from alertbot.feed_health import duration_words, in_backoff
from alertbot.items import FeedHealth, FeedState
from alertbot.opml import OpmlError, read_opml, write_opml
from alertbot.store import Store

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 1
DEFAULT_INTERVAL: Final = 300


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def feed_lines(
    config: Config, states: Mapping[str, FeedState], healths: Mapping[str, FeedHealth], now: datetime
) -> list[str]:
    """One block per configured feed: state, last success, last error, items, next poll, backoff."""
    lines: list[str] = []
    for feed in config.feeds:
        state = states.get(feed.url)
        health = healths.get(feed.url, FeedHealth(url=feed.url))
        if state is None:
            status = "not polled yet"
        elif state.failures:
            status = f"FAILING ({state.failures} in a row{', admins told' if health.alarm_at else ''})"
        else:
            status = "ok"
        if in_backoff(health.next_poll, now):
            next_poll = f"{_when(health.next_poll)} (backing off {duration_words(health.backoff)})"
        else:
            next_poll = f"on its interval, every {duration_words(feed.interval)}"
        error = "none"
        if state is not None and state.last_error:
            error = f"{_when(state.last_error_at)}: {state.last_error}"
        lines += [
            *([""] if lines else []),
            f"{feed.name}  [{status}]",
            f"  url:          {feed.url}",
            f"  last success: {_when(state.last_ok if state else None)}",
            f"  last error:   {error}",
            f"  items:        {state.entries if state else 0} in the feed, {health.items} new taken in all",
            f"  next poll:    {next_poll}",
        ]
    return lines


def run_feeds(config: Config, out: TextIO, now: datetime) -> int:
    path = Store.path_in(config.data_dir)
    if path.exists():
        store = Store(path)
        try:
            states, healths = store.feed_states(), store.feed_healths()
        finally:
            store.close()
    else:
        states, healths = {}, {}
    print("\n".join(feed_lines(config, states, healths, now)), file=out)
    failing = sum(1 for f in config.feeds if f.url in states and states[f.url].failures)
    print(f"\n{len(config.feeds)} feeds, {failing} failing", file=out)
    return EXIT_OK


def export_opml(config: Config, target: Path, out: TextIO, now: datetime) -> int:
    target.write_bytes(write_opml(config.feeds, title=f"alertbot feeds ({config.path.name})", now=now))
    print(f"{len(config.feeds)} feeds written to {target}", file=out)
    return EXIT_OK


def import_opml(config: Config, source: Path, out: TextIO, err: TextIO) -> int:
    try:
        feeds = read_opml(source.read_bytes())
    except (OSError, OpmlError) as exc:
        print(f"alertbot: cannot import {source}: {exc}", file=err)
        return EXIT_BAD_INPUT
    known = {feed.url for feed in config.feeds}
    new = [f for f in feeds if f.url not in known]
    entries = [
        {"name": f.name, "url": f.url, "interval": DEFAULT_INTERVAL, **({"language": f.language} if f.language else {})}
        for f in new
    ]
    print(f"# {len(new)} new feeds from {source} ({len(feeds) - len(new)} already in the config);", file=out)
    print("# paste under feeds: in the config, then run: alertbot check-config FILE", file=out)
    if entries:
        print(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=200).rstrip(), file=out)
    return EXIT_OK
