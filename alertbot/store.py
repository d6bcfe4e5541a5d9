"""SQLite: what was seen, who subscribed, what was decided and sent.

One file in data_dir, WAL mode, one connection used from the event loop's thread. Every write that
matters is committed before the caller goes on, so a crash loses at most the step in progress.
Times are passed in by the caller; the store has no clock of its own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alertbot.errors import StoreError
from alertbot.ingest_store import AlertFacts, IngestStore, ensure_ingest_schema, insert_alert
from alertbot.items import FeedItem, FeedState, Fetched, Subscription
from alertbot.normalise import title_key
from alertbot.outbox import OutboxStore, ensure_outbox_schema
from classifiers.labels import SEVERITY_RANK

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_ok TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    entries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS subscriptions (
    chat_id INTEGER PRIMARY KEY,
    regions TEXT NOT NULL DEFAULT '[]',
    min_severity TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    feed_url TEXT NOT NULL,
    guid TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    summary TEXT NOT NULL,
    language TEXT,
    published TEXT,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    score REAL NOT NULL,
    country TEXT,
    place TEXT,
    regions TEXT NOT NULL,
    why TEXT NOT NULL,
    model_version TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (alert_id, user_id)
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: int
    title: str
    link: str
    category: str
    severity: str
    place: str | None
    country: str | None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


FEED_STATE_SELECT = "SELECT url, etag, last_modified, last_ok, last_error, last_error_at, failures, entries FROM feeds"


def _feed_state(row: tuple[Any, ...]) -> FeedState:
    return FeedState(
        url=row[0],
        etag=row[1],
        last_modified=row[2],
        last_ok=_time(row[3]),
        last_error=row[4],
        last_error_at=_time(row[5]),
        failures=row[6],
        entries=row[7],
    )


def seen_keys(item: FeedItem) -> tuple[str, ...]:
    """The ways an item can repeat: same feed and guid, same canonical link, same title."""
    keys = [f"guid:{item.feed_url}\n{item.guid}"]
    if item.link:
        keys.append(f"link:{item.link}")
    title = title_key(item.title)
    if len(title) >= 12:  # very short titles ("Live", "Update") repeat without being the same story
        keys.append(f"title:{title}")
    return tuple(keys)


class Store(OutboxStore, IngestStore):
    """The database; the outbox and delivery queries live in alertbot/outbox.py (OutboxStore)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            ensure_outbox_schema(self._db)
            ensure_ingest_schema(self._db)  # feed health and incidents: alertbot/ingest_store.py
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    @staticmethod
    def path_in(data_dir: Path) -> Path:
        return data_dir / "alertbot.sqlite3"

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Store:
        return cls(cls.path_in(data_dir))

    @classmethod
    def in_memory(cls) -> Store:
        return cls(Path(":memory:"))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Many writes as one transaction: all of them land, or none (a crash in between leaves
        nothing half done), and one commit costs less than one per write."""
        with self._transaction():
            yield

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._db.in_transaction:
            # Inside a unit: the unit commits, or rolls back when this raises.
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # seen items

    def unseen(
        self,
        items: Sequence[FeedItem],
        batch: set[str] | None = None,
        keys_of: Callable[[FeedItem], tuple[str, ...]] = seen_keys,
    ) -> list[FeedItem]:
        """Items none of whose keys were seen before, nor earlier in this batch.

        `batch` carries the keys of a batch across calls (one poll over several feeds); it grows.
        `keys_of` lets a caller that asks about the same items more than once compute their keys once.
        """
        fresh: list[FeedItem] = []
        batch = set() if batch is None else batch
        keyed = [(item, keys_of(item)) for item in items]
        known = self._seen_among([key for _, keys in keyed for key in keys])  # one query per chunk, not per item
        for item, keys in keyed:
            if batch.intersection(keys) or known.intersection(keys):
                continue
            batch.update(keys)
            fresh.append(item)
        return fresh

    def _seen_among(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # SQLite allows some hundreds of parameters per statement
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self._db.execute(f"SELECT key FROM seen WHERE key IN ({marks})", chunk))  # noqa: S608
        return found

    def mark_seen(
        self, items: Iterable[FeedItem], now: datetime, keys_of: Callable[[FeedItem], tuple[str, ...]] = seen_keys
    ) -> None:
        when = _iso(now)  # once: a poll marks tens of thousands of keys
        rows = [(key, when) for item in items for key in keys_of(item)]
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO seen (key, first_seen) VALUES (?, ?)", rows)

    # feeds

    def feed_state(self, url: str) -> FeedState:
        row = self._db.execute(f"{FEED_STATE_SELECT} WHERE url = ?", (url,)).fetchone()
        return _feed_state(row) if row else FeedState(url=url)

    def feed_states(self) -> dict[str, FeedState]:
        return {row[0]: _feed_state(row) for row in self._db.execute(FEED_STATE_SELECT)}

    def record_fetch(
        self,
        fetched: Fetched,
        entries: int | None,
        problem: str | None,
        now: datetime,
        known: FeedState | None = None,
    ) -> None:
        """Remember validators and health; a feed that recovers keeps no stale error count.

        `known`: the feed's state as the caller read it (a poll reads all of them at once)."""
        state = known if known is not None else self.feed_state(fetched.url)
        if fetched.status == "error" or (problem and not entries):
            error = fetched.error or problem
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO feeds (url, last_error, last_error_at, failures) VALUES (?, ?, ?, 1) "
                    "ON CONFLICT(url) DO UPDATE SET last_error = excluded.last_error, "
                    "last_error_at = excluded.last_error_at, failures = failures + 1",
                    (fetched.url, error, _iso(now)),
                )
            return
        etag = fetched.etag if fetched.etag is not None else state.etag
        modified = fetched.last_modified if fetched.last_modified is not None else state.last_modified
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feeds (url, etag, last_modified, last_ok, failures, entries) VALUES (?, ?, ?, ?, 0, ?) "
                "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                "last_ok = excluded.last_ok, failures = 0, entries = excluded.entries",
                (fetched.url, etag, modified, _iso(now), entries if entries is not None else state.entries),
            )

    # subscriptions

    def subscription(self, chat_id: int) -> Subscription | None:
        row = self._db.execute(
            "SELECT regions, min_severity, active FROM subscriptions WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return None
        return Subscription(
            chat_id=chat_id, regions=tuple(json.loads(row[0])), min_severity=row[1], active=bool(row[2])
        )

    def subscriptions(self) -> list[Subscription]:
        rows = self._db.execute(
            "SELECT chat_id, regions, min_severity, active FROM subscriptions WHERE active = 1 ORDER BY chat_id"
        )
        return [
            Subscription(chat_id=r[0], regions=tuple(json.loads(r[1])), min_severity=r[2], active=True) for r in rows
        ]

    def subscribe(self, chat_id: int, regions: Sequence[str], default_severity: str, now: datetime) -> Subscription:
        """Create or re-activate; a chat that set its own severity keeps it."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO subscriptions (chat_id, regions, min_severity, active, created, updated) "
                "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET regions = excluded.regions, "
                "active = 1, updated = excluded.updated",
                (chat_id, json.dumps(list(regions)), default_severity, _iso(now), _iso(now)),
            )
        subscription = self.subscription(chat_id)
        assert subscription is not None
        return subscription

    def unsubscribe(self, chat_id: int, now: datetime) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE subscriptions SET active = 0, updated = ? WHERE chat_id = ? AND active = 1",
                (_iso(now), chat_id),
            )
        return cursor.rowcount > 0

    def set_min_severity(self, chat_id: int, severity: str, now: datetime) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE subscriptions SET min_severity = ?, updated = ? WHERE chat_id = ?",
                (severity, _iso(now), chat_id),
            )
        return cursor.rowcount > 0

    # alerts and the outbox

    def add_alert(
        self,
        item: FeedItem,
        *,
        category: str,
        severity: str,
        score: float,
        country: str | None,
        place: str | None,
        regions: Sequence[str],
        why: Sequence[str],
        model_version: str,
        deliveries: Sequence[tuple[int, str]],
        now: datetime,
    ) -> int:
        """The alert and every message it owes, in one transaction: all or nothing."""
        facts = AlertFacts(category, severity, score, country, place, regions, why, model_version)
        with self._transaction() as db:
            alert_id = insert_alert(db, item, facts, now)
            db.executemany(
                "INSERT OR IGNORE INTO outbox (alert_id, chat_id, severity_rank, text, next_attempt, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (alert_id, chat_id, SEVERITY_RANK[severity], text, _iso(now), _iso(now))
                    for chat_id, text in deliveries
                ],
            )
        return alert_id

    def alert(self, alert_id: int) -> StoredAlert | None:
        row = self._db.execute(
            "SELECT id, title, link, category, severity, place, country FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        return StoredAlert(*row) if row else None

    # meta

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    # officers' feedback

    def alert_record(self, alert_id: int) -> dict[str, Any] | None:
        """The stored alert as a mapping, for feedback and retraining."""
        cursor = self._db.execute(
            "SELECT id, title, summary, language, category, severity, country, place FROM alerts WHERE id = ?",
            (alert_id,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def record_feedback(
        self, alert_id: int, *, user_id: int, chat_id: int, category: str, severity: str, now: datetime
    ) -> None:
        """One verdict per officer and alert; a second tap replaces the first."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feedback (alert_id, user_id, chat_id, category, severity, created) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(alert_id, user_id) DO UPDATE SET "
                "category = excluded.category, severity = excluded.severity, created = excluded.created",
                (alert_id, user_id, chat_id, category, severity, _iso(now)),
            )

    def feedback_labels(self) -> list[tuple[dict[str, Any], str, str]]:
        """Per alert with feedback: the alert and the labels of its latest verdict."""
        cursor = self._db.execute(
            "SELECT a.id, a.title, a.summary, a.language, a.category, a.severity, a.country, a.place, "
            "f.category, f.severity FROM feedback f JOIN alerts a ON a.id = f.alert_id "
            "WHERE f.created = (SELECT MAX(created) FROM feedback g WHERE g.alert_id = f.alert_id) "
            "GROUP BY a.id ORDER BY a.id"
        )
        names = [c[0] for c in cursor.description][:8]
        return [(dict(zip(names, row[:8], strict=True)), row[8], row[9]) for row in cursor]
