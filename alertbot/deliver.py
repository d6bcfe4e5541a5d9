"""Outbox to Telegram: send what is due, most severe first, within Telegram's limits; lose nothing.

A message leaves the outbox only when Telegram gave it a message id (see alertbot/outbox.py for
the states and the crash argument). One round does, in order:

1. queue the digests of quiet hours that ended and the escalations of alerts nobody acknowledged;
2. send pending messages, most severe first: at most one request in flight per chat (so a chat
   sees its alerts in order), a few chats at once (so 30 a second is reachable over a real
   network), never past the limits the SendLimiter keeps;
3. stop when nothing more can go within a second; the JobQueue calls the next round.

Flood control (429) pauses every send for the retry_after given; a server error, time-out or
outage pauses every send with growing backoff, without limit in time, and the message keeps its
place in the queue, so critical alerts still go first when Telegram is back. A chat that blocked
the bot is paused (its messages kept) and the admins are told once. A message Telegram refuses
as malformed goes again as plain text; only if that fails too is it set aside, and logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from alertbot.ack import acknowledged_text, escalation_text, needs_ack, resent_text
from alertbot.config import Config, EscalationConfig
from alertbot.digest import digest_texts
from alertbot.keyboards import alert_keyboard
from alertbot.outbox import OutboxMessage
from alertbot.quiet import QuietHours, held_by_quiet_hours, rings
from alertbot.ratelimit import Limits, SendLimiter
from alertbot.render import TELEGRAM_TEXT_LIMIT, html_to_terminal
from alertbot.store import Store
from classifiers.labels import SEVERITY_RANK

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]

MAX_BACKOFF = 8.0  # seconds between probes of a Telegram that is down: one request, not a storm
ROUND_WAIT = 1.0  # a round sleeps through waits up to this long; longer ones are the next round's
EDIT_WAIT = timedelta(seconds=2)  # an edit whose message has not left yet looks again this much later
REFETCH_AFTER = 0.5  # seconds: a newly decided critical alert waits at most this long for its turn
ROUND_LIMIT = 30.0  # seconds; then the caller starts the next round after a look at the clock


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    limits: Limits = field(default_factory=Limits)
    admins: tuple[int, ...] = ()
    escalation: EscalationConfig | None = None
    max_in_flight: int = 8
    batch: int = 200


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    postponed: int = 0
    paused_chats: int = 0
    failed: int = 0
    held: int = 0
    digests: int = 0
    escalations: int = 0
    more: bool = False  # the round ended on its time limit with messages still sendable


def backoff(failures: int) -> float:
    """0.5 s, 1 s, 2 s, ... up to MAX_BACKOFF: quick to notice recovery, gentle on a server that is down."""
    return float(min(MAX_BACKOFF, 0.5 * 2 ** max(0, failures - 1)))


def maybe_delivered(exc: TelegramError) -> bool:
    """Whether Telegram may have taken the message although we got no answer.

    A time-out after the request left, or a connection lost mid-answer, is ambiguous; an HTTP
    error answer, a refused connection or a full local pool means it never arrived.
    """
    text = str(exc)
    if isinstance(exc, TimedOut):
        return "not* sent" not in text and "Pool timeout" not in text
    if isinstance(exc, NetworkError):
        return text.startswith(("httpx.", "Unknown error in HTTP")) and "ConnectError" not in text
    return False


def retry_after_seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return float(wait.total_seconds() if isinstance(wait, timedelta) else wait)


class Courier:
    """Delivers the outbox. One per process; holds the rate-limit windows between rounds."""

    def __init__(
        self,
        store: Store,
        bot: Bot,
        clock: Clock,
        settings: DeliverySettings | None = None,
        *,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        self.settings = settings or DeliverySettings()
        self.limiter = SendLimiter(self.settings.limits)
        self._monotonic = monotonic
        self._failures = 0
        self._failing_until = 0.0
        self._recovered = False
        self.rounds = 0  # rounds completed: for /status and for tests that must see one pass

    def recover(self) -> int:
        """Once per process, before the first send: messages a crash caught mid-request go again."""
        self._recovered = True
        count = self.store.recover_interrupted()
        if count:
            log.warning("%d messages were interrupted mid-send by a stop; sending them again, marked", count)
        return count

    def wait(self) -> float:
        """Seconds before anything at all may be sent (flood control or an outage)."""
        now = self._monotonic()
        return max(self.limiter.global_wait(now), self._failing_until - now, 0.0)

    async def run_round(
        self, keep_going: Callable[[], bool] = lambda: True, max_seconds: float = ROUND_LIMIT
    ) -> DeliveryReport:
        """Send what can go now. Returns early when `keep_going` turns false (the service stops) or
        after `max_seconds`, so quiet hours ending and escalations are looked at during a backlog too.
        """
        if not self._recovered:
            self.recover()
        report = DeliveryReport()
        now = self.clock()
        self.store.park_paused()
        report.digests = self._queue_digests(now)
        report.escalations = self._queue_escalations(now)
        await self._drain(report, keep_going, self._monotonic() + max_seconds)
        self.limiter.forget_idle(self._monotonic())
        self.rounds += 1
        return report

    # queueing

    def _queue_digests(self, now: datetime) -> int:
        count = 0
        for chat_id, held in self.store.digests_due(now).items():
            texts = digest_texts(held)
            rank = max(SEVERITY_RANK.get(h.severity, 0) for h in held)
            self.store.add_digest(chat_id, texts, [h.outbox_id for h in held], rank, now)
            count += len(texts)
        return count

    def _queue_escalations(self, now: datetime) -> int:
        escalation = self.settings.escalation
        if escalation is None:
            return 0
        count = 0
        for overdue in self.store.escalations_due(now, escalation.chat_id):
            text = escalation_text(overdue.text, escalation.after_minutes, overdue.chats, {})
            if self.store.add_escalation(overdue.alert_id, escalation.chat_id, overdue.severity_rank, text, now):
                log.warning("alert %d not acknowledged in time; escalated", overdue.alert_id)
                count += 1
        return count

    # sending

    async def _drain(self, report: DeliveryReport, keep_going: Callable[[], bool], deadline: float) -> None:
        in_flight: dict[int, asyncio.Task[None]] = {}
        quiet = self.store.quiet_hours()
        try:
            while keep_going():
                if self._monotonic() > deadline:
                    report.more = True
                    return
                wait = self.wait()
                if wait > 0:
                    if wait > ROUND_WAIT:
                        return
                    await asyncio.sleep(wait)
                    continue
                fetched = self._monotonic()
                saturated = self.limiter.saturated(fetched)
                rows = self.store.due_messages(self.clock(), self.settings.batch, sorted({*in_flight, *saturated}))
                if not rows:
                    if in_flight:
                        await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                        continue
                    reopens = self.limiter.reopens(fetched)
                    if reopens is None or reopens > ROUND_WAIT or not self.store.due_messages(self.clock(), 1):
                        return
                    await asyncio.sleep(reopens)
                    continue
                dispatched = 0
                for row in rows:
                    if self.wait() > 0 or self._monotonic() - fetched > REFETCH_AFTER:
                        break
                    if row.chat_id in in_flight or not self._ready(row, quiet.get(row.chat_id), report):
                        continue
                    while len(in_flight) >= self.settings.max_in_flight:
                        await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                    if self.wait() > 0:
                        break
                    if self._dispatch(row, in_flight, report):
                        dispatched += 1
                if not dispatched:
                    if in_flight:
                        await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                    else:
                        await asyncio.sleep(0.05)  # everything fetched was held or blocked; let windows move
        finally:
            if in_flight:
                await asyncio.gather(*in_flight.values(), return_exceptions=True)

    def _ready(self, row: OutboxMessage, quiet: QuietHours | None, report: DeliveryReport) -> bool:
        """Whether the row may go now; quiet hours hold it, an edit waits for its message."""
        if self.limiter.chat_wait(row.chat_id, self._monotonic()) > 0:
            return False
        if row.kind == "alert":
            until = held_by_quiet_hours(row.severity_rank, quiet, self.clock())
            if until is not None:
                self.store.hold(row.id, until)
                report.held += 1
                return False
        if row.kind == "edit":
            target = self.store.edit_context(row.id)
            if target is None or target.status in ("failed", "paused", "digested"):
                self.store.mark_undeliverable(row.id, "the message to edit was never delivered")
                return False
            if target.message_id is None:
                self.store.defer(row.id, self.clock() + EDIT_WAIT)
                return False
        return True

    def _dispatch(self, row: OutboxMessage, in_flight: dict[int, asyncio.Task[None]], report: DeliveryReport) -> bool:
        # The claim is committed before the request leaves: see alertbot/outbox.py for why.
        if not self.store.claim(row.id, uuid.uuid4().hex, self.clock()):
            return False
        started = self._monotonic()
        self.limiter.charge(row.chat_id, started)
        task = asyncio.create_task(self._deliver(row, started, report))
        in_flight[row.chat_id] = task
        chat_id = row.chat_id

        def done(_: asyncio.Task[None]) -> None:
            in_flight.pop(chat_id, None)

        task.add_done_callback(done)
        return True

    async def _deliver(self, row: OutboxMessage, started: float, report: DeliveryReport) -> None:
        try:
            outcome = await self._send(row)
        finally:
            self.limiter.settle(row.chat_id, started, self._monotonic())
        if outcome == "sent":
            report.sent += 1
        elif outcome == "paused":
            report.paused_chats += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.postponed += 1

    async def _send(self, row: OutboxMessage) -> str:
        try:
            try:
                message_id = await self._post(row, ParseMode.HTML)
            except BadRequest as exc:
                if not _malformed(exc):
                    raise
                # Our own HTML was refused: the officer still gets the alert, as plain text.
                log.error("Telegram refused outbox message %d as HTML (%s); sending it as plain text", row.id, exc)
                message_id = await self._post(row, None)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            self.limiter.pause(wait, self._monotonic())
            self.store.retry_later(row.id, f"flood control: retry after {wait:g} s", self.clock())
            log.warning("flood control: Telegram asks for %g s of quiet", wait)
            return "flood"
        except ChatMigrated as exc:
            return self._pause(row, f"the group moved to chat {exc.new_chat_id}")
        except Forbidden as exc:
            return self._pause(row, exc.message)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return self._pause(row, exc.message)
            if row.kind == "edit" and "message is not modified" in exc.message.lower():
                target = self.store.edit_context(row.id)
                message_id = target.message_id if target and target.message_id else 0
                self.store.mark_sent(row.id, message_id, self.clock())
                return "sent"
            log.error("Telegram refused outbox message %d for chat %d: %s", row.id, row.chat_id, exc.message)
            self.store.mark_undeliverable(row.id, exc.message)
            return "failed"
        except TelegramError as exc:  # 5xx, time-outs, outages, answers that are not JSON
            self._failures += 1
            pause = backoff(self._failures)
            self._failing_until = self._monotonic() + pause
            uncertain = maybe_delivered(exc)
            self.store.retry_later(row.id, f"{type(exc).__name__}: {exc}", self.clock(), uncertain=uncertain)
            log.warning("Telegram unavailable (%s); trying again in %.1f s", exc, pause)
            return "postponed"
        self._failures = 0
        self.store.mark_sent(row.id, message_id, self.clock(), escalate_at=self._escalate_at(row))
        return "sent"

    async def _post(self, row: OutboxMessage, parse_mode: str | None) -> int:
        """One request for the row: a new message, or the edit of one already sent. Returns its id."""
        if row.kind == "edit":
            return await self._edit(row, parse_mode)
        text = resent_text(row.text) if row.uncertain else row.text
        sent = await self.bot.send_message(
            chat_id=row.chat_id,
            text=text if parse_mode else html_to_terminal(text)[:TELEGRAM_TEXT_LIMIT],
            parse_mode=parse_mode,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            disable_notification=self._silent(row),
            reply_markup=alert_keyboard(
                outbox_id=row.id, alert_id=row.alert_id, kind=row.kind, severity_rank=row.severity_rank
            ),
        )
        return sent.message_id

    async def _edit(self, row: OutboxMessage, parse_mode: str | None) -> int:
        target = self.store.edit_context(row.id)
        if target is None or target.message_id is None:  # checked before the claim; a race is not an error
            raise BadRequest("Message to edit not found")
        text = row.text
        acknowledged = bool(target.ack_by and target.ack_at)
        if target.ack_by and target.ack_at:
            text = acknowledged_text(text, target.ack_by, target.ack_at)
        markup = alert_keyboard(  # an edit without the markup would drop the buttons
            outbox_id=target.target_id,
            alert_id=target.alert_id,
            kind=target.kind,
            severity_rank=max(target.severity_rank, row.severity_rank),
            acknowledged=acknowledged,
        )
        await self.bot.edit_message_text(
            text if parse_mode else html_to_terminal(text)[:TELEGRAM_TEXT_LIMIT],
            chat_id=row.chat_id,
            message_id=target.message_id,
            parse_mode=parse_mode,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )
        return target.message_id

    @staticmethod
    def _silent(row: OutboxMessage) -> bool:
        if row.kind == "digest":
            return True  # it comes when quiet hours end: a summary to read, not an alarm
        return row.kind == "alert" and not rings(row.severity_rank)

    def _escalate_at(self, row: OutboxMessage) -> datetime | None:
        escalation = self.settings.escalation
        if escalation is None or row.kind != "alert" or not needs_ack(row.kind, row.severity_rank):
            return None
        if row.chat_id == escalation.chat_id:
            return None
        return self.clock() + timedelta(minutes=escalation.after_minutes)

    def _pause(self, row: OutboxMessage, reason: str) -> str:
        notice = (
            f"\u26d4 Chat <code>{row.chat_id}</code> can no longer get alerts: {escape(reason, quote=False)}. "
            "Its subscription is paused and what it is owed is kept; it goes out when the chat "
            "sends /subscribe again."
        )
        admins = [(admin, notice) for admin in self.settings.admins if admin != row.chat_id]
        if self.store.pause_chat(row.chat_id, reason, self.clock(), admins):
            log.warning("chat %d paused: %s; %d admins told", row.chat_id, reason, len(admins))
        return "paused"


def _malformed(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "can't parse entities" in text or "message is too long" in text


async def deliver_due(store: Store, bot: Bot, clock: Clock, settings: DeliverySettings | None = None) -> DeliveryReport:
    """One round by a fresh courier: for one-shot commands that send what a single poll decided."""
    return await Courier(store, bot, clock, settings).run_round()


def settings_from(config: Config) -> DeliverySettings:
    return DeliverySettings(admins=config.telegram.admins, escalation=config.telegram.escalation)
