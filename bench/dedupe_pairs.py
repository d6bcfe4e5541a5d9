"""Candidate incident pairs on the 2021 stream, scored by four text similarities, for choosing one.

Replays ../shared/data/streams/rss_items_2021_h1.jsonl through the classifier, blocks reports on
category, place (or country) and a 48 h window exactly as alertbot.incidents does, and scores each
candidate pair with: overlap coefficient and Jaccard of content words (alertbot.incidents.words_of),
TF-IDF cosine (fitted on the whole stream), MinHash-estimated Jaccard (datasketch, 128 permutations)
and SimHash (64 bits over words). Writes the pairs as JSON Lines for hand labelling.

    .venv/bin/python bench/dedupe_pairs.py --out /tmp/pairs.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import datetime
from pathlib import Path

from datasketch import MinHash
from sklearn.feature_extraction.text import TfidfVectorizer

from alertbot.incidents import WINDOW, overlap, words_of
from classifiers import Article, ClassifierSettings
from classifiers.model_io import load_or_train
from classifiers.predict import Classifier

PROJECT = Path(__file__).resolve().parent.parent
STREAM = PROJECT.parent / "shared" / "data" / "streams" / "rss_items_2021_h1.jsonl"


def simhash(words: frozenset[str]) -> int:
    weights = [0] * 64
    for word in words:
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def minhash(words: frozenset[str]) -> MinHash:
    m = MinHash(num_perm=128)
    for word in words:
        m.update(word.encode())
    return m


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, default=Path("/tmp/alertbot-bench-model"))
    args = parser.parse_args()
    rows = [json.loads(line) for line in STREAM.open(encoding="utf-8")]
    classifier = Classifier(load_or_train(args.model_dir, PROJECT / "seeds"), ClassifierSettings())
    texts = [f"{r['title']}\n{r['description'] or ''}" for r in rows]
    predictions = classifier.classify(
        [
            Article(id=str(i), title=r["title"], summary=r["description"] or "", language="en")
            for i, r in enumerate(rows)
        ]
    )
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit(texts)
    incidents = [i for i, p in enumerate(predictions) if p.is_incident]
    print(f"{len(rows)} items, {len(incidents)} incidents")
    vectors = {i: tfidf.transform([texts[i]]) for i in incidents}
    words = {i: words_of(texts[i]) for i in incidents}
    sketches = {i: minhash(words[i]) for i in incidents}
    hashes = {i: simhash(words[i]) for i in incidents}
    when = {i: datetime.fromisoformat(rows[i]["date_published"]) for i in incidents}
    pairs = 0
    with args.out.open("w", encoding="utf-8") as out:
        for n, a in enumerate(incidents):
            pa = predictions[a]
            for b in incidents[n + 1 :]:
                if when[b] - when[a] > WINDOW:
                    break
                pb = predictions[b]
                if pa.category != pb.category:
                    continue
                if pa.place and pb.place:
                    if pa.place.casefold() != pb.place.casefold():
                        continue
                    blocked_on = "place"
                elif pa.country and pb.country and pa.country != pb.country:
                    continue
                else:
                    blocked_on = "country-or-nothing"
                wa, wb = words[a], words[b]
                record = {
                    "a": a,
                    "b": b,
                    "category": pa.category,
                    "place": pa.place or pb.place,
                    "blocked_on": blocked_on,
                    "same_feed": rows[a]["feed"] == rows[b]["feed"],
                    "hours": round((when[b] - when[a]).total_seconds() / 3600, 1),
                    "overlap": round(overlap(wa, wb), 3),
                    "jaccard": round(len(wa & wb) / len(wa | wb), 3) if wa | wb else 0.0,
                    "tfidf": round(float((vectors[a] @ vectors[b].T).toarray()[0, 0]), 3),
                    "minhash": round(sketches[a].jaccard(sketches[b]), 3),
                    "simhash": round(1 - bin(hashes[a] ^ hashes[b]).count("1") / 64, 3),
                    "title_a": rows[a]["title"],
                    "title_b": rows[b]["title"],
                    "text_a": texts[a][:300],
                    "text_b": texts[b][:300],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                pairs += 1
    print(f"{pairs} candidate pairs -> {args.out}")


if __name__ == "__main__":
    main()
