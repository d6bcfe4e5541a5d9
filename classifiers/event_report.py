r"""Second stage: is an item that talks about violence a report of a new incident, or a story about
violence (a reaction, a trial over an old event, a trend piece, an accident, a warning)?

The category model reads incident words; trained also on stories about violence, a linear model
over the same words learnt that incident words mean little and missed real incidents. This stage
sees no incident word at all: only the cues of the story's form (time, reaction, law, modality,
trend, explainer, accident) and of a fresh report (weekdays, "today", "police said", a count in
the headline). It can therefore veto a story about violence without unlearning what an incident
is. It runs only on items the category model calls incidents.

Cues are words or phrases in English, Dutch, French and German, lower-cased; a pattern matches
whole words (write stems as `warn\w*`). Before counting, what a protest is about is dropped (a
protest over a road death is unrest, not an accident), and so is a collapse caused by a strike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import numpy as np

from classifiers.lexicon import find_cues
from classifiers.types import Article

_DAYS: Final = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|\w*(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\w*"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
)

# Nouns of an event that a story may name as a past event.
_EVENT: Final = (
    r"(?:riot\w*|attacks?|insurrection|bombings?|blasts?|shootings?|massacres?|killings?"
    r"|murders?|poisonings?|explosions?|siege|uprising|stabbings?|hijacking|kidnapping|coup"
    r"|aanslag\w*|rellen|bloedbad|moord\w*|schietpartij\w*|ontvoering\w*)"
)

# concept -> alternatives of a regular expression matched on whole words.
STORY_CUES: Final[dict[str, tuple[str, ...]]] = {
    # An old event: the story is about something that happened before.
    "past": (
        r"ago", r"anniversar\w*", r"years? (?:after|since|on|later)", r"decades?",
        r"last (?:year|month|summer|winter|spring|autumn)", r"since", r"9/11",
        r"recall\w*", r"remember\w*", r"reopen\w*", r"re-open\w*", r"heropen\w*", r"memorial\w*",
        r"commemorat\w*", r"cold case",
        r"geleden", r"herdenk\w*", r"jaar (?:na|later|geleden)", r"vorig jaar", r"sinds",
        r"destijds", r"toen", r"il y a", r"anniversaire", r"jahrestag\w*", r"vor \w+ jahren",
    ),
    # Law after the event: trials, charges, inquiries.
    "legal": (
        r"trials?", r"charged", r"charges", r"charging", r"sentenc\w*", r"convict\w*",
        # A court as a victim's workplace or a target ("a supreme court judge") is no proceeding.
        r"court(?:s|rooms?)?(?! (?:judges?|justices?|complex|buildings?|premises|compound|staff"
        r"|employees?|officials?|clerks?)\b)",
        r"inquir\w*", r"inquest\w*", r"hearings?", r"testif\w*", r"testimony",
        r"jury", r"jurors?", r"plead\w*", r"guilty", r"indict\w*", r"lawsuits?", r"sue[sd]?",
        r"extradit\w*", r"verdicts?", r"acquit\w*", r"prosecut\w*", r"appeal\w*", r"parole",
        r"rechtszaak\w*", r"proces", r"processen", r"veroordeeld\w*", r"aangeklaagd", r"rechtbank\w*",
        r"celstraf\w*", r"vrijgesproken", r"strafeis\w*", r"aanklacht\w*", r"hoger beroep",
        r"uitgeleverd", r"uitlevering\w*", r"verdachte\w*", r"tribunal\w*", r"condamn[ée]\w*",
        r"prozess\w*", r"verurteilt\w*", r"angeklagt\w*", r"anklage\w*",
    ),
    # Others reacting to an event. Singular forms only: "minister urges", not "protesters
    # demand", since demands, vows and solidarity are what a protest (an incident) is about.
    "reaction": (
        r"condemns", r"condemned", r"condemnation", r"urges", r"calls (?:for|on)", r"vows",
        r"slams", r"criticises", r"criticizes", r"blames", r"remarks?", r"responds", r"reacts",
        r"reaction", r"mourns", r"mourning", r"tributes?", r"prays", r"prayers", r"sympathy",
        r"condolences", r"demands", r"speaks (?:on|about|out)", r"denies", r"defends",
        r"praises", r"apologi[sz]es", r"veroordeelt", r"roept op", r"eist", r"reageert",
        r"reactie", r"belooft", r"betuigt", r"medeleven", r"condoleance\w*", r"ontkent",
        r"verdedigt", r"biedt excuses", r"dénonce", r"condamne", r"verurteilt", r"fordert",
        r"kritisiert",
    ),
    # What may happen, not what happened.
    "modality": (
        # "may", not the month: "in May", "May Day", "May 5".
        r"could", r"(?<!in )(?<!of )(?<!since )(?<!early )(?<!late )(?<!mid-)may(?! \d| day)",
        r"might", r"would", r"will", r"fears?", r"feared", r"threat(?:s|en\w*)?",
        r"risks?", r"warns?", r"warned", r"warning\w*", r"looms?", r"looming", r"possible",
        r"potential", r"prepar\w*", r"plans?", r"expected", r"brac\w*",
        r"kan", r"kunnen", r"zou", r"zouden", r"dreig\w*", r"vrees\w*", r"waarschuw\w*",
        r"mogelijk\w*", r"risico\w*", r"pourrait", r"menace\w*", r"könnte\w*", r"droh\w*",
        r"warnt",
    ),
    # Trends, numbers over time, reports and studies.
    "trend": (
        # "a series of raids" reports raids; "the latest in a series" is a trend.
        r"rise", r"rising", r"surg(?:e|es|ing)", r"waves? of", r"spate",
        r"(?:latest|newest) in (?:a|an ongoing) (?:series|string|wave|spate|line|number)",
        r"string of", r"on the rise", r"increas\w*",
        r"growing", r"trends?", r"record", r"statistics", r"(?:official|new|latest|police|crime|government) figures",
        r"figures (?:show|suggest|reveal)", r"data", r"study",
        r"studies", r"reports? (?:finds|shows|found|showed)", r"(?:new|annual|latest) report",
        r"survey\w*", r"epidemic", r"crisis",
        r"toename", r"stijg\w*", r"golf van", r"reeks", r"steeds meer", r"rapport\w*",
        r"onderzoek\w*", r"cijfers", r"jaarlijks", r"hausse", r"anstieg",
    ),
    # Explainers, features and opinion.
    "explainer": (
        # "what organizers called", "how many": report idioms, not explainers.
        r"(?:^|: )what", r"what (?:we know|happened|is|are|does|do|did|it|you|next|to know|now)",
        r"why", r"how(?! many| much)", r"(?:^|: )inside", r"explain\w*", r"analysis", r"opinion", r"lessons?",
        r"the story of", r"a look at", r"what we know", r"life after", r"podcast", r"interview",
        r"documentar\w*", r"book", r"writ(?:ing|es|er) about", r"waarom", r"hoe", r"wat", r"analyse", r"achtergrond",
        r"column", r"pourquoi", r"warum",
    ),
    # Consequences and aftermath of an event, rather than the event.
    "aftermath": (
        r"after", r"following", r"aftermath", r"cancel\w*", r"flights?", r"airlines?",
        r"travel advi\w*", r"rebuild\w*", r"recover\w*", r"survivors?", r"families of",
        r"relatives", r"compensation", r"funerals?", r"buried", r"suicide", r"trauma\w*",
        r"escalat\w*", r"tensions?", r"nasleep", r"na de", r"overlevenden", r"nabestaanden",
        r"herbouw\w*", r"begrafenis\w*", r"uitvaart\w*", r"spanningen", r"escal\w*",
        r"après", r"nach dem",
    ),
    # Politics and policy around the event.
    "politics": (
        r"government", r"parliament\w*", r"congress", r"senate", r"senators?", r"lawmakers?",
        r"republicans?", r"democrats?", r"gop", r"policy", r"bill", r"law", r"sanctions?",
        r"diplomat\w*", r"talks", r"administration", r"white house", r"campaign\w*",
        r"kabinet", r"regering", r"kamer\w*", r"tweede kamer", r"sancties", r"beleid",
        r"wetsvoorstel\w*", r"gouvernement", r"regierung", r"bundestag",
    ),
    # Things that are not attacks: tests, launches, accidents, gas.
    "mishap": (
        r"tests?", r"tested", r"testing", r"prototypes?", r"test flight", r"derail\w*",
        r"gas (?:leak|explosion|blast)", r"boilers?", r"collaps\w*", r"fireworks?", r"faulty",
        r"malfunction\w*", r"spacex", r"nasa", r"launch pad", r"on the pad", r"gas main",
        r"chemical plant", r"factory fire",
        r"mine collapse", r"explodes on",
        r"ontspoor\w*", r"gaslek\w*", r"gasexplosie\w*",
        r"vuurwerk\w*", r"instort\w*", r"ingestort",
    ),
    # Harm without an attacker: accidents and disasters. A protest over an accident is unrest:
    # _protest_subjects_masked drops what a protest is about before these are counted.
    "accident": (
        r"accident\w*", r"crash\w*", r"collision\w*", r"landslides?", r"earthquakes?",
        r"quakes?", r"floods?", r"flooding", r"storms?", r"wildfires?", r"avalanche\w*",
        r"caught fire", r"fire broke out", r"short circuit", r"blaze\w*", r"ransomware",
        r"cyber\w*", r"hackers?", r"hacking", r"drown\w*", r"electrocut\w*", r"stampede\w*",
        r"ongeval\w*", r"ongeluk\w*", r"aardbeving\w*", r"overstroming\w*", r"noodweer",
        r"aardverschuiving\w*", r"kortsluiting", r"verdronken",
        r"séisme\w*", r"unfall\w*", r"unglück\w*", r"erdbeben\w*",
    ),
    # Subjects that are not incidents: talks, elections, sport, film, markets, health.
    "topic": (
        r"talks", r"peace (?:talks|deal|process|agreement|plan|accord)", r"ceasefire talks",
        r"(?:ceasefire|truce) (?:takes effect|comes into (?:force|effect)|holds|agreed|deal)",
        r"celebrat\w*", r"festival\w*",
        r"elections?", r"match", r"season", r"league", r"cup", r"goals?", r"film", r"movies?",
        r"novel", r"shares", r"stocks?", r"takeover\w*", r"negotiat\w*",
        r"gesprek\w*", r"vredes\w*", r"verkiezing\w*",
        r"wedstrijd\w*", r"onderhandel\w*", r"pourparlers", r"élections?", r"wahl\w*",
        r"frieden\w*",
    ),
    # A named past event: a date or year before the event's noun ("the January 6 riot", "a
    # 2014 blast"). A date after the noun ("attacked on July 25") is how reports date an event.
    "named_event": (
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?"
        r",? (?:(?:19|20)\d\d )?(?:\w+ )?" + _EVENT,
        r"(?:19|20)\d\d (?:[\w-]+ ){0,3}" + _EVENT,
        r"\d{1,2}/\d{1,2} " + _EVENT,
        r"(?:aanslag\w*|rellen|bloedbad|moord\w*|schietpartij\w*) (?:van|op|in) (?:\d{1,2} \w+|(?:19|20)\d\d)",
    ),
}

# Cues of a fresh report: when, and who told the reporter.
REPORT_CUES: Final[dict[str, tuple[str, ...]]] = {
    "when": (
        _DAYS, r"today", r"tonight", r"overnight", r"yesterday", r"this (?:morning|evening)",
        r"earlier today", r"late on", r"early on", r"hours", r"vandaag", r"vannacht", r"gisteren",
        r"gisteravond", r"vanochtend", r"vanmorgen", r"vanavond", r"aujourd hui",
        r"heute", r"gestern",
    ),
    "source": (
        r"police (?:said|say|says)", r"officials? (?:said|say|says)", r"according to",
        r"spokesman said", r"spokesperson said", r"told (?:reporters|afp|reuters|ap)",
        r"witnesses", r"residents said", r"local media", r"aldus", r"meldt de politie",
        r"volgens de politie", r"volgens", r"selon", r"laut", r"sources? said",
    ),
}

# Concepts of the category lexicon that carry no incident word and so may be used here.
_LEXICON_CONCEPTS: Final = ("reaction", "unharmed", "negative_context")
# Words of the lexicon's negative context that are also how incidents are reported: a
# "peaceful" march is unrest, police "investigating" is a fresh report, "a report says" a source.
_REPORT_WORDS: Final = re.compile(r"peace(?:ful\w*)|investigat\w*|report|covid\w*|vaccin\w*|pandemic")
_INCIDENT_CONCEPTS: Final = frozenset(
    {"kidnapping", "bombing", "armed_attack", "assassination", "armed_clash", "unrest", "crime",
     "killed", "injured"}
)


def _compile(cues: dict[str, tuple[str, ...]]) -> dict[str, re.Pattern[str]]:
    return {
        concept: re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")
        for concept, alts in cues.items()
    }


_STORY: Final = _compile(STORY_CUES)
_REPORT: Final = _compile(REPORT_CUES)
_PATTERNS: Final = {**_STORY, **_REPORT}
_NUMBER: Final = re.compile(r"\b(?!(?:19|20)\d\d\b)\d+\b")
_YEAR: Final = re.compile(r"\b(?:19|20)\d\d\b")
_DATED: Final = re.compile(
    r"\b(?:jan|feb|mar|apr|may|mei|jun|jul|aug|sep|oct|okt|nov|dec)[a-z]*\.?,? (?:\d{1,2},? )?$"
)


def _lone_year(lowered: str) -> bool:
    """A year on its own points to an old event ("the 2014 blast"); a year inside a full date
    ("on 5 january 2021", "january 5, 2021") is how analyst reports date the event they report."""
    return any(
        not _DATED.search(lowered[max(0, m.start() - 16) : m.start()])
        for m in _YEAR.finditer(lowered)
    )


# Counts of incident words ("incident_cues") are kept as a density, never as which word: the
# stage cannot learn that a particular incident word means little.
_TEXT_FEATURES: Final = (*_PATTERNS, *(f"lexicon:{c}" for c in _LEXICON_CONCEPTS))
FEATURE_NAMES: Final = (
    *(f"title:{c}" for c in _TEXT_FEATURES),
    *(f"body:{c}" for c in _TEXT_FEATURES),
    "title:question", "title:number", "title:year", "body:year", "title:incident_cues",
    "body:incident_cues", "named_event_consequence", "no_title", "no_body",
)


def mentions_violence(article: Article) -> bool:
    """Whether the item uses any incident word: the stories the second stage must tell apart."""
    lowered = f"{article.title} {article.summary}".lower()
    return any(c in _INCIDENT_CONCEPTS for c, _ in find_cues(lowered))


# A named event in the text's own case: "since the Capitol riot", "after the Salisbury poisoning".
_NAMED_EVENT: Final = re.compile(
    r"\b(?:the|to|after|since|following|over|of) (?:[A-Z][\w'-]+ ){1,3}(?:[a-z]+ )?"
    r"(?:riot|insurrection|massacre|siege|uprising|poisoning)s?\b"
)
_NAMED_COLUMN: Final = list(_PATTERNS).index("named_event")
_SENTENCE: Final = re.compile(r"(?<=[.!?])\s+")
# What a protest is about: from the protesters' demand to the end of the clause, when the
# protesters come first ("demonstrators demanding justice for ..."). A protest named inside
# another story ("a court sentences soldiers over the killing of protesters") is not masked.
_PROTEST_SUBJECT: Final = re.compile(
    r"(\b(?:protest\w*|demonstrat\w*|march(?:ed|ers?|ing)|rall(?:y|ies|ied)|sit-ins?"
    r"|betoging\w*|demonstrant\w*|manifestant\w*|kundgebung\w*)\b[^.;:!?]{0,200}?)"
    r"\b(?:demand\w*|call(?:ing|ed|s)? for|justice for|(?:in|to) protest|against|over the"
    r"|in (?:reaction|response) to|eis\w*|uit protest|tegen|réclam\w*|contre|gegen)\b[^.;:!?]*"
)
_STRIKE: Final = re.compile(
    r"\b(?:air ?strikes?|strikes?|struck|shell\w*|missiles?|rockets?|bomb\w*|drones?|mortars?"
    r"|luchtaanval\w*|raket\w*|bombardement\w*|beschieting\w*)\b"
)
_COLLAPSE: Final = re.compile(r"\b(?:collaps\w*|instort\w*|ingestort)\b")
# A court as the place of an attack ("shot on his way to court") is no proceeding.
_COURT_PLACE: Final = re.compile(
    r"\b(?:on (?:his|her|their|the) way to|outside|near|in front of|op weg naar|buiten|nabij|"
    r"voor de deur van|en route vers|devant) (?:the |de |het |le |la )?(?:\w+ )?"
    r"(?:courts?|courthouse|court complex|rechtbank\w*|gerechtsgebouw|tribunal)\b"
)
# "the deadliest attack since 2015", "the biggest seizure since": a fresh report's comparison.
_RECORD_SINCE: Final = re.compile(
    r"\b((?:biggest|largest|worst|deadliest|bloodiest|first|highest|heaviest)\b[^.;:!?]{0,60}?)"
    r"\bsince\b"
)


def _story_text(lowered: str) -> str:
    """The text whose cues tell a story from a report. Dropped: what a protest is about (a
    protest over a road accident or a verdict is unrest, not an accident or a trial), and a
    building's collapse in a sentence that names the strike that brought it down, and a court
    that is only the place of an attack."""
    kept = []
    for sentence in _SENTENCE.split(lowered):
        rest = _PROTEST_SUBJECT.sub(r"\1", sentence)
        kept.append(_COLLAPSE.sub(" ", rest) if _STRIKE.search(rest) else rest)
    return _COURT_PLACE.sub(" ", _RECORD_SINCE.sub(r"\1", " ".join(kept)))


def _text_row(text: str) -> list[float]:
    lowered = text.lower()
    story = _story_text(lowered)
    counts = [float(len(p.findall(story))) for p in _PATTERNS.values()]
    counts[_NAMED_COLUMN] += len(_NAMED_EVENT.findall(text))
    concepts = [c for c, word in find_cues(story) if not _REPORT_WORDS.fullmatch(word)]
    counts.extend(float(concepts.count(c)) for c in _LEXICON_CONCEPTS)
    # Incident words are counted in the whole text: what a protest is about is still violence.
    counts.append(float(sum(c in _INCIDENT_CONCEPTS for c, _ in find_cues(lowered))))
    return counts


def context_row(title: str, summary: str, *, has_title: bool = True) -> np.ndarray:
    """The stage-2 features of one item: log counts of each cue in the headline and in the body.

    title: the headline, or the summary's first sentence when the item has none (has_title
    False): the cues of a headline weigh differently from those of a lede."""
    head = _text_row(title)
    body = _text_row(summary)
    n = len(_TEXT_FEATURES)
    row = np.log1p(np.array(
        head[:n] + body[:n]
        + [float("?" in title), float(bool(_NUMBER.search(title))), float(_lone_year(title.lower())),
           float(_lone_year(summary.lower())), head[n], body[n]]
    ))
    return np.concatenate([
        row, [_named_event_consequence(head, body), float(not has_title), float(not summary.strip())]
    ])


_CONSEQUENCES: Final = [list(_PATTERNS).index(c) for c in ("legal", "aftermath", "politics", "past")]


def _named_event_consequence(head: list[float], body: list[float]) -> float:
    """A named past event together with what followed it (charges, hearings, suicides, the
    years since): the mark of a story about that event's consequences. A linear model over the
    cues' counts cannot see that the two come together."""
    named = head[_NAMED_COLUMN] + body[_NAMED_COLUMN]
    return float(named > 0 and sum(head[i] + body[i] for i in _CONSEQUENCES) > 0)


def context_matrix(articles: Sequence[Article], headlines: Sequence[str]) -> np.ndarray:
    """Rows of context_row for articles whose headline (title or first sentence) is given."""
    if not articles:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack([
        context_row(h, a.summary, has_title=bool(a.title.strip()))
        for a, h in zip(articles, headlines, strict=True)
    ])
