"""Feed documents for tests, and the founding example written in our own words."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Story:
    guid: str
    title: str
    summary: str
    link: str
    published: str = "Fri, 27 Nov 2026 07:40:00 GMT"


def rss(stories: list[Story], *, title: str = "Test feed", language: str | None = "nl") -> bytes:
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>{escape(s.link)}</link>"
        f'<guid isPermaLink="false">{escape(s.guid)}</guid><pubDate>{s.published}</pubDate>'
        f"<description>{escape(s.summary)}</description></item>"
        for s in stories
    )
    lang = f"<language>{language}</language>" if language else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://news.example.org/</link><description>test</description>{lang}{items}</channel></rss>"
    ).encode()


KIDNAPPING = Story(
    "nl-1",
    "Drie expats ontvoerd en vermoord in Kabul",
    "Drie buitenlandse werknemers van een Franse cateraar werden op weg naar het vliegveld van Kaboel "
    "ontvoerd. Hun lichamen zijn later in een auto ten zuiden van de hoofdstad aangetroffen.",
    "https://news.example.org/buitenland/expats-ontvoerd-kabul",
)
CLASH = Story(
    "nl-2",
    "Taliban verslaan IS in Jowzjan",
    "In de provincie Jowzjan, vlak bij de grens met Turkmenistan, hebben de Taliban tientallen IS-strijders "
    "gedood en zo'n 130 strijders gevangengenomen.",
    "https://news.example.org/buitenland/taliban-is-jowzjan",
)
TALKS = Story(
    "nl-3",
    "VS zoekt gesprekken met de Taliban",
    "Een Amerikaanse diplomaat heeft in Qatar met afgevaardigden van de Taliban gesproken over de kans op "
    "vredesonderhandelingen.",
    "https://news.example.org/buitenland/vs-taliban-qatar",
)
FOUNDING = [KIDNAPPING, CLASH, TALKS]
