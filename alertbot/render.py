"""Alerts as Telegram HTML messages. Every piece of feed text is escaped here, and only here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from html import escape, unescape

from alertbot.items import FeedItem
from classifiers import Prediction
from classifiers.labels import category_words

TELEGRAM_TEXT_LIMIT = 4096
SNIPPET_CHARS = 400
SEVERITY_MARK = {"critical": "\U0001f534", "high": "\U0001f7e0", "medium": "\U0001f7e1", "low": "\u26aa"}


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.-") + "\u2026"


def where(prediction: Prediction) -> str:
    parts = [p for p in (prediction.place, prediction.country) if p]
    if len(parts) == 2 and parts[0].casefold() == parts[1].casefold():
        parts = parts[:1]
    return ", ".join(parts) or "place unknown"


def published_words(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC") if moment else "time not given"


def render_alert(item: FeedItem, prediction: Prediction, regions: Sequence[str]) -> str:
    """The alert an officer reads: what, how bad, where, from whom, when, and why we think so."""
    severity = prediction.severity.upper()
    mark = SEVERITY_MARK.get(prediction.severity, "")
    title = escape(item.title or "(no title)", quote=False)
    if item.link.startswith(("http://", "https://")):
        headline = f'<a href="{escape(item.link, quote=True)}">{title}</a>'
    else:
        headline = f"<b>{title}</b>"
    what = f"<b>{severity} \u00b7 {escape(category_words(prediction.category))}</b>"
    lines = [f"{mark} {what} \u2014 {escape(where(prediction))}".strip(), headline]
    body = snippet(item.summary)
    if body and body != item.title:
        lines.append(escape(body, quote=False))
    source = f"{escape(item.feed_name, quote=False)} \u00b7 {published_words(item.published)}"
    if regions:
        source += f" \u00b7 region: {escape(', '.join(regions), quote=False)}"
    lines.append(f"<i>{source}</i>")
    if prediction.why:
        lines.append(f"<i>Why: {escape('; '.join(prediction.why), quote=False)}</i>")
    text = "\n".join(lines)
    if len(text) > TELEGRAM_TEXT_LIMIT:  # only a pathological title gets here; the snippet is already short
        return render_alert(replace(item, title=snippet(item.title, 1000), summary=""), prediction, regions)
    return text


def html_to_terminal(text: str) -> str:
    """Telegram HTML as plain terminal text: tags dropped, links kept after their text."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)}\n   {m.group(1)}", text, flags=re.S)
    return unescape(re.sub(r"</?[a-z][^>]*>", "", text))
