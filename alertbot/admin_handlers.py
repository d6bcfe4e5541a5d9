"""Commands only the configured admins may use: /retrain and /resume."""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from alertbot.handlers import command_args, deliver_job, reply, services_of
from alertbot.retraining import export_feedback, retrain

log = logging.getLogger(__name__)

RETRAIN_LOCK = "retrain_lock"


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    if user is not None and user.id in services_of(context).config.telegram.admins:
        return True
    await reply(update, "Only the bot's admins can do that.")
    return False


async def retrain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await is_admin(update, context):
        return
    services = services_of(context)
    lock: asyncio.Lock = context.bot_data.setdefault(RETRAIN_LOCK, asyncio.Lock())
    if lock.locked():
        await reply(update, "Retraining is already under way.")
        return
    async with lock:
        feedback, count = export_feedback(services.store, services.config.data_dir)
        await reply(update, f"Retraining on the seeds and {count} alerts with officers' feedback\u2026")
        old = services.classifier.version
        try:
            classifier = await asyncio.to_thread(retrain, services, feedback)
        except Exception:
            log.exception("retraining failed; the current model stays")
            await reply(update, f"Retraining failed; model {escape(old)} stays. The log has the details.")
            return
        services.classifier = classifier
        services.poller.classifier = classifier
        log.info("retrained: model %s replaces %s", classifier.version, old)
        await reply(update, f"Done. Model {escape(classifier.version)} replaces {escape(old)}.")


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A paused channel cannot /subscribe itself; an admin resumes it by id."""
    if not await is_admin(update, context):
        return
    services = services_of(context)
    args = command_args(context, update)
    paused = services.store.paused_chats()
    if len(args) != 1 or not args[0].lstrip("-").isdigit():
        listing = ", ".join(f"<code>{chat}</code>" for chat in paused) or "none"
        await reply(update, f"Usage: /resume CHAT_ID. Paused chats: {listing}.")
        return
    chat_id = int(args[0])
    if chat_id not in paused:
        await reply(update, f"Chat <code>{chat_id}</code> is not paused.")
        return
    owed = services.store.resume_chat(chat_id, services.clock())
    await reply(update, f"Chat <code>{chat_id}</code> resumed; {owed} messages it was owed go out now.")
    await deliver_job(context)
