"""Ingestion's part of the store: feed health (backoff, alarms) and incidents with their sources.

A mixin of Store, like the outbox: it shares the Store's connection and transactions; times are
passed in. An incident gathers the alerts (one per source item) that report one story; the
officer's message about it is an outbox row of kind 'alert', and later facts reach that message
as rows of kind 'edit' whose target (the 'alert' row) is kept in `outbox_edits`; delivery
(OutboxStore.edit_context) looks up the Telegram message id when the edit is sent, since the
original may not be sent yet when the edit is decided.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from alertbot.incidents import Incident, PlannedMessage, PriorMessage
from alertbot.items import FeedHealth, FeedItem
from classifiers import Prediction
from classifiers.labels import SEVERITIES, SEVERITY_RANK

INGEST_SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_health (
    url TEXT PRIMARY KEY,
    next_poll TEXT,
    backoff REAL NOT NULL DEFAULT 0,
    alarm_at TEXT,
    items INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    place TEXT,
    country TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    words TEXT NOT NULL,
    languages TEXT NOT NULL,
    feeds TEXT NOT NULL,
    sources INTEGER NOT NULL DEFAULT 1,
    killed INTEGER,
    injured INTEGER,
    kidnapped INTEGER,
    lead_alert_id INTEGER REFERENCES alerts(id)
);
CREATE INDEX IF NOT EXISTS incidents_recent ON incidents (last_seen);
CREATE TABLE IF NOT EXISTS incident_alerts (
    alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
    incident_id INTEGER NOT NULL REFERENCES incidents(id)
);
CREATE INDEX IF NOT EXISTS incident_alerts_incident ON incident_alerts (incident_id);
CREATE TABLE IF NOT EXISTS outbox_edits (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
    target_id INTEGER NOT NULL REFERENCES outbox(id)
);
CREATE INDEX IF NOT EXISTS outbox_edits_target ON outbox_edits (target_id);
"""

_INCIDENT_COLUMNS = (
    "id, category, severity, place, country, first_seen, last_seen, words, languages, feeds, sources, "
    "killed, injured, kidnapped, lead_alert_id"
)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the classifier said of an item, as the alerts table keeps it."""

    category: str
    severity: str
    score: float
    country: str | None
    place: str | None
    regions: Sequence[str]
    why: Sequence[str]
    model_version: str


@dataclass(frozen=True, slots=True)
class IncidentSource:
    alert_id: int
    feed_url: str
    title: str
    link: str
    language: str | None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def ensure_ingest_schema(db: sqlite3.Connection) -> None:
    db.executescript(INGEST_SCHEMA)


def _incident(row: Sequence[object]) -> Incident:
    first_seen = _time(str(row[5]))
    last_seen = _time(str(row[6]))
    assert first_seen is not None and last_seen is not None
    return Incident(
        id=int(str(row[0])),
        category=str(row[1]),
        severity=str(row[2]),
        place=row[3] if isinstance(row[3], str) else None,
        country=row[4] if isinstance(row[4], str) else None,
        first_seen=first_seen,
        last_seen=last_seen,
        words=frozenset(str(row[7]).split()),
        languages=frozenset(json.loads(str(row[8]))),
        feeds=frozenset(json.loads(str(row[9]))),
        sources=int(str(row[10])),
        killed=row[11] if isinstance(row[11], int) else None,
        injured=row[12] if isinstance(row[12], int) else None,
        kidnapped=row[13] if isinstance(row[13], int) else None,
        lead_alert_id=row[14] if isinstance(row[14], int) else None,
    )


def _incident_values(incident: Incident) -> tuple[object, ...]:
    return (
        incident.category,
        incident.severity,
        incident.place,
        incident.country,
        _iso(incident.first_seen),
        _iso(incident.last_seen),
        " ".join(sorted(incident.words)),
        json.dumps(sorted(incident.languages)),
        json.dumps(sorted(incident.feeds)),
        incident.sources,
        incident.killed,
        incident.injured,
        incident.kidnapped,
    )


class IngestStore:
    """Feed health and incidents; mixed into Store, which provides the connection and transactions."""

    _db: sqlite3.Connection

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # feed health

    def feed_health(self, url: str) -> FeedHealth:
        row = self._db.execute(
            "SELECT next_poll, backoff, alarm_at, items FROM feed_health WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return FeedHealth(url=url)
        return FeedHealth(url=url, next_poll=_time(row[0]), backoff=float(row[1]), alarm_at=_time(row[2]), items=row[3])

    def feed_healths(self) -> dict[str, FeedHealth]:
        rows = self._db.execute("SELECT url, next_poll, backoff, alarm_at, items FROM feed_health")
        return {
            r[0]: FeedHealth(url=r[0], next_poll=_time(r[1]), backoff=float(r[2]), alarm_at=_time(r[3]), items=r[4])
            for r in rows
        }

    def record_health(self, url: str, *, next_poll: datetime | None, backoff: float, new_items: int) -> None:
        """After a poll of a feed: when it may be polled again (None: on its interval), and what it gave."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feed_health (url, next_poll, backoff, items) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET next_poll = excluded.next_poll, backoff = excluded.backoff, "
                "items = items + excluded.items",
                (url, _iso(next_poll), backoff, new_items),
            )

    def raise_feed_alarm(self, url: str, notices: Sequence[tuple[int, str]], now: datetime) -> bool:
        """Tell the admins once that a feed keeps failing: the notices are queued only if not yet told."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO feed_health (url) VALUES (?)", (url,))
            cursor = db.execute(
                "UPDATE feed_health SET alarm_at = ? WHERE url = ? AND alarm_at IS NULL", (_iso(now), url)
            )
            raised = cursor.rowcount == 1
            if raised:
                self._queue_notices(db, notices, now)
        return raised

    def clear_feed_alarm(self, url: str, notices: Sequence[tuple[int, str]], now: datetime) -> bool:
        """The feed works again: if the admins were told it failed, tell them it recovered."""
        with self._transaction() as db:
            cursor = db.execute("UPDATE feed_health SET alarm_at = NULL WHERE url = ? AND alarm_at IS NOT NULL", (url,))
            cleared = cursor.rowcount == 1
            if cleared:
                self._queue_notices(db, notices, now)
        return cleared

    @staticmethod
    def _queue_notices(db: sqlite3.Connection, notices: Sequence[tuple[int, str]], now: datetime) -> None:
        db.executemany(
            "INSERT INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
            "VALUES (NULL, ?, 'notice', ?, ?, ?, ?)",
            [(chat, SEVERITY_RANK["high"], text, _iso(now), _iso(now)) for chat, text in notices],
        )

    # incidents

    def recent_incidents(self, since: datetime) -> list[Incident]:
        rows = self._db.execute(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE last_seen >= ? ORDER BY id",  # noqa: S608
            (_iso(since),),
        )
        return [_incident(row) for row in rows]

    def incident(self, incident_id: int) -> Incident | None:
        row = self._db.execute(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?",  # noqa: S608
            (incident_id,),
        ).fetchone()
        return _incident(row) if row else None

    def incident_sources(self, incident_id: int) -> list[IncidentSource]:
        rows = self._db.execute(
            "SELECT a.id, a.feed_url, a.title, a.link, a.language FROM incident_alerts i "
            "JOIN alerts a ON a.id = i.alert_id WHERE i.incident_id = ? ORDER BY a.id",
            (incident_id,),
        )
        return [IncidentSource(*row) for row in rows]

    def alert_source(self, alert_id: int) -> tuple[FeedItem, Prediction] | None:
        """A stored alert as the item and verdict it came from (the feed's name is its URL here)."""
        row = self._db.execute(
            "SELECT feed_url, guid, title, link, summary, published, language, category, severity, score, "
            "country, place, why FROM alerts WHERE id = ?",
            (alert_id,),
        ).fetchone()
        if row is None:
            return None
        item = FeedItem(
            feed_url=row[0],
            feed_name=row[0],
            guid=row[1],
            title=row[2],
            link=row[3],
            summary=row[4],
            published=_time(row[5]),
            language=row[6],
        )
        prediction = Prediction(
            id=row[1],
            category=row[7],
            severity=row[8],
            score=row[9],
            country=row[10],
            place=row[11],
            why=tuple(json.loads(row[12])),
        )
        return item, prediction

    def incident_of(self, alert_id: int) -> int | None:
        row = self._db.execute("SELECT incident_id FROM incident_alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return int(row[0]) if row else None

    def incident_messages(self, incident_id: int) -> dict[int, PriorMessage]:
        """Per chat, the latest full alert about the incident (not its edits)."""
        rows = self._db.execute(
            "SELECT o.chat_id, o.id, o.status, o.severity_rank FROM outbox o "
            "JOIN incident_alerts i ON i.alert_id = o.alert_id "
            "WHERE i.incident_id = ? AND o.kind = 'alert' ORDER BY o.id",
            (incident_id,),
        )
        return {int(r[0]): PriorMessage(int(r[1]), str(r[2]), SEVERITIES[int(r[3])]) for r in rows}

    def add_incident_report(
        self,
        item: FeedItem,
        facts: AlertFacts,
        incident: Incident,
        *,
        messages: Sequence[PlannedMessage],
        text: str,
        now: datetime,
    ) -> tuple[int, int]:
        """One source item of an incident, the incident as it now stands and the messages it owes.

        `incident.id` 0 opens a new incident. All in one transaction. Returns (alert id, incident id).
        """
        rank = SEVERITY_RANK[incident.severity]
        with self._transaction() as db:
            alert_id = insert_alert(db, item, facts, now)
            if incident.id == 0:
                cursor = db.execute(
                    "INSERT INTO incidents (category, severity, place, country, first_seen, last_seen, words, "
                    "languages, feeds, sources, killed, injured, kidnapped, lead_alert_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*_incident_values(incident), alert_id),
                )
                incident_id = cursor.lastrowid
                assert incident_id is not None
            else:
                incident_id = incident.id
                db.execute(
                    "UPDATE incidents SET category = ?, severity = ?, place = ?, country = ?, first_seen = ?, "
                    "last_seen = ?, words = ?, languages = ?, feeds = ?, sources = ?, killed = ?, injured = ?, "
                    "kidnapped = ? WHERE id = ?",
                    (*_incident_values(incident), incident_id),
                )
            db.execute("INSERT INTO incident_alerts (alert_id, incident_id) VALUES (?, ?)", (alert_id, incident_id))
            for message in messages:
                self._write_message(db, alert_id, message, rank=rank, text=text, now=now)
        return alert_id, incident_id

    @staticmethod
    def _write_message(
        db: sqlite3.Connection, alert_id: int, message: PlannedMessage, *, rank: int, text: str, now: datetime
    ) -> None:
        if message.plan == "update":
            cursor = db.execute(
                "UPDATE outbox SET text = ?, severity_rank = MAX(severity_rank, ?) "
                "WHERE id = ? AND status IN ('pending', 'held')",
                (text, rank, message.target),
            )
            if cursor.rowcount == 1:
                return
            # It left while we decided (another poll job's delivery): edit it instead.
        if message.plan in ("edit", "update"):
            pending = db.execute(
                "SELECT o.id FROM outbox o JOIN outbox_edits e ON e.outbox_id = o.id "
                "WHERE e.target_id = ? AND o.status = 'pending'",
                (message.target,),
            ).fetchone()
            if pending is not None:  # one edit waiting is enough: it now carries the newest text
                db.execute("UPDATE outbox SET text = ? WHERE id = ?", (text, pending[0]))
                return
            cursor = db.execute(
                "INSERT INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
                "VALUES (?, ?, 'edit', ?, ?, ?, ?)",
                (alert_id, message.chat_id, rank, text, _iso(now), _iso(now)),
            )
            db.execute(
                "INSERT INTO outbox_edits (outbox_id, target_id) VALUES (?, ?)", (cursor.lastrowid, message.target)
            )
            return
        db.execute(
            "INSERT OR IGNORE INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
            "VALUES (?, ?, 'alert', ?, ?, ?, ?)",
            (alert_id, message.chat_id, rank, text, _iso(now), _iso(now)),
        )


def insert_alert(db: sqlite3.Connection, item: FeedItem, facts: AlertFacts, now: datetime) -> int:
    cursor = db.execute(
        "INSERT INTO alerts (feed_url, guid, title, link, summary, language, published, category, severity, "
        "score, country, place, regions, why, model_version, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.feed_url,
            item.guid,
            item.title,
            item.link,
            item.summary,
            item.language,
            _iso(item.published),
            facts.category,
            facts.severity,
            facts.score,
            facts.country,
            facts.place,
            json.dumps(list(facts.regions)),
            json.dumps(list(facts.why)),
            facts.model_version,
            _iso(now),
        ),
    )
    alert_id = cursor.lastrowid
    assert alert_id is not None
    return alert_id
