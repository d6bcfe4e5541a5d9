"""The buttons under an alert: Acknowledge (high and critical) and the officers' feedback.

One place builds them, so that no edit of a message (an acknowledgement, a later report of the
same incident, a feedback choice) drops the other buttons. Edits work on the markup the message
already has: they remove or add rows by callback-data prefix and keep the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from alertbot.ack import ack_keyboard, needs_ack
from alertbot.feedback import feedback_buttons

FEEDBACK_KINDS = ("alert", "escalation")


def alert_keyboard(
    *, outbox_id: int, alert_id: int | None, kind: str, severity_rank: int, acknowledged: bool = False
) -> InlineKeyboardMarkup | None:
    rows: list[Sequence[InlineKeyboardButton]] = []
    if not acknowledged and needs_ack(kind, severity_rank):
        rows.extend(ack_keyboard(outbox_id).inline_keyboard)
    if alert_id is not None and kind in FEEDBACK_KINDS:
        rows.extend(feedback_buttons(alert_id))
    return InlineKeyboardMarkup(rows) if rows else None


def without_buttons(markup: InlineKeyboardMarkup | None, prefix: str) -> InlineKeyboardMarkup | None:
    """The markup less every button whose callback data starts with `prefix:`; None when empty."""
    if markup is None:
        return None
    rows = [
        [b for b in row if not (b.callback_data and str(b.callback_data).startswith(f"{prefix}:"))]
        for row in markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def with_rows(
    markup: InlineKeyboardMarkup | None, rows: Sequence[Sequence[InlineKeyboardButton]]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*(markup.inline_keyboard if markup else ()), *rows])
