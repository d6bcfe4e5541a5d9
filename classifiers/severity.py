"""Severity from the category and the facts read from the text, following labels.md's table.

Rules, not a model: the table is explicit, every step can be named in `why`, and the seed corpus is
too small to learn the boundaries between "3-9 killed" and "10 or more" from examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from classifiers.facts import Facts
from classifiers.labels import SEVERITIES, severity_rank

# Attacks on people, where ten dead make a critical incident; a battle with ten dead is high.
_ON_CIVILIANS: Final = frozenset({"bombing", "armed_attack", "assassination", "kidnapping"})
_VIOLENT_CATEGORIES: Final = frozenset(
    {"bombing", "armed_attack", "assassination", "armed_clash", "kidnapping"}
)


@dataclass(frozen=True, slots=True)
class Judgement:
    severity: str
    why: tuple[str, ...]


def _count_words(facts: Facts) -> list[str]:
    out = []
    for kind, value in (("killed", facts.killed), ("injured", facts.injured),
                        ("kidnapped", facts.kidnapped)):
        if value:
            out.append(f"{value}{'+' if kind in facts.vague else ''} {kind}")
    return out


def judge(
    category: str, facts: Facts, *, major_city: str | None = None, capital: bool = False
) -> Judgement:
    """The labels.md severity for an incident of this category with these facts.

    major_city: the incident's place when it is a capital or a city of a million people;
    capital: whether it is a capital. Named in `why` either way, as officers weigh it.
    """
    if category == "none":
        return Judgement("none", ())
    killed = facts.killed
    if killed is None and facts.death_mentioned:
        # "Journalist shot dead", "murder of a teenager": a death without a number is one.
        killed = 1
    injured = facts.injured
    if injured is None and facts.injury_mentioned and not facts.unharmed:
        injured = 1
    why = _count_words(facts)
    if facts.killed is None and killed:
        why.append("deaths reported")
    casualties = bool(killed) or bool(injured)
    level = "low"

    def at_least(name: str, reason: str | None = None) -> None:
        nonlocal level
        if severity_rank(name) > severity_rank(level):
            level = name
        if reason and reason not in why:
            why.append(reason)

    if casualties:
        at_least("medium")
    if category == "armed_clash" and casualties:
        at_least("medium")
    if category == "unrest" and (facts.violent or casualties):
        at_least("medium", f"violence: '{facts.violent}'" if facts.violent else None)
    if category == "crime" and facts.violent and not facts.unharmed:
        at_least("medium", f"violence: '{facts.violent}'")
    if killed and killed >= 3:
        at_least("high")
    if category == "kidnapping":
        at_least("high")
    if category == "assassination":
        at_least("high", f"targeted: '{facts.official}'" if facts.official else "targeted killing")
    if category in ("bombing", "armed_attack") and casualties and major_city:
        at_least("high")
    if killed and killed >= 10 and category in _ON_CIVILIANS:
        at_least("critical")
    if facts.victim and (
        category in _VIOLENT_CATEGORIES or (category == "crime" and (casualties or facts.kidnapped))
    ):
        at_least("critical", f"foreign or protected victims: '{facts.victim}'")
    if facts.target and category in ("bombing", "armed_attack", "kidnapping", "assassination"):
        at_least("critical", f"target: '{facts.target}'")
    if major_city:
        why.append(f"{'capital' if capital else 'major'} city: {major_city}")
    return Judgement(level, tuple(why))


def raise_one(severity: str) -> str:
    """One level up, never past critical; used when a watched name appears in an incident."""
    rank = severity_rank(severity)
    return SEVERITIES[min(rank + 1, len(SEVERITIES) - 1)]
