"""Outbox to Telegram: send what is due, record what happened, never lose a message.

A message leaves the outbox only when Telegram gave it a message id. Flood control and outages
postpone it; a chat that blocked the bot is paused with its messages kept; only a message
Telegram itself rejects as malformed is set aside (and logged), since sending it again cannot help.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from alertbot.store import OutboxMessage, Store

log = logging.getLogger(__name__)

# Telegram allows about 30 messages a second overall; leave a little headroom.
SEND_INTERVAL = 1 / 28
MAX_BACKOFF = timedelta(minutes=5)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    postponed: int = 0
    paused_chats: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


async def deliver_due(
    store: Store,
    bot: Bot,
    clock: Callable[[], datetime],
    *,
    limit: int = 200,
    on_chat_paused: Callable[[int, str], None] | None = None,
) -> DeliveryReport:
    report = DeliveryReport()
    for message in store.due_messages(clock(), limit):
        outcome = await _send(store, bot, message, clock)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "paused":
            report.paused_chats += 1
            if on_chat_paused is not None:
                on_chat_paused(message.chat_id, "the bot was blocked or removed")
        elif outcome == "failed":
            report.failed += 1
        else:
            report.postponed += 1
            if outcome == "flood":
                break  # the whole bot is rate-limited: the rest waits for the next round
        await asyncio.sleep(SEND_INTERVAL)
    return report


async def _send(store: Store, bot: Bot, message: OutboxMessage, clock: Callable[[], datetime]) -> str:
    try:
        sent = await bot.send_message(
            chat_id=message.chat_id,
            text=message.text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except RetryAfter as exc:
        wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
        store.retry_later(message.id, f"flood control: retry after {wait} s", clock() + timedelta(seconds=wait))
        return "flood"
    except Forbidden as exc:
        log.warning("chat %s blocked or removed the bot; pausing it: %s", message.chat_id, exc.message)
        store.pause_chat(message.chat_id, exc.message, clock())
        return "paused"
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            store.pause_chat(message.chat_id, exc.message, clock())
            return "paused"
        log.error("Telegram refused outbox message %s for chat %s: %s", message.id, message.chat_id, exc.message)
        store.mark_undeliverable(message.id, exc.message)
        return "failed"
    except (NetworkError, TelegramError) as exc:  # TimedOut is a NetworkError: retry later
        store.retry_later(message.id, f"{type(exc).__name__}: {exc}", clock() + backoff(message.attempts))
        return "postponed"
    store.mark_sent(message.id, sent.message_id, clock())
    return "sent"
