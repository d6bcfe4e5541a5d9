"""The operator's keywords and watch terms from ClassifierSettings, compiled once.

A term matches at the start of a word and may run on ("ontvoer" matches "ontvoerd"; a watch name
"Acme" matches "Acme-medewerkers"), case-insensitively. Keywords raise their category's score and
are shown in `why`; they need no retraining.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from classifiers.labels import CATEGORIES

KEYWORD_FACTOR: Final = 20.0
"""A matched keyword multiplies its category's probability by this before renormalising (3 in
log-odds): enough to pick that category among incident categories in most close or middling calls,
not enough to turn a clear non-incident (a match report) into an alert on its own."""


def _compile(terms: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in cleaned) + r")(?:[-\w]*\w)?", re.I)


@dataclass(frozen=True, slots=True)
class CompiledTerms:
    keywords: Mapping[str, re.Pattern[str]]
    watch: re.Pattern[str] | None

    @classmethod
    def from_settings(
        cls, keywords: Mapping[str, Sequence[str]], watch: Sequence[str]
    ) -> CompiledTerms:
        unknown = sorted(set(keywords) - set(CATEGORIES))
        if unknown:
            from classifiers.errors import ClassifierError

            raise ClassifierError(
                f"keywords name unknown categories {unknown}; use names from labels.md: "
                + ", ".join(CATEGORIES)
            )
        compiled = {}
        for category, terms in keywords.items():
            pattern = _compile(terms)
            if pattern is not None:
                compiled[category] = pattern
        return cls(keywords=compiled, watch=_compile(watch))

    def keyword_hits(self, text: str) -> dict[str, str]:
        """category -> first matched keyword text."""
        hits = {}
        for category, pattern in self.keywords.items():
            match = pattern.search(text)
            if match:
                hits[category] = match.group()
        return hits

    def watch_hit(self, text: str) -> str | None:
        if self.watch is None:
            return None
        match = self.watch.search(text)
        return match.group() if match else None
