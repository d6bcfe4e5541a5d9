"""`alertbot poll --once`: one cycle of the service over every feed, then exit."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, TextIO

from telegram import Bot

from alertbot.config import Config
from alertbot.console import TERMINAL_CHAT_ID, TERMINAL_TOKEN, ConsoleRequest
from alertbot.deliver import deliver_due, settings_from
from alertbot.items import Subscription
from alertbot.poll import DecidedAlert, FeedReport, PollReport
from alertbot.render import html_to_terminal, render_alert
from alertbot.services import Services, utc_now
from alertbot.store import Store


def feed_record(feed: FeedReport) -> dict[str, Any]:
    return {
        "type": "feed",
        "url": feed.url,
        "name": feed.name,
        "status": feed.status,
        "entries": feed.entries,
        "new": feed.new,
        "error": feed.error,
    }


def alert_record(alert: DecidedAlert) -> dict[str, Any]:
    item, prediction = alert.item, alert.prediction
    return {
        "type": "alert",
        "feed": item.feed_name,
        "title": item.title,
        "link": item.link,
        "published": item.published.isoformat() if isinstance(item.published, datetime) else None,
        "language": item.language,
        "category": prediction.category,
        "severity": prediction.severity,
        "score": round(prediction.score, 4),
        "country": prediction.country,
        "place": prediction.place,
        "regions": list(alert.regions),
        "why": list(prediction.why),
        "recipients": list(alert.recipients),
    }


def print_report(report: PollReport, out: TextIO, *, as_json: bool, dry_run: bool) -> None:
    if as_json:
        for record in [*map(feed_record, report.feeds), *map(alert_record, report.alerts)]:
            print(json.dumps(record, ensure_ascii=False), file=out)
        return
    for feed in report.feeds:
        detail = f"{feed.entries} entries, {feed.new} new" if feed.status != "error" else feed.error
        print(f"{feed.status:>12}  {feed.name}: {detail}", file=out)
    joined = sum(1 for alert in report.alerts if alert.joined)
    more = f", {joined} more reports of incidents already known" if joined else ""
    print(f"{report.new_items} new items, {len(report.alerts) - joined} incidents{more}", file=out)
    if report.held:
        print(f"{report.held} items held for the next poll: the classifier failed on them (see the log)", file=out)
    if dry_run:  # nothing will be sent, so show here what would have been
        for alert in report.alerts:
            print("\n" + html_to_terminal(render_alert(alert.item, alert.prediction, alert.regions)), file=out)
            print(f"   would go to: {', '.join(map(str, alert.recipients)) or 'nobody subscribed'}", file=out)


async def poll_once(config: Config, *, dry_run: bool, as_json: bool, out: TextIO) -> int:
    token = config.telegram.token()
    terminal = () if token else (Subscription(TERMINAL_CHAT_ID, (), config.min_severity, kind="terminal"),)
    store = None
    if dry_run and not Store.path_in(config.data_dir).exists():
        store = Store.in_memory()  # a dry run on a fresh data_dir leaves no database behind
    services = Services.open(config, extra_subscribers=terminal, clock=utc_now, store=store)
    try:
        report = await services.poller.poll(config.feeds, now=services.clock(), dry_run=dry_run)
        if not dry_run:
            services.store.set_meta("last_poll", services.clock().isoformat())
        print_report(report, out, as_json=as_json, dry_run=dry_run)
        if not dry_run:
            # With --json, stdout carries JSON only; printed alerts go to stderr.
            bot = (
                Bot(token, base_url=config.telegram.api_url)
                if token
                else Bot(TERMINAL_TOKEN, request=ConsoleRequest(sys.stderr if as_json else out))
            )
            async with bot:
                await deliver_due(services.store, bot, services.clock, settings_from(config))
    finally:
        await services.close()
    return 0
