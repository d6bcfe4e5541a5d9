"""The morning digest: alerts held through quiet hours, as few messages as Telegram allows. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from alertbot.outbox import HeldAlert
from alertbot.render import SEVERITY_MARK, TELEGRAM_TEXT_LIMIT, escaped, utf16_len
from classifiers.labels import category_words

DIGEST_BUDGET = TELEGRAM_TEXT_LIMIT - 200
TITLE_CHARS = 300


def digest_line(alert: HeldAlert) -> str:
    place = ", ".join(p for p in (alert.place, alert.country) if p) or "place unknown"
    title = escaped(alert.title or "(no title)", TITLE_CHARS)
    if alert.link.startswith(("http://", "https://")) and len(alert.link) <= 800:
        title = f'<a href="{escape(alert.link, quote=True)}">{title}</a>'
    what = f"{alert.severity.upper()} \u00b7 {escape(category_words(alert.category))}"
    return f"{SEVERITY_MARK.get(alert.severity, '')} <b>{what}</b> \u2014 {escaped(place, 200)}\n{title}"


def digest_texts(held: Sequence[HeldAlert]) -> list[str]:
    """One message when it fits (it usually does); otherwise numbered parts, nothing left out."""
    lines = [digest_line(a) for a in held]
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        cost = utf16_len(line) + 2
        if chunks[-1] and size + cost > DIGEST_BUDGET:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += cost
    count = len(held)
    noun = "alert" if count == 1 else "alerts"
    texts = []
    for number, chunk in enumerate(chunks, start=1):
        part = f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""
        head = f"\U0001f319 <b>While you were quiet: {count} {noun}</b>{part}"
        texts.append("\n\n".join([head, *chunk]))
    return texts
