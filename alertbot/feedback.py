"""Officers' one-tap feedback on alerts, and how it becomes training data.

Pure: callback data in and out, verdicts to labelled examples. Storage is the store's job and
retraining the classifier's; this module only knows what a tap means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton

from classifiers.labels import INCIDENT_CATEGORIES, SEVERITIES, category_words

PREFIX = "fb"
VERDICTS = ("right", "none", "more", "less", "other")  # "other" opens the category choice
CATEGORY_PREFIX = "fc"


@dataclass(frozen=True, slots=True)
class FeedbackTap:
    alert_id: int
    verdict: str  # one of VERDICTS, or "category"
    category: str | None = None


def feedback_buttons(alert_id: int) -> list[list[InlineKeyboardButton]]:
    """The rows an alert carries: is it right, not an incident, more or less severe, another kind."""
    return [
        [
            InlineKeyboardButton("\U0001f44d Right", callback_data=f"{PREFIX}:{alert_id}:right"),
            InlineKeyboardButton("\U0001f44e Not an incident", callback_data=f"{PREFIX}:{alert_id}:none"),
        ],
        [
            InlineKeyboardButton("\u2b06 More severe", callback_data=f"{PREFIX}:{alert_id}:more"),
            InlineKeyboardButton("\u2b07 Less severe", callback_data=f"{PREFIX}:{alert_id}:less"),
            InlineKeyboardButton("\U0001f3f7 Other kind", callback_data=f"{PREFIX}:{alert_id}:other"),
        ],
    ]


def category_buttons(alert_id: int) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(category_words(c), callback_data=f"{CATEGORY_PREFIX}:{alert_id}:{c}")
            for c in INCIDENT_CATEGORIES[i : i + 3]
        ]
        for i in range(0, len(INCIDENT_CATEGORIES), 3)
    ]


def parse_tap(data: str) -> FeedbackTap | None:
    """None for anything that is not well-formed feedback: callback data comes from clients."""
    parts = data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    prefix, alert_id, value = parts[0], int(parts[1]), parts[2]
    if prefix == PREFIX and value in VERDICTS:
        return FeedbackTap(alert_id, value)
    if prefix == CATEGORY_PREFIX and value in INCIDENT_CATEGORIES:
        return FeedbackTap(alert_id, "category", value)
    return None


def corrected_labels(
    predicted_category: str, predicted_severity: str, verdict: str, category: str | None
) -> tuple[str, str]:
    """What the officer says the labels should have been."""
    if verdict == "none":
        return "none", "none"
    if verdict == "category" and category:
        return category, predicted_severity if predicted_severity != "none" else "medium"
    rank = SEVERITIES.index(predicted_severity)
    if verdict == "more":
        return predicted_category, SEVERITIES[min(rank + 1, len(SEVERITIES) - 1)]
    if verdict == "less":
        return predicted_category, SEVERITIES[max(rank - 1, 1)]
    return predicted_category, predicted_severity


def training_example(alert: Mapping[str, Any], category: str, severity: str) -> dict[str, Any]:
    """A labelled line in the seeds' format (labels.md names), from a stored alert."""
    incident = category != "none"
    return {
        "id": f"feedback-{alert['id']}",
        "title": alert["title"],
        "summary": alert["summary"],
        "language": alert["language"],
        "category": category,
        "severity": severity,
        "country": alert["country"] if incident else None,
        "place": alert["place"] if incident else None,
    }


THANKS = {
    "right": "Thanks: marked as right.",
    "none": "Thanks: marked as not an incident.",
    "more": "Thanks: marked as more severe.",
    "less": "Thanks: marked as less severe.",
    "category": "Thanks: category corrected.",
}
