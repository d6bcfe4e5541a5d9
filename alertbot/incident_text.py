"""An incident's alert text: the first report's alert, plus its sources and the newest facts.

The message an officer got is edited in place as reports come in, so its headline stays the one
they first read; what changed (more sources, higher counts, the latest headline) is added below.
Feed text is escaped here as in render.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape

from alertbot.incidents import Incident
from alertbot.items import FeedItem
from alertbot.render import TELEGRAM_TEXT_LIMIT, render_alert, snippet
from classifiers import Prediction

MAX_SOURCE_NAMES = 8


def counts_words(incident: Incident) -> str:
    parts = [
        f"{count} {word}"
        for count, word in (
            (incident.killed, "killed"),
            (incident.injured, "injured"),
            (incident.kidnapped, "kidnapped"),
        )
        if count
    ]
    return ", ".join(parts)


def render_incident(
    lead: FeedItem,
    prediction: Prediction,
    regions: Sequence[str],
    *,
    incident: Incident,
    source_names: Sequence[str],
    latest: FeedItem | None = None,
) -> str:
    """The alert for an incident; with one source it is exactly the spine's alert."""
    merged = replace(
        prediction,
        severity=incident.severity,
        killed=incident.killed,
        injured=incident.injured,
        kidnapped=incident.kidnapped,
    )
    text = render_alert(lead, merged, regions)
    if incident.sources <= 1:
        return text
    names = list(dict.fromkeys(source_names))
    shown = ", ".join(escape(n, quote=False) for n in names[:MAX_SOURCE_NAMES])
    if len(names) > MAX_SOURCE_NAMES:
        shown += f" and {len(names) - MAX_SOURCE_NAMES} more"
    lines = [text, f"\U0001f4f0 <b>{incident.sources} sources</b>: {shown}"]
    counts = counts_words(incident)
    if counts:
        lines.append(f"<b>Now: {counts}</b>")
    if latest is not None and latest.link != lead.link:
        title = escape(snippet(latest.title, 200), quote=False)
        if latest.link.startswith(("http://", "https://")):
            title = f'<a href="{escape(latest.link, quote=True)}">{title}</a>'
        lines.append(f"Latest: {title} ({escape(latest.feed_name, quote=False)})")
    joined = "\n".join(lines)
    return joined if len(joined) <= TELEGRAM_TEXT_LIMIT else text
