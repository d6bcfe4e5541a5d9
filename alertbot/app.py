"""The one place where the service is wired: Application, handlers, jobs, error handler."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import TextIO

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler

from alertbot.admin_handlers import resume_command, retrain_command
from alertbot.config import Config
from alertbot.console import TERMINAL_CHAT_ID, TERMINAL_TOKEN, ConsoleRequest
from alertbot.deliver import Courier, settings_from
from alertbot.delivery_handlers import ack_callback, quiet_command
from alertbot.errors import ConfigError
from alertbot.feedback_handlers import feedback_callback
from alertbot.handlers import (
    COMMANDS,
    COURIER,
    DELIVERY_LOCK,
    SERVICES,
    deliver_job,
    error_handler,
    poll_feed_job,
    severity_command,
    start_command,
    status_command,
    subscribe_command,
    unsubscribe_command,
)
from alertbot.items import Subscription
from alertbot.services import Clock, Services, utc_now

log = logging.getLogger(__name__)

DELIVERY_TICK = 1.0  # seconds between outbox rounds: retries, quiet hours ending, escalations
FIRST_POLL_DELAY = 0.1
FIRST_POLL_SPREAD = 0.2  # seconds between first polls, so a cold start does not hit every feed at once


def build_application(
    config: Config,
    *,
    token: str | None,
    console_out: TextIO | None = None,
    clock: Clock = utc_now,
    poll_interval_scale: float = 1.0,
) -> Application:  # type: ignore[type-arg]
    """Without a token, the terminal plays Telegram: alerts are printed, commands are not taken."""
    console = token is None
    builder: ApplicationBuilder = Application.builder()  # type: ignore[type-arg]
    if token is None:
        builder = builder.token(TERMINAL_TOKEN).request(ConsoleRequest(console_out))
        builder = builder.get_updates_request(ConsoleRequest(console_out))
    else:
        builder = builder.token(token).base_url(config.telegram.api_url)
    extra: Sequence[Subscription] = ()
    if console:
        extra = (Subscription(chat_id=TERMINAL_CHAT_ID, regions=(), min_severity=config.min_severity, kind="terminal"),)

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        services = await asyncio.to_thread(Services.open, config, extra_subscribers=extra, clock=clock, progress=False)
        application.bot_data[SERVICES] = services
        application.bot_data[DELIVERY_LOCK] = asyncio.Lock()
        courier = Courier(services.store, application.bot, clock, settings_from(config))
        courier.recover()  # before any job runs: what a kill caught mid-send goes again
        application.bot_data[COURIER] = courier
        if not console:
            await application.bot.set_my_commands([BotCommand(name, text[:256]) for name, text in COMMANDS])
        schedule_jobs(application, config, poll_interval_scale)
        log.info("alertbot started: %d feeds, model %s", len(config.feeds), services.classifier.version)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        services: Services | None = application.bot_data.pop(SERVICES, None)
        if services is not None:
            await services.close()

    application = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    for command, callback in (
        ("start", start_command),
        ("help", start_command),
        ("subscribe", subscribe_command),
        ("unsubscribe", unsubscribe_command),
        ("severity", severity_command),
        ("status", status_command),
        ("retrain", retrain_command),
        ("resume", resume_command),
        ("quiet", quiet_command),
    ):
        application.add_handler(CommandHandler(command, callback))
    application.add_handler(CallbackQueryHandler(feedback_callback, pattern=r"^f[bc]:"))
    application.add_handler(CallbackQueryHandler(ack_callback, pattern=r"^ack:"))
    application.add_error_handler(error_handler)
    return application


def schedule_jobs(application: Application, config: Config, interval_scale: float = 1.0) -> None:  # type: ignore[type-arg]
    """Each feed on its own interval, plus the outbox; all in PTB's JobQueue."""
    queue = application.job_queue
    if queue is None:
        raise ConfigError("", "python-telegram-bot was installed without its job-queue extra")
    for index, feed in enumerate(config.feeds):
        queue.run_repeating(
            poll_feed_job,
            interval=feed.interval * interval_scale,
            # APScheduler drops a first run of 0 s (PTB documents this), so start just after now.
            first=FIRST_POLL_DELAY + index * FIRST_POLL_SPREAD,
            data=feed,
            name=f"poll {feed.name}",
            job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )
    queue.run_repeating(
        deliver_job, interval=DELIVERY_TICK, first=DELIVERY_TICK, name="deliver", job_kwargs={"max_instances": 1}
    )


def run_service(config: Config, *, token: str | None) -> None:
    """Run until SIGINT or SIGTERM; both stop the service cleanly."""
    application = build_application(config, token=token)
    application.run_polling(
        allowed_updates=Update.ALL_TYPES,
        stop_signals=(signal.SIGINT, signal.SIGTERM),
        drop_pending_updates=False,
    )
