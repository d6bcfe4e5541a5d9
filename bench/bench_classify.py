"""Classification throughput on one core: items per second through Classifier.classify.

Usage: python bench/bench_classify.py [--items N] [--data-dir DIR]
Articles come from ../shared/data/streams/rss_items_2021_h1.jsonl (real feed items, read at bench
time, never stored in the project); the model is loaded or trained from seeds/ into a temporary
data dir unless --data-dir is given. Pinned to one CPU and one BLAS thread.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREAM = ROOT.parent / "shared" / "data" / "streams" / "rss_items_2021_h1.jsonl"


def stream_articles(limit: int) -> list[object]:
    from classifiers.types import Article

    articles: list[object] = []
    with STREAM.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            row = json.loads(line)
            articles.append(Article(str(i), row.get("title") or "", row.get("description") or "", "en"))
    while len(articles) < limit:
        articles.extend(articles[: limit - len(articles)])
    return articles[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(ROOT))
    from classifiers.model_io import load_or_train
    from classifiers.predict import Classifier
    from classifiers.types import Article, ClassifierSettings

    if not STREAM.exists():
        print(f"skipped: {STREAM} is absent (the shared evaluation data is not here)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        model = load_or_train(data_dir, ROOT / "seeds")
        settings = ClassifierSettings(
            keywords={"kidnapping": ["ontvoerd", "abducted"]},
            watch=["Acme"],
            place_aliases={"Kaboel": ("Kabul", "Afghanistan")},
        )
        classifier = Classifier(model, settings)
        articles = [a for a in stream_articles(args.items) if isinstance(a, Article)]
        classifier.classify(articles[:100])  # build the gazetteer and warm caches
        best = 0.0
        with threadpool_limits(limits=1):
            for _ in range(args.repeat):
                start = time.perf_counter()
                predictions = classifier.classify(articles)
                elapsed = time.perf_counter() - start
                best = max(best, len(articles) / elapsed)
        incidents = sum(1 for p in predictions if p.is_incident)
    print(
        f"classify: {len(articles)} items, best of {args.repeat}: {best:,.0f} items/s on one core "
        f"({incidents} classified as incidents)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
