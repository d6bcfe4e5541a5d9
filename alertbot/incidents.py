"""One incident per story: which earlier incident a new report belongs to, and what to tell whom.

Pure functions over plain values; the caller passes the time and the recent incidents, and the
store keeps them. A report joins an incident when they agree on the category and the place (or,
lacking a place, the country), fall within a time window, and either their words overlap enough
or they are written in different languages (two outlets in two languages rarely share words, but
rarely report two different kidnappings in one town on one day either).

Text similarity is the overlap coefficient of content-word sets (|A ∩ B| / min(|A|, |B|)):
measured on the 2021 stream against TF-IDF cosine, MinHash and SimHash, it separates same-story
pairs best on short headlines plus a sentence or two (see docs/dedupe-check.md). Blocking on
category and place leaves only a handful of candidates per report, so exact sets cost nothing and
no sketch (MinHash, LSH) is needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from alertbot.config import RegionConfig
from alertbot.items import FeedItem
from classifiers import Prediction
from classifiers.labels import SEVERITY_RANK

WINDOW = timedelta(hours=48)  # a story's reports arrive within this of the incident's last report
MAX_SPAN = timedelta(days=4)  # and within this of its first, so a long chain cannot drift
CROSS_LANGUAGE_WINDOW = timedelta(hours=24)
SIMILAR = 0.25  # overlap of content words, when the place agrees
SIMILAR_WITHOUT_PLACE = 0.35  # when only the country agrees (or nothing is known of the place)
MIN_WORDS = 5  # fewer content words than this say too little to compare
MAX_WORDS = 160  # an incident's word set grows with its sources; keep it bounded

# Function words of the languages we expect; they say nothing about which story it is.
_STOPWORD_TEXT = """
    a an the and or but of in on at to for from by with without as is are was were be been being has have
    had it its this that these those after before over under into about than then there their they them he
    she his her we our you your who whom which what when where why how not no yes all any some more most
    other such only own same so too very can will just also says said say new news live latest update
    de het een en of maar van in op aan te voor met zonder als is zijn was waren wordt worden werd heeft
    hebben had die dat deze dit er hun zij hij ze we wij ook nog niet geen bij naar uit over om door tot
    le la les un une des du et ou mais dans sur pour par avec sans est sont été il elle ils qui que au aux
    der die das ein eine und oder aber im auf für mit ohne ist sind war wurde werden den dem des zu von bei
    el los las y o pero en por con sin es son fue que del al se una uno
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
WORD = re.compile(r"\w+")

Plan = Literal["send", "edit", "update"]


@dataclass(frozen=True, slots=True)
class Report:
    """A new item as the matcher sees it: the classifier's facts, the time and its words."""

    category: str
    severity: str
    place: str | None
    country: str | None
    language: str | None
    when: datetime
    words: frozenset[str]
    feed_url: str
    killed: int | None = None
    injured: int | None = None
    kidnapped: int | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    """One story, however many sources report it."""

    id: int
    category: str
    severity: str
    place: str | None
    country: str | None
    first_seen: datetime
    last_seen: datetime
    words: frozenset[str]
    languages: frozenset[str]
    feeds: frozenset[str]
    sources: int = 1
    killed: int | None = None
    injured: int | None = None
    kidnapped: int | None = None
    lead_alert_id: int | None = None


@dataclass(frozen=True, slots=True)
class Joined:
    """An incident after a report joined it, and what changed."""

    incident: Incident
    severity_rose: bool
    facts_changed: bool  # counts or the number of sources


@dataclass(frozen=True, slots=True)
class PriorMessage:
    """The last full alert about an incident that a chat was owed."""

    outbox_id: int
    status: str  # pending, sent, failed, paused
    severity: str


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    chat_id: int
    plan: Plan  # send: a new message; edit: edit the sent one; update: rewrite the one still pending
    target: int | None = None  # the outbox row an edit or update is about


def canonical_place(place: str | None, regions: Sequence[RegionConfig]) -> str | None:
    """One name per place: a configured region's spellings ("Kaboel", "Kabul") become its first place,
    so that reports in two languages agree on where it happened."""
    if not place:
        return None
    folded = place.casefold()
    for region in regions:
        if region.places and folded in (p.casefold() for p in region.places):
            return region.places[0]
    return place


def words_of(text: str) -> frozenset[str]:
    """Content words, case and accents folded; numbers stay (they tell stories apart)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(w for w in WORD.findall(plain) if w not in STOPWORDS and (len(w) > 2 or w.isdigit()))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if len(a) < MIN_WORDS or len(b) < MIN_WORDS:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def match_score(report: Report, incident: Incident) -> float | None:
    """How well a report fits an incident, or None when it cannot belong to it."""
    if report.category != incident.category:
        return None
    if report.when > incident.last_seen + WINDOW or report.when < incident.first_seen - WINDOW:
        return None
    if report.when > incident.first_seen + MAX_SPAN:
        return None
    if report.place and incident.place:
        if not _same(report.place, incident.place):
            return None
        threshold = SIMILAR
    elif report.country and incident.country and not _same(report.country, incident.country):
        return None
    else:
        threshold = SIMILAR_WITHOUT_PLACE
    # The place's own name is already agreed on; counting it again as shared text would join every
    # two stories from one town.
    known = words_of(" ".join(n for n in (report.place, report.country, incident.place, incident.country) if n))
    score = overlap(report.words - known, incident.words - known)
    if score >= threshold:
        return score
    if (
        report.place
        and _same(report.place, incident.place)
        and report.language
        and incident.languages
        and report.language not in incident.languages
        and abs(report.when - incident.last_seen) <= CROSS_LANGUAGE_WINDOW
    ):
        return threshold  # another language: place, kind and time carry the match
    return None


def find_incident(report: Report, incidents: Iterable[Incident]) -> Incident | None:
    """The best-fitting incident for a report, or None: then the report opens its own."""
    best: tuple[float, datetime, Incident] | None = None
    for incident in incidents:
        score = match_score(report, incident)
        if score is not None and (best is None or (score, incident.last_seen) > best[:2]):
            best = (score, incident.last_seen, incident)
    return best[2] if best else None


def _more(a: int | None, b: int | None) -> int | None:
    """Counts only grow as reports come in; a later, lower count is an older figure, not news."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _higher(a: str, b: str) -> str:
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


def report_of(item: FeedItem, prediction: Prediction, *, place: str | None, when: datetime) -> Report:
    """An item the classifier called an incident, as the matcher compares it."""
    return Report(
        category=prediction.category,
        severity=prediction.severity,
        place=place,
        country=prediction.country,
        language=item.language,
        when=when,
        words=words_of(item.text),
        feed_url=item.feed_url,
        killed=prediction.killed,
        injured=prediction.injured,
        kidnapped=prediction.kidnapped,
    )


def open_incident(report: Report, incident_id: int = 0, lead_alert_id: int | None = None) -> Incident:
    return Incident(
        id=incident_id,
        category=report.category,
        severity=report.severity,
        place=report.place,
        country=report.country,
        first_seen=report.when,
        last_seen=report.when,
        words=_bounded(report.words),
        languages=frozenset({report.language} if report.language else ()),
        feeds=frozenset({report.feed_url}),
        killed=report.killed,
        injured=report.injured,
        kidnapped=report.kidnapped,
        lead_alert_id=lead_alert_id,
    )


def join(incident: Incident, report: Report) -> Joined:
    merged = replace(
        incident,
        severity=_higher(incident.severity, report.severity),
        place=incident.place or report.place,
        country=incident.country or report.country,
        first_seen=min(incident.first_seen, report.when),
        last_seen=max(incident.last_seen, report.when),
        words=_bounded(incident.words | report.words),
        languages=incident.languages | ({report.language} if report.language else set()),
        feeds=incident.feeds | {report.feed_url},
        sources=incident.sources + 1,
        killed=_more(incident.killed, report.killed),
        injured=_more(incident.injured, report.injured),
        kidnapped=_more(incident.kidnapped, report.kidnapped),
    )
    return Joined(
        incident=merged,
        severity_rose=SEVERITY_RANK[merged.severity] > SEVERITY_RANK[incident.severity],
        facts_changed=True,  # one more source is a fact the message shows
    )


def _bounded(words: frozenset[str]) -> frozenset[str]:
    if len(words) <= MAX_WORDS:
        return words
    return frozenset(sorted(words)[:MAX_WORDS])


def plan_messages(recipients: Sequence[int], prior: Mapping[int, PriorMessage], severity: str) -> list[PlannedMessage]:
    """Per chat: a new message when it has none yet or the severity rose above the one it got;
    otherwise the message it has is brought up to date (edited if sent, rewritten if pending)."""
    planned: list[PlannedMessage] = []
    # A chat that has a message about the incident keeps it up to date, even if it would not be
    # chosen today (its place became known and lies outside the chat's regions, say).
    for chat in dict.fromkeys([*recipients, *prior]):
        before = prior.get(chat)
        if before is not None and chat not in recipients and before.status == "sent":
            planned.append(PlannedMessage(chat, "edit", before.outbox_id))
            continue
        if chat not in recipients:
            if before is not None and before.status == "pending":
                planned.append(PlannedMessage(chat, "update", before.outbox_id))
            continue
        if before is None or SEVERITY_RANK[severity] > SEVERITY_RANK[before.severity]:
            planned.append(PlannedMessage(chat, "send"))
        elif before.status == "sent":
            planned.append(PlannedMessage(chat, "edit", before.outbox_id))
        elif before.status == "pending":
            planned.append(PlannedMessage(chat, "update", before.outbox_id))
        # failed or paused: the chat cannot take the first message, an edit would not help
    return planned
