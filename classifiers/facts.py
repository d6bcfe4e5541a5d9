"""Facts read from an article's text that decide severity: counts, victims, targets.

Pure functions over strings, no model: severity must follow the labels.md table and explain itself,
and a count read as "drie ... ontvoerd" is as clear in Dutch as "three ... kidnapped" in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Final

from classifiers.lexicon import cue_hits, targeted_role, words
from classifiers.numbers import NUMBER_WORDS, ONE_WORDS, VAGUE_WORDS, parse_count

_TOKEN: Final = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+(?:-[^\W\d_]+)*|[^\w\s]")

_KILLED: Final = re.compile(
    r"^(?:killed|kill|kills|killing|dead|died|die|dies|deaths?|slain|murdered|massacred|"
    r"executed|beheaded|bodies|fatalities|lives|levens|gedood\w*|doden|dode|doodt|doodde|doodden|"
    r"doodgeschoten|omgekomen|"
    r"vermoord\w*|gesneuveld|sneuvelden|lichamen|lijken|dodelijke|dodental|tu[ée]e?s?|morts?|"
    r"assassin[ée]e?s?|décédée?s?|getötet\w*|tote[nr]?|ermordet\w*|starben|gestorben|"
    r"leben|leven)$"
)
_INJURED: Final = re.compile(
    r"^(?:injur\w*|wound\w*|hurt|casualties|gewond\w*|verwond\w*|bless[ée]e?s?|verletzt\w*|"
    r"verletzte\w*|verwundet\w*)$"
)
_KIDNAPPED: Final = re.compile(
    r"^(?:kidnap\w*|abduct\w*|hostages?|captives?|seized|\w*ontvoer\w*|gegijzeld|gijzelaars?|"
    r"gijzelde|enlev[ée]e?s?|otages?|kidnapp[ée]e?s?|entführt\w*|geiseln?|verschleppt\w*)$"
)
# Words that may sit between a count and its verb ("12 people were killed") or between a verb
# and its count ("killing at least 12"): the window must not run into the next clause.
_STOP: Final = frozenset(
    {".", ";", ":", "!", "?", "and", "en", "et", "und", "but", "maar", "while", "terwijl", "after",
     "na", "before", "als", "when", "where", "waar", "who", "die", "which", "(", ")"}
)
_QUALIFIERS: Final = frozenset(
    {"at", "least", "some", "about", "around", "nearly", "almost", "more", "than", "over", "up",
     "to", "another", "zeker", "minstens", "ten", "minste", "ongeveer", "bijna", "meer", "dan",
     "ruim", "circa", "au", "moins", "environ", "près", "de", "mindestens", "etwa", "fast", "über",
     "rose", "risen", "toll", "tol", "bilan", "climbed", "stood", "stands", "is", "was", "had",
     "has", "now", "op", "naar"}
)
_NEGATIONS: Final = frozenset({"no", "geen", "keine", "kein", "aucun", "aucune", "niemand", "nobody"})
_AGE_WORDS: Final = frozenset(
    {"year", "years", "jaar", "jarige", "ans", "an", "jahre", "jahren", "jähriger", "jährige",
     "months", "maanden", "days", "dagen", "weeks", "weken", "ago", "geleden"}
)
_MONTHS: Final = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
     "sept", "oct", "nov", "dec", "januari", "februari", "maart", "mei", "juni", "juli", "augustus",
     "oktober", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
     "septembre", "octobre", "novembre", "décembre", "januar", "februar", "märz", "dezember"}
)
_CONJUNCTIONS: Final = frozenset({"and", "en", "et", "und", "or", "of"})
# "die" and "dies" are German and Dutch articles and pronouns ("die Polizei", "dies sei") far
# more often than English verbs of dying: in a German item every sentence would report deaths.
# They are a death word only after a count ("12 die in ...") or before what follows dying in
# English ("dies of his wounds", "die after").
_DIE: Final = frozenset({"die", "dies"})
_AFTER_DYING: Final[dict[str, frozenset[str]]] = {
    "die": frozenset({"of", "after", "from"}),
    "dies": frozenset({"of", "after", "from", "in", "at", "when", "as"}),
}
_LIFE: Final = frozenset({"leben", "leven"})
_NOT_ALWAYS_DEATH: Final = _DIE | _LIFE
_WINDOW_AFTER_COUNT: Final = 6
_WINDOW_AFTER_VERB: Final = 4


@lru_cache(maxsize=65536)
def _kind(token: str) -> str | None:
    if _KILLED.match(token):
        return "killed"
    if _INJURED.match(token):
        return "injured"
    if _KIDNAPPED.match(token):
        return "kidnapped"
    return None


class _KindMemo(dict[str, str | None]):
    """_kind through a dict: looked up by map() for every token of every item, a fraction of the
    cost of calling the lru_cache'd function; bounded the same way."""

    def __missing__(self, token: str) -> str | None:
        kind = _kind(token)
        if len(self) >= 65536:
            self.clear()
        self[token] = kind
        return kind


_KINDS: Final = _KindMemo()


@dataclass(frozen=True, slots=True)
class Facts:
    """What the text says about the incident; None means the text gives no count."""

    killed: int | None = None
    injured: int | None = None
    kidnapped: int | None = None
    death_mentioned: bool = False
    injury_mentioned: bool = False
    victim: str | None = None  # cue for foreigners, aid/UN workers, diplomats, journalists
    target: str | None = None  # cue for an embassy, hotel, international organisation
    official: str | None = None
    violent: str | None = None
    unharmed: bool = False
    vague: frozenset[str] = frozenset()  # kinds whose count is a lower bound ("dozens")


def _counts(
    tokens: list[str], kinds: list[str | None]
) -> tuple[dict[str, int], frozenset[str]]:
    """kind -> largest count read, and the kinds whose count came from a vague word."""
    found: dict[str, int] = {}
    vague: set[str] = set()

    def note(kind: str, value: int, word: str) -> None:
        if value > found.get(kind, 0):
            found[kind] = value
            if word in VAGUE_WORDS:
                vague.add(kind)
            else:
                vague.discard(kind)

    if not any(kinds):
        return found, frozenset()  # most news items: no word of dying, wounding or kidnapping at all
    for i, token in enumerate(tokens):
        if not (token[0].isdigit() or token in NUMBER_WORDS or token in ONE_WORDS):
            continue
        value = parse_count(token)
        if value is None and token in ONE_WORDS:
            # "een dode", "a journalist was killed": an article counts as one only when the verb
            # comes soon, checked below with a shorter window.
            value = -1
        if value is None or (i > 0 and tokens[i - 1] in _NEGATIONS):
            continue
        if i + 1 < len(tokens) and (tokens[i + 1] in _AGE_WORDS or tokens[i + 1] == "-"):
            # "a 19-year-old's death", "83-jarige man": an age, not a count.
            continue
        if (i > 0 and tokens[i - 1] in _MONTHS) or (
            i + 1 < len(tokens) and tokens[i + 1] in _MONTHS
        ):
            # "militants on June 26 shot dead a politician", "on 12 March, gunmen killed": a date.
            continue
        window = 3 if value == -1 else _WINDOW_AFTER_COUNT
        for k in range(i + 1, min(len(tokens), i + 1 + window)):
            if tokens[k] in _STOP:
                break
            kind = kinds[k]
            if kind is not None:
                count = 1 if value == -1 else value
                note(kind, count, token)
                # "drie expats ontvoerd en vermoord": one count, two verbs.
                if k + 2 < len(tokens) and tokens[k + 1] in _CONJUNCTIONS:
                    second = kinds[k + 2]
                    if second is not None:
                        note(second, count, token)
                break
    for i, kind in enumerate(kinds):
        if kind is None:
            continue
        for j in range(i + 1, min(len(tokens), i + 1 + _WINDOW_AFTER_VERB)):
            follower = tokens[j]
            value = parse_count(follower)
            if value is not None and j + 1 < len(tokens) and tokens[j + 1] in _AGE_WORDS:
                break  # "abduction 20 years ago", "killed at 93 years": a time or an age
            if value is not None:
                # "killed 12" or "death toll rose to 25"; but "killed in 3 attacks" is rare enough.
                note(kind, value, follower)
                break
            if follower not in _QUALIFIERS:
                break
    return found, frozenset(vague)


def _drop_other_senses(tokens: list[str], kinds: list[str | None], *, english: bool) -> None:
    """Unmark, in place, "die" / "dies" that are not a verb of dying (see _DIE; in an English
    item always the verb) and "leben" / "leven" (life) outside "ums Leben" / "om het leven"
    (lost their lives)."""
    for i, token in enumerate(tokens):
        if token not in _NOT_ALWAYS_DEATH:
            continue
        before = tokens[i - 1] if i > 0 else ""
        if token in _LIFE:
            if not (before == "ums" or (before == "het" and i > 1 and tokens[i - 2] == "om")):
                kinds[i] = None
            continue
        if english:
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        counted = before[:1].isdigit() or before in NUMBER_WORDS
        if not counted and after not in _AFTER_DYING[token]:
            kinds[i] = None


def read_facts(
    title: str, summary: str, hits: Mapping[str, str] | None = None, *, language: str | None = None
) -> Facts:
    """Counts, victims and targets named in an article's title and summary.

    hits: the lexicon's cue_hits for the same text, when the caller already has them.
    language: the item's language code; in English, "die" is always the verb.
    """
    lowered = f"{title}. {summary}".lower()
    if hits is None:
        hits = cue_hits(lowered)
    # Counts sit next to a word of dying, wounding or kidnapping; those are letters, and the
    # lexicon's word tokens (already read for the cues) are this tokeniser's letter tokens. Most
    # items have none, and need no second tokenising.
    has_kind = any(map(_KINDS.__getitem__, chain(words(title.lower()), words(summary.lower()))))
    tokens = _TOKEN.findall(lowered) if has_kind else []
    token_kinds = list(map(_KINDS.__getitem__, tokens))
    if not _NOT_ALWAYS_DEATH.isdisjoint(tokens):
        _drop_other_senses(tokens, token_kinds, english=(language or "")[:2].lower() == "en")
    counts, vague = _counts(tokens, token_kinds)
    kinds = set(token_kinds)
    death = "killed" in kinds
    injury = "injured" in kinds
    unharmed_cue = hits.get("unharmed")
    unharmed = unharmed_cue is not None
    killed = counts.get("killed")
    injured = counts.get("injured")
    if unharmed_cue and unharmed_cue.startswith(("no ", "nobody", "geen", "keine")):
        # "no one was killed": the death word is there, the death is not.
        death = death and killed is not None
        injury = injury and injured is not None
    return Facts(
        killed=killed,
        injured=injured,
        kidnapped=counts.get("kidnapped"),
        death_mentioned=death,
        injury_mentioned=injury,
        victim=hits.get("victim_foreign"),
        target=hits.get("target_foreign"),
        official=targeted_role(lowered) if "official" in hits else None,
        violent=hits.get("violent"),
        unharmed=unharmed,
        vague=vague,
    )
