"""Incident classification: text in, category, severity and place out.

This package knows nothing of Telegram, feeds or the alertbot config file; callers hand it
plain articles and plain settings.
"""

from classifiers.labels import CATEGORIES, INCIDENT_CATEGORIES, SEVERITIES
from classifiers.types import Article, ClassifierSettings, Prediction

__all__ = [
    "CATEGORIES",
    "INCIDENT_CATEGORIES",
    "SEVERITIES",
    "Article",
    "ClassifierSettings",
    "Prediction",
]
