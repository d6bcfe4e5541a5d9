"""Training time on the seeds plus 20,000 extra labelled items, as `alertbot train --data` does.

Usage: python bench/bench_train.py [--extra N]
The extra items are made at bench time from the real stream
(../shared/data/streams/rss_items_2021_h1.jsonl, plus unlabelled German and Spanish news), labelled
`none` only to give the trainer volume; they are written to a temporary file and deleted, never
committed and never used for a shipped model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SOURCES = [
    (SHARED / "streams" / "rss_items_2021_h1.jsonl", "title", "description", "en"),
    (SHARED / "unlabelled" / "news_de.jsonl", "title", "summary", "de"),
    (SHARED / "unlabelled" / "news_es.jsonl", "title", "summary", "es"),
]


def write_extra(path: Path, n: int) -> int:
    rows = []
    for source, title_key, summary_key, language in SOURCES:
        if not source.exists():
            continue
        with source.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                title, summary = row.get(title_key) or "", row.get(summary_key) or ""
                if title.strip() or summary.strip():
                    rows.append((title, summary, language))
    if not rows:
        return 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            title, summary, language = rows[i % len(rows)]
            # Repeats get a marker word so that the items differ, as 20,000 real ones would.
            suffix = f" ({i // len(rows)})" if i >= len(rows) else ""
            out.write(
                json.dumps(
                    {
                        "id": f"bench-{i}",
                        "title": title + suffix,
                        "summary": summary,
                        "language": language,
                        "category": "none",
                    }
                )
                + "\n"
            )
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from classifiers.model_io import seed_files, train_and_save
    from classifiers.train import load_examples

    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp) / "extra.jsonl"
        made = write_extra(extra, args.extra)
        if not made:
            print(f"skipped: no stream data under {SHARED}")
            return 0
        n_seeds = len(load_examples(seed_files(ROOT / "seeds")))
        start = time.perf_counter()
        model = train_and_save(Path(tmp) / "data", ROOT / "seeds", extra=[extra], created="1970-01-01T00:00:00+00:00")
        elapsed = time.perf_counter() - start
    print(
        f"train: {n_seeds} seed items + {made} extra = {model.n_examples} examples in "
        f"{elapsed:.1f} s (3-fold cross-validation plus the final fit, saved with its sidecar)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
