"""The feedback buttons under alerts: one tap records what the officer says the labels are."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import ContextTypes

from alertbot.feedback import (
    CATEGORY_PREFIX,
    THANKS,
    category_buttons,
    corrected_labels,
    parse_tap,
)
from alertbot.handlers import services_of
from alertbot.keyboards import with_rows, without_buttons

log = logging.getLogger(__name__)


async def feedback_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    services = services_of(context)
    tap = parse_tap(query.data)
    alert = services.store.alert_record(tap.alert_id) if tap else None
    if tap is None or alert is None:
        await query.answer("That button is no longer valid.")
        return
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if tap.verdict == "other":
        await query.answer("Which kind of incident is it?")
        await query.edit_message_reply_markup(
            with_rows(without_buttons(markup, CATEGORY_PREFIX), category_buttons(tap.alert_id))
        )
        return
    category, severity = corrected_labels(alert["category"], alert["severity"], tap.verdict, tap.category)
    services.store.record_feedback(
        tap.alert_id,
        user_id=query.from_user.id,
        chat_id=update.effective_chat.id if update.effective_chat else 0,
        category=category,
        severity=severity,
        now=services.clock(),
    )
    await query.answer(THANKS[tap.verdict])
    if tap.verdict == "category":  # the choice is made: the category rows go, the rest stays
        await query.edit_message_reply_markup(without_buttons(markup, CATEGORY_PREFIX))
