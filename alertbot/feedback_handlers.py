"""Feedback buttons on alerts and the admins' /retrain command."""

from __future__ import annotations

import asyncio
import json
import logging
from html import escape
from pathlib import Path

from telegram import Message, Update
from telegram.ext import ContextTypes

from alertbot.feedback import (
    CATEGORY_PREFIX,
    THANKS,
    category_buttons,
    corrected_labels,
    parse_tap,
    training_example,
)
from alertbot.handlers import reply, services_of
from alertbot.keyboards import with_rows, without_buttons
from alertbot.services import PROJECT_SEEDS, Services, classifier_settings
from alertbot.store import Store
from classifiers.model_io import train_and_save
from classifiers.predict import Classifier

log = logging.getLogger(__name__)

RETRAIN_LOCK = "retrain_lock"


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


def export_feedback(store: Store, data_dir: Path) -> tuple[Path, int]:
    """Feedback as labelled JSON Lines beside the model, the form `alertbot train --data` reads."""
    path = data_dir / "feedback.jsonl"
    rows = [training_example(alert, category, severity) for alert, category, severity in store.feedback_labels()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path, len(rows)


def retrain(services: Services, feedback: Path) -> Classifier:
    created = services.clock().isoformat(timespec="seconds")
    model = train_and_save(services.config.data_dir, PROJECT_SEEDS, extra=[feedback], created=created)
    return Classifier(model, classifier_settings(services.config))


async def retrain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    user = update.effective_user
    if user is None or user.id not in services.config.telegram.admins:
        await reply(update, "Only the bot's admins can retrain the classifier.")
        return
    lock: asyncio.Lock = context.bot_data.setdefault(RETRAIN_LOCK, asyncio.Lock())
    if lock.locked():
        await reply(update, "Retraining is already under way.")
        return
    async with lock:
        feedback, count = export_feedback(services.store, services.config.data_dir)
        await reply(update, f"Retraining on the seeds and {count} alerts with officers' feedback\u2026")
        old = services.classifier.version
        classifier = await asyncio.to_thread(retrain, services, feedback)
        services.classifier = classifier
        services.poller.classifier = classifier
        log.info("retrained by %s: model %s replaces %s", user.id, classifier.version, old)
        await reply(update, f"Done. Model {escape(classifier.version)} replaces {escape(old)}.")
