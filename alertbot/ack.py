"""Acknowledgement and escalation as text and buttons. Pure: no Telegram calls, no clock.

High and critical alerts carry an "Acknowledge" button whose callback data names the outbox row
(a chat's copy of the alert). The first press is recorded and the message edited to say who and
when; an alert nobody acknowledged in time is sent to the escalation chat, with its own button.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, User

from alertbot.render import TELEGRAM_TEXT_LIMIT, utf16_len
from classifiers.labels import SEVERITY_RANK

PREFIX = "ack"
ACK_RANK = SEVERITY_RANK["high"]  # high and critical alerts ask to be acknowledged
ACK_KINDS = ("alert", "escalation")
SHOWN_CHATS = 5
RESENT_NOTE = "\u21bb <i>Sent again after an interruption: you may have received this alert already.</i>"


def needs_ack(kind: str, severity_rank: int) -> bool:
    return kind in ACK_KINDS and severity_rank >= ACK_RANK


def callback_data(outbox_id: int) -> str:
    return f"{PREFIX}:{outbox_id}"


def parse_callback(data: str | None) -> int | None:
    """The outbox id a press names, or None: callback data comes from clients and is not trusted."""
    prefix, _, number = (data or "").partition(":")
    if prefix != PREFIX or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def ack_keyboard(outbox_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("\u2705 Acknowledge", callback_data=callback_data(outbox_id))]])


def who(user: User) -> str:
    """How a person is named under an alert: full name, and @username when there is one."""
    name = user.full_name or str(user.id)
    return f"{name} (@{user.username})" if user.username else name


def acknowledged_text(text: str, by: str, at: datetime) -> str:
    """The alert as sent, with who acknowledged it and when (UTC) underneath."""
    footer = f"\n\n\u2705 <b>Acknowledged</b> by {escape(by[:100], quote=False)} at {at:%d %b %Y %H:%M} UTC"
    return _fit(text, footer)


def escalation_text(text: str, after_minutes: int, chats: Sequence[int], titles: dict[int, str]) -> str:
    """The original alert under a header saying where it went unanswered."""
    names = [escape(titles.get(c, str(c)), quote=False) for c in chats[:SHOWN_CHATS]]
    if len(chats) > SHOWN_CHATS:
        names.append(f"and {len(chats) - SHOWN_CHATS} more")
    header = (
        f"\u26a0\ufe0f <b>ESCALATION</b>: not acknowledged within {after_minutes} min"
        + (f" in {', '.join(names)}" if names else "")
        + "\n\n"
    )
    return header + text


def resent_text(text: str) -> str:
    return _fit(text, "\n\n" + RESENT_NOTE)


def _fit(text: str, extra: str) -> str:
    """Alerts are rendered with room to spare; anything else is not extended past Telegram's limit."""
    if utf16_len(text) + utf16_len(extra) > TELEGRAM_TEXT_LIMIT:
        return text
    return text + extra
