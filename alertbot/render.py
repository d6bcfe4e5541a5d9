"""Alerts as Telegram HTML messages. Every piece of feed text is escaped here, and only here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape, unescape

from alertbot.items import FeedItem
from classifiers import Prediction
from classifiers.labels import category_words

TELEGRAM_TEXT_LIMIT = 4096
# An alert leaves room for what delivery may add: who acknowledged it, an escalation header, a
# note that it may repeat. Counted in UTF-16 code units, as Telegram counts, on the HTML source,
# which is never shorter than the text Telegram measures.
ALERT_BUDGET = TELEGRAM_TEXT_LIMIT - 400
SNIPPET_CHARS = 400
# Most escaped characters each field may take, so that no feed text, however long or full of
# '&' (five characters escaped), pushes an alert past the budget.
FIELD_BUDGET = {"title": 500, "summary": 1000, "link": 800, "where": 200, "source": 200, "regions": 300, "why": 500}
SEVERITY_MARK = {"critical": "\U0001f534", "high": "\U0001f7e0", "medium": "\U0001f7e1", "low": "\u26aa"}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (most emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.-") + "\u2026"


def escaped(text: str, budget: int, *, quote: bool = False) -> str:
    """`text` HTML-escaped and, if need be, cut so the escaped form fits `budget` UTF-16 units."""
    limit = budget
    while True:
        result = escape(snippet(text, limit), quote=quote)
        size = utf16_len(result)
        if size <= budget or limit <= 1:
            return result if size <= budget else ""
        limit = max(1, min(limit - 1, limit * budget // size))


def where(prediction: Prediction) -> str:
    parts = [p for p in (prediction.place, prediction.country) if p]
    if len(parts) == 2 and parts[0].casefold() == parts[1].casefold():
        parts = parts[:1]
    return ", ".join(parts) or "place unknown"


def published_words(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC") if moment else "time not given"


def render_alert(item: FeedItem, prediction: Prediction, regions: Sequence[str]) -> str:
    """The alert an officer reads: what, how bad, where, from whom, when, and why we think so."""
    budget = FIELD_BUDGET
    severity = prediction.severity.upper()
    mark = SEVERITY_MARK.get(prediction.severity, "")
    title = escaped(item.title or "(no title)", budget["title"])
    link = escape(item.link, quote=True)
    if item.link.startswith(("http://", "https://")) and utf16_len(link) <= budget["link"]:
        headline = f'<a href="{link}">{title}</a>'
    else:
        headline = f"<b>{title}</b>"
    what = f"<b>{severity} \u00b7 {escape(category_words(prediction.category))}</b>"
    lines = [f"{mark} {what} \u2014 {escaped(where(prediction), budget['where'])}".strip(), headline]
    body = snippet(item.summary)
    if body and body != item.title:
        lines.append(escaped(body, budget["summary"]))
    source = f"{escaped(item.feed_name, budget['source'])} \u00b7 {published_words(item.published)}"
    if regions:
        source += f" \u00b7 region: {escaped(', '.join(regions), budget['regions'])}"
    lines.append(f"<i>{source}</i>")
    if prediction.why:
        lines.append(f"<i>Why: {escaped('; '.join(prediction.why), budget['why'])}</i>")
    return "\n".join(lines)


def html_to_terminal(text: str) -> str:
    """Telegram HTML as plain terminal text: tags dropped, links kept after their text."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)}\n   {m.group(1)}", text, flags=re.S)
    return unescape(re.sub(r"</?[a-z][^>]*>", "", text))
