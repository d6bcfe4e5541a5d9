"""The feed list as OPML, both ways: what feed readers import and export.

Reading refuses any DOCTYPE: an OPML file has no use for one, and refusing it rules out entity
tricks before the XML parser sees the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from alertbot.config import FeedConfig


class OpmlError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    name: str
    url: str
    language: str | None = None


def write_opml(feeds: Sequence[FeedConfig], *, title: str, now: datetime) -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.language:
            attributes["language"] = feed.language
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, at any depth (folders are flattened), each URL once."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise OpmlError("the file declares a DOCTYPE or entities; OPML needs neither, so it is refused")
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD can be in it (checked above)
    except ET.ParseError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from exc
    if root.tag != "opml":
        raise OpmlError(f"the root element is <{root.tag}>, not <opml>")
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url or url in feeds:
            continue
        name = (outline.get("title") or outline.get("text") or url).strip()
        language = (outline.get("language") or "").strip().lower().split("-")[0] or None
        feeds[url] = OpmlFeed(name=name, url=url, language=language)
    return list(feeds.values())
