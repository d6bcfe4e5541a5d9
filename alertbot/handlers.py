"""Telegram commands and scheduled jobs: thin glue from updates to the store and the poller."""

from __future__ import annotations

import asyncio
import logging
import shlex
from datetime import datetime
from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from alertbot.config import ALERT_SEVERITIES, FeedConfig
from alertbot.deliver import Courier
from alertbot.items import FeedHealth
from alertbot.render import published_words
from alertbot.services import Services

log = logging.getLogger(__name__)

SERVICES = "services"
DELIVERY_LOCK = "delivery_lock"
COURIER = "courier"

COMMANDS = (
    ("subscribe", "Get alerts: /subscribe [REGION ...] (no region: all)"),
    ("unsubscribe", "Stop alerts to this chat"),
    ("severity", "Lowest severity to receive: low, medium, high, critical"),
    ("status", "This chat's settings and the health of the feeds"),
    ("quiet", "Quiet hours: /quiet 22:00-07:00 Europe/Amsterdam, or /quiet off"),
    ("help", "What this bot does"),
)
ADMIN_COMMANDS = (
    ("retrain", "Admins: retrain the classifier with officers' feedback"),
    ("resume", "Admins: /resume CHAT_ID sends to a paused chat or channel again"),
)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.bot_data[SERVICES]
    return services


def command_args(context: ContextTypes.DEFAULT_TYPE, update: Update) -> list[str]:
    """Arguments with quotes and commas understood: /subscribe "Northern Afghanistan", Kabul."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    rest = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    try:
        words = shlex.split(rest.replace(",", " , "))
    except ValueError:
        words = list(context.args or [])
    return [w for w in words if w != ","]


async def reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


def help_text(services: Services) -> str:
    regions = ", ".join(escape(r.name) for r in services.config.regions) or "none configured"
    lines = [
        "<b>alertbot</b> watches news feeds for security incidents (kidnapping, bombing, armed attack, "
        "assassination, armed clash, unrest, crime), rates how severe each is and where it happened, "
        "and alerts this chat about the regions you choose.",
        "",
        *(f"/{name} \u2014 {escape(description)}" for name, description in (*COMMANDS, *ADMIN_COMMANDS)),
        "",
        "Each alert has buttons to say whether it was right; admins retrain the classifier with them.",
        f"Regions: {regions}",
        f"Severities: {', '.join(ALERT_SEVERITIES)} (new subscriptions start at {services.config.min_severity})",
    ]
    return "\n".join(lines)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, help_text(services_of(context)))


async def subscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    chat = update.effective_chat
    if chat is None:
        return
    names = command_args(context, update)
    if any(n.casefold() == "all" for n in names):
        names = []
    regions: list[str] = []
    unknown: list[str] = []
    for name in names:
        region = services.config.region(name)
        if region is None:
            unknown.append(name)
        elif region.name not in regions:
            regions.append(region.name)
    if unknown:
        known = ", ".join(escape(r.name) for r in services.config.regions) or "none configured"
        await reply(update, f"Unknown region: {escape(', '.join(unknown))}. Known regions: {known}.")
        return
    subscription = services.store.subscribe(chat.id, regions, services.config.min_severity, services.clock())
    if services.store.resume_chat(chat.id, services.clock()):
        log.info("chat %d subscribed again: what it was owed while paused goes out now", chat.id)
    where = ", ".join(escape(r) for r in subscription.regions) or "all regions"
    await reply(
        update,
        f"Subscribed to {where}, severity {subscription.min_severity} and above. "
        "Change it with /severity LEVEL; stop with /unsubscribe.",
    )


async def unsubscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    if update.effective_chat is None:
        return
    if services.store.unsubscribe(update.effective_chat.id, services.clock()):
        await reply(update, "Unsubscribed: this chat gets no more alerts. /subscribe to start again.")
    else:
        await reply(update, "This chat was not subscribed.")


async def severity_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    if update.effective_chat is None:
        return
    args = command_args(context, update)
    level = args[0].lower() if len(args) == 1 else ""
    if level not in ALERT_SEVERITIES:
        await reply(update, f"Usage: /severity LEVEL, where LEVEL is one of {', '.join(ALERT_SEVERITIES)}.")
        return
    if not services.store.set_min_severity(update.effective_chat.id, level, services.clock()):
        await reply(update, "This chat is not subscribed yet: /subscribe first.")
        return
    await reply(update, f"This chat now gets alerts of severity {level} and above.")


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    if update.effective_chat is None:
        return
    await reply(update, status_text(services, update.effective_chat.id))


def status_text(services: Services, chat_id: int) -> str:
    subscription = services.store.subscription(chat_id)
    if subscription is None or not subscription.active:
        settings = "This chat is not subscribed."
    else:
        where = ", ".join(escape(r) for r in subscription.regions) or "all regions"
        settings = f"This chat: {where}, severity {subscription.min_severity} and above."
    quiet = services.store.quiet_hours().get(chat_id)
    if quiet is not None:
        settings += f" Quiet hours {escape(quiet.describe())}."
    paused = services.store.paused_chats().get(chat_id)
    if paused is not None:
        settings += f" Paused: {escape(paused)}."
    last_poll = services.store.meta("last_poll")
    states = services.store.feed_states()
    healths = services.store.feed_healths()
    failing = [
        (feed, states[feed.url]) for feed in services.config.feeds if feed.url in states and states[feed.url].failures
    ]
    ok = sum(1 for feed in services.config.feeds if feed.url in states and not states[feed.url].failures)
    waiting = len(services.config.feeds) - ok - len(failing)
    lines = [
        settings,
        f"Last poll: {published_words(datetime.fromisoformat(last_poll)) if last_poll else 'not yet'}",
        f"Feeds: {ok} ok, {len(failing)} failing, {waiting} not polled yet",
        *(
            f"\u2022 {escape(feed.name)}: {escape(state.last_error or 'error')} "
            f"({state.failures} times in a row, last {published_words(state.last_error_at)}"
            f"{retry_words(healths.get(feed.url))})"
            for feed, state in failing
        ),
        f"Model: {escape(services.classifier.version)}",
        f"Alerts waiting to be sent: {services.store.pending_count()}",
    ]
    return "\n".join(lines)


def retry_words(health: FeedHealth | None) -> str:
    if health is None or health.next_poll is None:
        return ""
    told = "; admins told" if health.alarm_at else ""
    return f"; next try {published_words(health.next_poll)}{told}"


async def poll_feed_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    job = context.job
    if job is None or not isinstance(job.data, FeedConfig):
        return
    feed = job.data
    if not services.poller.due([feed], services.clock()):
        return  # backing off after errors; the job comes back at the feed's interval and checks again
    report = await services.poller.poll([feed], now=services.clock())
    services.store.set_meta("last_poll", services.clock().isoformat())
    for result in report.feeds:
        if result.status == "error":
            log.warning("feed %s failed: %s", result.name, result.error)
    if report.alerts:
        log.info("feed %s: %d new items, %d alerts", feed.name, report.new_items, len(report.alerts))
        await deliver_job(context)


async def deliver_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    lock: asyncio.Lock = context.bot_data[DELIVERY_LOCK]
    if lock.locked():
        return  # a round is under way; it or the next tick will take what is due
    async with lock:
        courier: Courier = context.bot_data[COURIER]
        application = context.application
        # Round after round through a backlog; a stopping service ends the round it is in.
        while (await courier.run_round(keep_going=lambda: application.running)).more:
            pass


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first; then tell the person, if there is one, without details they cannot use."""
    log.error("error while handling %r", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, that failed on our side; the admins can see why in the log."
            )
        except Exception:
            log.debug("could not tell the user about the error", exc_info=True)
