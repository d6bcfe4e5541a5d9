"""Telegram glue for delivery: /quiet, and the Acknowledge button."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from alertbot.ack import acknowledged_text, parse_callback, who
from alertbot.handlers import command_args, deliver_job, reply, services_of
from alertbot.keyboards import without_buttons
from alertbot.quiet import QuietHoursError, parse_quiet_hours

log = logging.getLogger(__name__)

QUIET_USAGE = (
    "Usage: /quiet 22:00-07:00 Europe/Amsterdam (your time zone), or /quiet off. During quiet hours low "
    "and medium alerts wait and come as one digest when they end; high and critical always come through."
)
ANSWER_LIMIT = 200  # Telegram's limit on a callback answer


async def quiet_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    chat = update.effective_chat
    if chat is None:
        return
    args = command_args(context, update)
    now = services.clock()
    if not args:
        current = services.store.quiet_hours().get(chat.id)
        shown = f"Quiet hours: {current.describe()}." if current else "No quiet hours set."
        await reply(update, f"{shown}\n{QUIET_USAGE}")
        return
    if len(args) == 1 and args[0].casefold() == "off":
        services.store.set_quiet_hours(chat.id, None, now)
        await reply(update, "Quiet hours off: every alert comes as it is decided; anything held comes now as a digest.")
        await deliver_job(context)
        return
    try:
        quiet = parse_quiet_hours(args)
    except QuietHoursError as exc:
        await reply(update, f"That did not work: {exc}.\n{QUIET_USAGE}")
        return
    services.store.set_quiet_hours(chat.id, quiet, now)
    await reply(
        update,
        f"Quiet hours {quiet.describe()}: low and medium alerts wait and come as one digest at "
        f"{quiet.end:%H:%M}; high and critical alerts always come through, with sound. /quiet off ends it.",
    )


async def ack_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None:
        return
    outbox_id = parse_callback(query.data)
    if outbox_id is None or chat is None:
        await query.answer("That button is no longer valid.")
        return
    services = services_of(context)
    ack = services.store.acknowledge(outbox_id, chat.id, who(query.from_user), query.from_user.id, services.clock())
    if ack is None:
        await query.answer("This alert is not one this chat can acknowledge.")
        return
    when = f"{ack.at:%H:%M} UTC"
    answer = "Acknowledged. Thank you." if ack.new else f"Already acknowledged by {ack.by} at {when}."
    await query.answer(answer[:ANSWER_LIMIT])
    # Rewritten on every press, not only the first: a press after a failed edit repairs the message.
    message_id = ack.message_id or (query.message.message_id if query.message else None)
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if message_id is None:
        return
    try:
        await context.bot.edit_message_text(
            acknowledged_text(ack.text, ack.by, ack.at),
            chat_id=chat.id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            # The Acknowledge button goes; the feedback buttons stay.
            reply_markup=without_buttons(markup, "ack"),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.warning("could not mark alert %d as acknowledged: %s", outbox_id, exc.message)
    except TelegramError as exc:
        log.warning("could not mark alert %d as acknowledged: %s", outbox_id, exc)
