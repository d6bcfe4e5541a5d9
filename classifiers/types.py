"""Plain values passed into and out of the classifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    """One news item as the classifier sees it: text only."""

    id: str
    title: str
    summary: str = ""
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    """The classifier's verdict on one article; names as in labels.md."""

    id: str
    category: str
    severity: str
    score: float
    country: str | None = None
    place: str | None = None
    why: tuple[str, ...] = ()
    killed: int | None = None
    injured: int | None = None
    kidnapped: int | None = None

    @property
    def is_incident(self) -> bool:
        return self.category != "none"


@dataclass(frozen=True, slots=True)
class ClassifierSettings:
    """What the operator configures without retraining.

    keywords: per category, terms in any language; a match is shown in `why` and raises that
      category's score.
    watch: terms (an organisation's own name, say) that raise severity when named in an incident.
    place_aliases: extra names for places, alias -> (place, country), e.g. "Kaboel" -> Kabul.
    """

    keywords: Mapping[str, Sequence[str]] = field(default_factory=dict)
    watch: Sequence[str] = ()
    place_aliases: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
