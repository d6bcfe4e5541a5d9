r"""Second stage: is an item that talks about violence a report of a new incident, or a story about
violence (a reaction, a trial over an old event, a trend piece, an accident, a warning)?

The category model reads incident words; trained also on stories about violence, a linear model
over the same words learnt that incident words mean little and missed real incidents. This stage
sees no incident word at all: only the cues of the story's form (time, reaction, law, modality,
trend, explainer, accident) and of a fresh report (weekdays, "today", "police said", a count in
the headline). It can therefore veto a story about violence without unlearning what an incident
is. It runs only on items the category model calls incidents.

Cues are words or phrases in English, Dutch, French and German, lower-cased; a pattern matches
whole words (write stems as `warn\w*`).
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

# concept -> alternatives of a regular expression matched on whole words.
STORY_CUES: Final[dict[str, tuple[str, ...]]] = {
    # An old event: the story is about something that happened before.
    "past": (
        r"ago", r"anniversar\w*", r"years? (?:after|since|on|later)", r"decades?",
        r"last (?:year|month|summer|winter|spring|autumn)", r"since", r"9/11",
        r"recall\w*", r"remember\w*", r"memorial\w*", r"commemorat\w*", r"cold case",
        r"geleden", r"herdenk\w*", r"jaar (?:na|later|geleden)", r"vorig jaar", r"sinds",
        r"destijds", r"toen", r"il y a", r"anniversaire", r"jahrestag\w*", r"vor \w+ jahren",
    ),
    # Law after the event: trials, charges, inquiries.
    "legal": (
        r"trials?", r"charged", r"charges", r"charging", r"sentenc\w*", r"convict\w*",
        r"court\w*", r"inquir\w*", r"inquest\w*", r"hearings?", r"testif\w*", r"testimony",
        r"jury", r"jurors?", r"plead\w*", r"guilty", r"indict\w*", r"lawsuits?", r"sue[sd]?",
        r"extradit\w*", r"verdicts?", r"acquit\w*", r"prosecut\w*", r"appeal\w*", r"parole",
        r"rechtszaak\w*", r"proces\w*", r"veroordeeld\w*", r"aangeklaagd", r"rechtbank\w*",
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
        r"could", r"may(?! \d)", r"might", r"would", r"will", r"fears?", r"feared", r"threat(?:s|en\w*)?",
        r"risks?", r"warns?", r"warned", r"warning\w*", r"looms?", r"looming", r"possible",
        r"potential", r"prepar\w*", r"plans?", r"expected", r"brac\w*",
        r"kan", r"kunnen", r"zou", r"zouden", r"dreig\w*", r"vrees\w*", r"waarschuw\w*",
        r"mogelijk\w*", r"risico\w*", r"pourrait", r"menace\w*", r"könnte\w*", r"droh\w*",
        r"warnt",
    ),
    # Trends, numbers over time, reports and studies.
    "trend": (
        r"rise", r"rising", r"surg(?:e|es|ing)", r"waves? of", r"spate", r"series", r"increas\w*",
        r"growing", r"trends?", r"record", r"statistics", r"figures", r"data", r"study",
        r"studies", r"reports? (?:says|finds|shows)", r"survey\w*", r"epidemic", r"crisis",
        r"toename", r"stijg\w*", r"golf van", r"reeks", r"steeds meer", r"rapport\w*",
        r"onderzoek\w*", r"cijfers", r"jaarlijks", r"hausse", r"anstieg",
    ),
    # Explainers, features and opinion.
    "explainer": (
        r"what", r"why", r"how", r"inside", r"explain\w*", r"analysis", r"opinion", r"lessons?",
        r"the story of", r"a look at", r"what we know", r"life after", r"podcast", r"interview",
        r"documentar\w*", r"book", r"waarom", r"hoe", r"wat", r"analyse", r"achtergrond",
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
        r"malfunction\w*", r"spacex", r"nasa", r"ontspoor\w*", r"gaslek\w*", r"gasexplosie\w*",
        r"vuurwerk\w*", r"instort\w*", r"ingestort",
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
_LEXICON_CONCEPTS: Final = ("accident", "reaction", "negative_context", "unharmed")
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
    "body:incident_cues", "no_title", "no_body",
)


def mentions_violence(article: Article) -> bool:
    """Whether the item uses any incident word: the stories the second stage must tell apart."""
    lowered = f"{article.title} {article.summary}".lower()
    return any(c in _INCIDENT_CONCEPTS for c, _ in find_cues(lowered))


def _text_row(text: str) -> list[float]:
    lowered = text.lower()
    counts = [float(len(p.findall(lowered))) for p in _PATTERNS.values()]
    concepts = [c for c, _ in find_cues(lowered)]
    counts.extend(float(concepts.count(c)) for c in _LEXICON_CONCEPTS)
    counts.append(float(sum(c in _INCIDENT_CONCEPTS for c in concepts)))
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
    return np.concatenate([row, [float(not has_title), float(not summary.strip())]])


def context_matrix(articles: Sequence[Article], headlines: Sequence[str]) -> np.ndarray:
    """Rows of context_row for articles whose headline (title or first sentence) is given."""
    if not articles:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack([
        context_row(h, a.summary, has_title=bool(a.title.strip()))
        for a, h in zip(articles, headlines, strict=True)
    ])
