"""The one taxonomy (../shared/labels.md), as names the code can check against."""

from typing import Final

CATEGORIES: Final = (
    "kidnapping",
    "bombing",
    "armed_attack",
    "assassination",
    "armed_clash",
    "unrest",
    "crime",
    "none",
)
INCIDENT_CATEGORIES: Final = CATEGORIES[:-1]

SEVERITIES: Final = ("none", "low", "medium", "high", "critical")
SEVERITY_RANK: Final = {name: rank for rank, name in enumerate(SEVERITIES)}


def severity_rank(name: str) -> int:
    """Order severities so that thresholds can be compared; unknown names raise KeyError."""
    return SEVERITY_RANK[name]


def category_words(category: str) -> str:
    """How a person reads a category name: armed_clash -> armed clash."""
    return category.replace("_", " ")
