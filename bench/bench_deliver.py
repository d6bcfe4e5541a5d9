"""Drain a backlog of 2,000 alerts to 200 chats (20 of them channels) within Telegram's limits.

The fake Bot API runs in its own process with Telegram's flood control switched on (30 messages a
second, 20 a minute per group or channel; every excess answered 429), so the numbers measured here
are the delivery process's own: wall time (the limits set the floor), peak memory, 429s received,
and the order the messages went out in.

    .venv/bin/python bench/bench_deliver.py [--alerts 2000] [--chats 200] [--channels 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot

from alertbot.deliver import Courier, DeliverySettings
from alertbot.store import Store
from tests.delivery_support import add_alert
from tests.fakes import FakeBotApi

SEVERITIES = ("low", "medium", "high", "critical")
MIX = {"critical": 0.1, "high": 0.2, "medium": 0.4, "low": 0.3}
TOKEN = "123456:BENCH"


def serve(conn: Connection) -> None:
    """The fake Telegram, in its own process: answers until told to report."""
    with FakeBotApi() as api:
        api.enforce_limits()
        conn.send(api.base_url)
        conn.recv()  # "report"
        sent = [(m.chat_id, m.plain_text.split(" ", 2)[1].lower()) for m in api.sent_messages()]
        times = [c.time for c in api.calls("sendMessage") if c.status == 200]
        conn.send({"sent": sent, "times": times, "violations": api.limit_violations})


def backlog(store: Store, alerts: int, chats: int, channels: int, seed: int = 7) -> list[int]:
    """Channels take a larger share (they subscribe to more), so their minute limit bites."""
    rng = random.Random(seed)
    channel_ids = [-1_001_000_000_000 - n for n in range(channels)]
    private_ids = list(range(1001, 1001 + chats - channels))
    channel_share = min(0.3, 20 * channels * 1.5 / alerts)  # about 30 each: more than 20 a minute
    now = datetime.now(UTC)
    targets = []
    next_channel = 0
    for n in range(alerts):
        severity = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if rng.random() < channel_share:
            chat = channel_ids[next_channel % len(channel_ids)]  # evenly: about 30 each
            next_channel += 1
        else:
            chat = rng.choice(private_ids)
        add_alert(store, f"Incident {n}: armed men stopped a convoy near the border", severity, [chat], now, n=n)
        targets.append(chat)
    return targets


async def drain(store: Store, base_url: str) -> tuple[float, int]:
    async with Bot(TOKEN, base_url=base_url) as bot:
        courier = Courier(store, bot, lambda: datetime.now(UTC), DeliverySettings())
        started = time.perf_counter()
        rounds = 0
        while store.pending_count():
            report = await courier.run_round()
            rounds += 1
            if store.pending_count() and not report.sent:
                await asyncio.sleep(0.1)  # the JobQueue ticks every second; this is closer to the floor
        return time.perf_counter() - started, rounds


async def drain_with_ptb_limiter(store: Store, base_url: str, workers: int = 8) -> tuple[float, int]:
    """The alternative measured: PTB's AIORateLimiter under a few workers taking the queue in order."""
    from telegram.constants import ParseMode
    from telegram.error import RetryAfter
    from telegram.ext import AIORateLimiter, ExtBot

    queue: asyncio.Queue[tuple[int, int, str]] = asyncio.Queue()
    for row in store.due_messages(datetime.now(UTC), limit=1_000_000):
        queue.put_nowait((row.id, row.chat_id, row.text))
    limiter = AIORateLimiter(max_retries=10)
    async with ExtBot(TOKEN, base_url=base_url, rate_limiter=limiter) as bot:

        async def worker() -> None:
            while not queue.empty():
                outbox_id, chat_id, text = queue.get_nowait()
                while True:
                    try:
                        sent = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
                        break
                    except RetryAfter as exc:
                        await asyncio.sleep(float(exc.retry_after))  # type: ignore[arg-type]
                store.mark_sent(outbox_id, sent.message_id, datetime.now(UTC))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return time.perf_counter() - started, 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--ptb-limiter", action="store_true", help="measure PTB's AIORateLimiter instead")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=serve, args=(child,), daemon=True)
    server.start()
    base_url = parent.recv()

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        targets = backlog(store, args.alerts, args.chats, args.channels)
        per_channel = [targets.count(c) for c in set(targets) if c < 0]
        tracemalloc.start()
        run = drain_with_ptb_limiter if args.ptb_limiter else drain
        elapsed, rounds = asyncio.run(run(store, base_url))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        store.close()
    parent.send("report")
    report = parent.recv()
    server.join(timeout=10)

    sent: list[tuple[int, str]] = report["sent"]
    ranks = [SEVERITIES.index(s) for _, s in sent]
    floor_global = args.alerts / 30
    floor_channel = max((n - 1) // 20 for n in per_channel) * 60 if per_channel else 0
    # Order: a message sent while a more severe one was still waiting. Waiting for a channel's
    # minute window is what the limits demand; waiting behind a private chat's message is not.
    unjust = waited = 0
    later_private = later_channel = -1
    for (chat, _), rank in zip(reversed(sent), reversed(ranks), strict=True):
        if later_private > rank:
            unjust += 1
        elif later_channel > rank:
            waited += 1
        if chat < 0:
            later_channel = max(later_channel, rank)
        else:
            later_private = max(later_private, rank)
    critical_positions = [i for i, r in enumerate(ranks) if r == 3]
    times = report["times"]
    last_critical_s = times[critical_positions[-1]] - times[0] if critical_positions else 0.0
    per_chat_ordered = all(
        [r for (c, _), r in zip(sent, ranks, strict=True) if c == chat]
        == sorted([r for (c, _), r in zip(sent, ranks, strict=True) if c == chat], reverse=True)
        for chat in {c for c, _ in sent}
    )
    print("sender:", "PTB AIORateLimiter, 8 workers" if args.ptb_limiter else "alertbot Courier (outbox scheduler)")
    print(
        f"backlog: {args.alerts} alerts to {args.chats} chats ({args.channels} channels, "
        f"{min(per_channel)}-{max(per_channel)} messages each)"
    )
    print(f"delivered: {len(sent)} messages in {elapsed:.1f} s ({len(sent) / elapsed:.1f}/s), {rounds} rounds")
    print(
        f"floor set by the limits: {max(floor_global, floor_channel):.1f} s "
        f"(30/s overall: {floor_global:.1f} s; 20/min per channel: {floor_channel} s)"
    )
    print(f"429s from the fake's flood control: {report['violations']}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak / 1e6:.1f} MB traced by Python, {rss:.0f} MB max RSS")
    print(
        f"order: all {len(critical_positions)} critical alerts among the first {critical_positions[-1] + 1} sends, "
        f"the last {last_critical_s:.1f} s after the first send"
    )
    print(
        f"order: messages sent while a more severe one waited: {unjust} behind a private chat's, "
        f"{waited} behind a channel's that was at its 20-a-minute limit"
    )
    print(f"order within every chat: most severe first: {per_chat_ordered}")
    buckets = [0] * (int((times[-1] - times[0]) // 10) + 1)
    for moment in times:
        buckets[int((moment - times[0]) // 10)] += 1
    print("sends per 10 s:", " ".join(map(str, buckets)))


if __name__ == "__main__":
    main()
