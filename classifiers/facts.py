"""Facts read from an article's text that decide severity: counts, victims, targets.

Pure functions over strings, no model: severity must follow the labels.md table and explain itself,
and a count read as "drie ... ontvoerd" is as clear in Dutch as "three ... kidnapped" in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from classifiers.lexicon import cue_hits, targeted_role, words
from classifiers.numbers import NUMBER_WORDS, ONE_WORDS, VAGUE_WORDS, parse_count

_TOKEN: Final = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+(?:-[^\W\d_]+)*|[^\w\s]")

_KILLED: Final = re.compile(
    r"^(?:killed|kill|kills|killing|dead|died|die|dies|deaths?|slain|murdered|massacred|"
    r"executed|beheaded|bodies|fatalities|lives|levens|gedood\w*|doden|dode|doodt|doodde|doodden|"
    r"doodgeschoten|omgekomen|omgebracht|overleed|overleden|dood|geneutraliseerd|"
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
     "has", "now", "op", "naar", "van"}
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
# Words that name a death or an injury only beside others: Dutch "kwamen om" (died; "om te"
# is "in order to") and "naar het ziekenhuis gebracht", English "taken to hospital".
_CAME: Final = frozenset({"kwam", "kwamen", "komt", "komen"})
_HOSPITAL: Final = frozenset({"ziekenhuis", "ziekenhuizen"})
_IN_CONTEXT: Final = _CAME | _HOSPITAL
_TO_HOSPITAL: Final = frozenset({("naar", "het"), ("naar", "een"), ("to", "the"), ("to", "a")})
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


def _mark_in_context(tokens: list[str], kinds: list[str | None]) -> None:
    """Mark, in place, the death of "kwamen om" and the injury of "(taken) to hospital"."""
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i > 0 else ""
        if token == "om" and before in _CAME:
            after = tokens[i + 1] if i + 1 < len(tokens) else "."
            if after != "te":
                kinds[i] = "killed"
        elif token in _HOSPITAL and (before == "to" or tuple(tokens[max(0, i - 2) : i]) in _TO_HOSPITAL):
            kinds[i] = "injured"


# Nationality adjectives (Dutch and English) -> country: "Italiaanse priester ontvoerd in Niger"
# names a foreigner as the victim (labels.md: critical) when the incident is in another country.
_NATIONALITIES: Final[dict[str, str]] = {
    **{word: country for country, spellings in {
        "Italy": ("italiaanse", "italiaan", "italian"),
        "Austria": ("oostenrijkse", "oostenrijker", "austrian"),
        "France": ("franse", "fransman", "french"),
        "Germany": ("duitse", "duitser", "german"),
        "Netherlands": ("nederlandse", "nederlander", "dutch"),
        "Belgium": ("belgische", "belg", "belgian"),
        "United Kingdom": ("britse", "brit", "british"),
        "United States": ("amerikaanse", "amerikaan", "american"),
        "Spain": ("spaanse", "spanjaard", "spanish"),
        "Switzerland": ("zwitserse", "zwitser", "swiss"),
        "Sweden": ("zweedse", "zweed", "swedish"),
        "Norway": ("noorse", "noor", "norwegian"),
        "Denmark": ("deense", "deen", "danish"),
        "Ireland": ("ierse", "ier", "irish"),
        "Poland": ("poolse", "polish"),
        "Portugal": ("portugese", "portuguese"),
        "Canada": ("canadese", "canadian"),
        "Australia": ("australische", "australian"),
        "Japan": ("japanse", "japanese"),
        "South Korea": ("zuid-koreaanse",),
        "China": ("chinese",),
        "Russia": ("russische", "russian"),
        "Turkey": ("turkse", "turkish"),
        "India": ("indiase", "indian"),
        "Pakistan": ("pakistaanse", "pakistani"),
        "Finland": ("finse", "finnish"),
        "Czechia": ("tsjechische", "czech"),
        "Romania": ("roemeense", "romanian"),
    }.items() for word in spellings},
}
# Civilians a nationality may name as victims; soldiers and fighters are parties to a conflict.
_CIVILIAN: Final = re.compile(
    r"man|vrouw|mannen|vrouwen|burgers?|onderdanen|onderdaan|toeristen|toerist|priester|non"
    r"|missionaris\w*|pater|zuster|ingenieurs?|arts|artsen|verpleegkundige\w*|leraar|lerares"
    r"|studenten|student[e]?|zakenman|zakenmannen|echtpaar|stel|gezin|familie|kinderen|kind"
    r"|meisje|jongen|medewerkers?|werknemers?|onderzoekers?|wetenschappers?|hulpverlen\w*"
    r"|vrijwilligers?|reizigers?|fotograaf|cameraman|journalist\w*|expat\w*"
    r"|m[ae]n|wom[ae]n|citizens?|nationals?|tourists?|priests?|nuns?|missionar(?:y|ies)"
    r"|engineers?|doctors?|nurses?|teachers?|students?|businessm[ae]n|couples?|family|families"
    r"|children|child|girls?|boys?|workers?|employees?|researchers?|volunteers?|travell?ers?"
    r"|photographers?|hikers?|contractors?"
)


def foreign_national(lowered: str, country: str | None) -> str | None:
    """"<nationality> <civilian>" when the nationality is not the incident's country."""
    if country is None:
        return None
    tokens = words(lowered)
    for token, following in pairwise(tokens):
        home = _NATIONALITIES.get(token)
        if home is not None and home != country and _CIVILIAN.fullmatch(following):
            return f"{token} {following}"
    return None


_GENERIC_VIOLENCE: Final = re.compile(r"geweld\w*|violen\w*|gewalt\w*")
# Violence denied ("de betoging verliep zonder geweld"): the generic word is no sign of it.
_NO_VIOLENCE: Final = ("zonder geweld", "geen geweld", "without violence", "no violence",
                       "ohne gewalt", "keine gewalt", "sans violence")


def read_facts(
    title: str,
    summary: str,
    hits: Mapping[str, str] | None = None,
    *,
    language: str | None = None,
    country: str | None = None,
) -> Facts:
    """Counts, victims and targets named in an article's title and summary.

    hits: the lexicon's cue_hits for the same text, when the caller already has them.
    language: the item's language code; in English, "die" is always the verb.
    country: the incident's country, when known: a national of another one is a foreigner.
    """
    lowered = f"{title}. {summary}".lower()
    if hits is None:
        hits = cue_hits(lowered)
    # Counts sit next to a word of dying, wounding or kidnapping; those are letters, and the
    # lexicon's word tokens (already read for the cues) are this tokeniser's letter tokens. Most
    # items have none, and need no second tokenising.
    every = (*words(title.lower()), *words(summary.lower()))
    context = not _IN_CONTEXT.isdisjoint(every)
    has_kind = context or any(map(_KINDS.__getitem__, every))
    tokens = _TOKEN.findall(lowered) if has_kind else []
    token_kinds = list(map(_KINDS.__getitem__, tokens))
    if context:
        _mark_in_context(tokens, token_kinds)
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
    if unharmed_cue and unharmed_cue.startswith(
        ("no ", "nobody", "geen", "keine", "niemand", "raakte niemand", "werd niemand")
    ):
        # "no one was killed": the death word is there, the death is not.
        death = death and killed is not None
        injury = injury and injured is not None
    violent = hits.get("violent")
    if violent and _GENERIC_VIOLENCE.fullmatch(violent) and any(p in lowered for p in _NO_VIOLENCE):
        violent = None  # "verliep zonder geweld"
    return Facts(
        killed=killed,
        injured=injured,
        kidnapped=counts.get("kidnapped"),
        death_mentioned=death,
        injury_mentioned=injury,
        victim=hits.get("victim_foreign") or foreign_national(lowered, country),
        target=hits.get("target_foreign"),
        official=targeted_role(lowered) if "official" in hits else None,
        violent=violent,
        unharmed=unharmed,
        vague=vague,
    )
