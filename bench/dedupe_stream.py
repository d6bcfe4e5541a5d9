"""Replay the 2021 stream through exact dedupe and incident matching; count and sample the joins.

Every item of ../shared/data/streams/rss_items_2021_h1.jsonl, in time order: exact repeats (feed and
guid, canonical link, normalised title: alertbot.store.seen_keys) are dropped, the rest classified
in one batch, and each incident report placed with alertbot.incidents exactly as the poller does.
Prints the counts and writes every join (the report, the incident's first report, the scores) as
JSON Lines; --sample N picks N joins at random (seeded) for hand checking.

    .venv/bin/python bench/dedupe_stream.py --joins /tmp/joins.jsonl --sample 50
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from alertbot.incidents import WINDOW, Incident, find_incident, join, open_incident, overlap, report_of
from alertbot.items import FeedItem
from alertbot.normalise import canonical_link
from alertbot.store import seen_keys
from classifiers import Article, ClassifierSettings
from classifiers.model_io import load_or_train
from classifiers.predict import Classifier

PROJECT = Path(__file__).resolve().parent.parent
STREAM = PROJECT.parent / "shared" / "data" / "streams" / "rss_items_2021_h1.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--joins", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--model-dir", type=Path, default=Path("/tmp/alertbot-bench-model"))
    args = parser.parse_args()
    rows = [json.loads(line) for line in STREAM.open(encoding="utf-8")]
    items = [
        FeedItem(
            feed_url=r["feed"],
            feed_name=r["feed"],
            guid=r["link"],
            title=r["title"],
            link=canonical_link(r["link"]),
            summary=r["description"] or "",
            published=datetime.fromisoformat(r["date_published"]),
            language="en",
        )
        for r in rows
    ]
    seen: set[str] = set()
    fresh: list[FeedItem] = []
    for item in items:
        keys = seen_keys(item)
        if seen.intersection(keys):
            continue
        seen.update(keys)
        fresh.append(item)
    classifier = Classifier(load_or_train(args.model_dir, PROJECT / "seeds"), ClassifierSettings())
    predictions = classifier.classify(
        [Article(id=i.guid, title=i.title, summary=i.summary, language="en") for i in fresh]
    )
    incidents: dict[int, Incident] = {}
    leads: dict[int, FeedItem] = {}
    joins: list[dict[str, object]] = []
    reports = 0
    for item, p in zip(fresh, predictions, strict=True):
        if not p.is_incident:
            continue
        reports += 1
        assert item.published is not None
        report = report_of(item, p, place=p.place, when=item.published)
        recent = [i for i in incidents.values() if i.last_seen >= report.when - WINDOW]
        found = find_incident(report, recent)
        if found is None:
            new_id = len(incidents) + 1
            incidents[new_id] = replace(open_incident(report), id=new_id)
            leads[new_id] = item
            continue
        joins.append(
            {
                "incident": found.id,
                "category": p.category,
                "place": report.place,
                "score": round(overlap(report.words, found.words), 3),
                "same_feed": item.feed_url in found.feeds,
                "first": leads[found.id].title,
                "report": item.title,
                "report_summary": item.summary[:200],
            }
        )
        incidents[found.id] = join(found, report).incident
    sizes = Counter(i.sources for i in incidents.values())
    print(f"{len(rows)} items; {len(rows) - len(fresh)} exact repeats dropped; {len(fresh)} new")
    print(f"{reports} incident reports -> {len(incidents)} incidents; {len(joins)} reports joined an earlier incident")
    print(f"incidents with more than one source: {sum(n for s, n in sizes.items() if s > 1)}; largest: {max(sizes)}")
    print(f"joins across feeds: {sum(1 for j in joins if not j['same_feed'])}")
    with args.joins.open("w", encoding="utf-8") as out:
        for record in joins:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    sample = random.Random(2021).sample(joins, min(args.sample, len(joins)))
    for n, record in enumerate(sample, 1):
        where = f"[{record['category']}, {record['place']}, {record['score']}]"
        print(f"{n:2d}. {where} {record['first']}  <=  {record['report']}")


if __name__ == "__main__":
    main()
