"""Poll benchmark: the 2021 stream as 500 loopback feeds of 40 items each.

Measures, on the same feed bytes:
- floor: feedparser.parse alone, every feed, one after the other in one process;
- first poll: alertbot's poll cycle (fetch over loopback HTTP, parse in the worker pool, normalise,
  exact dedupe, classify, incidents, store) on a fresh database;
- second poll: the same feeds again, nothing new (every feed answers 304 to the conditional GET);
- peak memory: resident set of the polling process plus its worker processes, sampled every 20 ms.

The floor and the timed poll are measured in turn, in several rounds (--rounds), and the median
round is reported with the range: on a shared machine one round can be off by a tenth.

The poll runs in a child process (this file with --child) so that its memory is its own; the feed
server runs here. Delivery is not part of the cycle (the outbox is filled, nothing is sent).

    .venv/bin/python bench/bench_poll.py [--feeds 500] [--items 40] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from html import escape
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
STREAM = PROJECT.parent / "shared" / "data" / "streams" / "rss_items_2021_h1.jsonl"


def build_feeds(count: int, per_feed: int) -> list[bytes]:
    """Feed i carries stream items i*per_feed .. +per_feed, wrapping: later feeds repeat earlier stories."""
    rows = [json.loads(line) for line in STREAM.open(encoding="utf-8")]
    feeds = []
    for i in range(count):
        items = []
        for j in range(per_feed):
            r = rows[(i * per_feed + j) % len(rows)]
            when = email.utils.format_datetime(datetime.fromisoformat(r["date_published"]).astimezone(UTC), usegmt=True)
            items.append(
                f"<item><title>{escape(r['title'])}</title><link>{escape(r['link'])}</link>"
                f"<guid>{escape(r['link'])}</guid><pubDate>{when}</pubDate>"
                f"<description>{escape(r['description'] or '')}</description></item>"
            )
        feeds.append(
            (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Bench feed {i}</title><link>https://bench.example/{i}</link>"
                f"<description>replay</description><language>en</language>{''.join(items)}</channel></rss>"
            ).encode()
        )
    return feeds


def serve(feeds: list[bytes]) -> tuple[int, multiprocessing.Process]:
    """A minimal keep-alive HTTP/1.1 server in its own process, answering 304 to a matching ETag.

    asyncio streams and no header parsing beyond what is needed: a Python ThreadingHTTPServer
    spends about a millisecond per request itself, which would be measured as the poller's time.
    """
    ready: multiprocessing.Queue[int] = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve_forever, args=(feeds, ready), daemon=True)
    process.start()
    return ready.get(timeout=30), process


def _serve_forever(feeds: list[bytes], ready: multiprocessing.Queue[int]) -> None:
    etags = ['"' + hashlib.sha256(body).hexdigest()[:16] + '"' for body in feeds]
    full = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: "
        + etag.encode()
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
        for etag, body in zip(etags, feeds, strict=True)
    ]
    same = [b"HTTP/1.1 304 Not Modified\r\nETag: " + etag.encode() + b"\r\n\r\n" for etag in etags]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode("latin-1").split("\r\n")
                index = int(lines[0].split()[1].strip("/").split(".")[0])
                match = any(
                    line.lower().startswith("if-none-match:") and line.split(":", 1)[1].strip() == etags[index]
                    for line in lines[1:]
                )
                writer.write(same[index] if match else full[index])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def floor_seconds(feeds: list[bytes]) -> tuple[float, float, int]:
    """Wall and CPU seconds of feedparser.parse over every feed, in this one process."""
    import feedparser

    start, cpu = time.perf_counter(), time.process_time()
    entries = 0
    for body in feeds:
        entries += len(feedparser.parse(io.BytesIO(body)).entries)
    return time.perf_counter() - start, time.process_time() - cpu, entries


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its living descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def tree_rss(pid: int, field: str = "Pss:") -> int:
    """Memory of a process and all its descendants (Linux /proc), proportional set size by default.

    PSS, not RSS: the parser workers are forked from one server process and share its pages
    copy-on-write; summing their RSS would count those pages once per process.
    """
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field)) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (OSError, StopIteration, ValueError):
            continue
    return total


class NoIncidents:
    """Stands in for the classifier with --no-classifier, to show what ingestion alone costs."""

    version = "none"

    def classify(self, articles: list[object]) -> list[object]:
        from classifiers import Prediction

        return [Prediction(id=str(getattr(a, "id", "")), category="none", severity="none", score=0.0) for a in articles]


def child(config_path: Path, classifier: bool) -> None:
    """Two poll cycles, timed from inside: what `alertbot poll --once` runs, minus delivery."""
    from alertbot.config import load_config
    from alertbot.services import Services

    config = load_config(config_path)
    services = Services.open(config)
    if not classifier:
        services.poller.classifier = NoIncidents()  # type: ignore[assignment]

    async def cycles() -> list[dict[str, float | int]]:
        results = []
        services.parser.start()
        await asyncio.sleep(1.0)  # the pool's processes start in the background; not a cost of polling
        for _ in range(2):
            start, cpu, own = time.perf_counter(), tree_cpu(os.getpid()), time.process_time()
            report = await services.poller.poll(config.feeds, now=datetime.now(UTC))
            results.append(
                {
                    "seconds": time.perf_counter() - start,
                    "cpu": tree_cpu(os.getpid()) - cpu,
                    "main_cpu": time.process_time() - own,
                    "ok": sum(1 for f in report.feeds if f.status == "ok"),
                    "not_modified": sum(1 for f in report.feeds if f.status == "not_modified"),
                    "errors": sum(1 for f in report.feeds if f.status == "error"),
                    "entries": sum(f.entries for f in report.feeds),
                    "new": report.new_items,
                    "alerts": len(report.alerts),
                    "joined": sum(1 for a in report.alerts if a.joined),
                }
            )
        await services.close()
        return results

    print(json.dumps(asyncio.run(cycles())))


def run_child(config_path: Path, no_classifier: bool, *, sample: bool) -> tuple[float, str, int, int]:
    """Wall time, output, and (when sampled) peak PSS and summed RSS of one child run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(config_path), *(["--no-classifier"] if no_classifier else [])],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    peak = peak_rss = 0
    if sample:
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            peak_rss = max(peak_rss, tree_rss(process.pid, "Rss:"))
            time.sleep(0.02)
    out = process.communicate()[0]
    return time.perf_counter() - start, out, peak, peak_rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5, help="floor-then-poll rounds; the median is reported")
    parser.add_argument("--no-classifier", action="store_true", help="every item 'none': ingestion's own cost")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, classifier=not args.no_classifier)
        return
    feeds = build_feeds(args.feeds, args.items)
    print(f"{len(feeds)} feeds, {args.items} items each, {sum(map(len, feeds)) / 1e6:.1f} MB of XML")
    print(f"load average before the bench: {os.getloadavg()[0]:.2f} (other work on the machine skews wall times)")

    port, server = serve(feeds)
    rounds: list[tuple[float, float, dict[str, float], dict[str, float], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tempfile.gettempdir()) / "alertbot-bench-model"
        from classifiers.model_io import load_or_train

        load_or_train(model, PROJECT / "seeds")  # training is a one-off at first start, not part of a poll

        def fresh_config(name: str) -> Path:
            data_dir = Path(tmp) / name
            shutil.copytree(model, data_dir)
            config = {
                "data_dir": str(data_dir),
                "feeds": [{"name": f"Bench {i}", "url": f"http://127.0.0.1:{port}/{i}.xml"} for i in range(len(feeds))],
                "regions": [{"name": "Kabul", "country": "Afghanistan", "places": ["Kabul"]}],
                "channels": [{"chat_id": -1001, "min_severity": "low"}],
            }
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(json.dumps(config))  # JSON is YAML
            return path

        # Each round measures the floor and then a timed poll, one right after the other, so that
        # a change in the machine's speed (another tenant, the clock) touches both sides of the
        # ratio; the median round is the result. The memory is sampled in a run of its own:
        # reading smaps_rollup of five processes every 20 ms costs about half a core, which a
        # timed poll would lose.
        for index in range(args.rounds):
            floor, floor_cpu, entries = floor_seconds(feeds)
            wall, out, _, _ = run_child(fresh_config(f"timed{index}"), args.no_classifier, sample=False)
            first, second = json.loads(out.strip().splitlines()[-1])
            rounds.append((floor, floor_cpu, first, second, wall))
            print(
                f"round {index + 1}: floor {floor:.2f} s ({floor_cpu:.2f} s CPU, {entries} entries); "
                f"first poll {first['seconds']:.2f} s ({first['cpu']:.2f} s CPU, {first['main_cpu']:.2f} s "
                f"in the service process), ratio {first['seconds'] / floor:.2f}; "
                f"second poll {second['seconds']:.3f} s, ratio {second['seconds'] / first['seconds']:.3f}",
                flush=True,
            )
        _, _, peak, peak_rss = run_child(fresh_config("sampled"), args.no_classifier, sample=True)
    server.terminate()
    floor, floor_cpu, first, second, wall = sorted(rounds, key=lambda r: r[2]["seconds"] / r[0])[len(rounds) // 2]
    firsts = sorted(r[2]["seconds"] / r[0] for r in rounds)
    seconds = sorted(r[3]["seconds"] / r[2]["seconds"] for r in rounds)
    print(f"median round: first poll {first}")
    print(f"              second poll {second}")
    print(f"timed child's wall time (start-up, model load, pool, both polls): {wall:.2f} s")
    print(
        f"ratio first poll / floor: median {firsts[len(firsts) // 2]:.2f}, "
        f"range {firsts[0]:.2f} - {firsts[-1]:.2f}  (target <= 1.0)"
    )
    print(
        f"CPU: first poll {first['cpu']:.2f} s over all processes; on 2 idle cores at best "
        f"{first['cpu'] / 2:.2f} s wall = {first['cpu'] / 2 / floor_cpu:.2f} of the floor's CPU"
    )
    print(
        f"ratio second / first:     median {seconds[len(seconds) // 2]:.3f}, "
        f"range {seconds[0]:.3f} - {seconds[-1]:.3f}  (target <= 0.1)"
    )
    print(f"peak memory, poller and workers (a second, sampled run): {peak / 2**20:.0f} MB PSS  (target <= 300)")
    print(
        f"  (summed RSS, which counts pages shared by the forked workers once per process: {peak_rss / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
