"""The outbox in SQLite: every message owed to a chat, from decided to delivered.

A row is written in the same transaction as the alert it carries, before any send is tried. Its
life: pending -> sending (claimed with an attempt id, committed before the request leaves) -> sent
(with Telegram's message id). A row still 'sending' when the process starts again was interrupted
between the request and its answer: Telegram may or may not have it. It goes back to pending,
marked uncertain, and is sent again with a note that it may repeat (at-least-once: a duplicate the
officer can recognise beats a lost alert). Everything else is exact: a row marked sent is never
sent again, a pending row is never forgotten.

Other states: held (quiet hours; folded into a digest row when they end, in one transaction),
paused (the chat blocked the bot; kept, resumed when the chat subscribes again), failed (Telegram
rejected the message itself; logged, never retried).

A mixin of Store: it shares the Store's connection and transactions; times are passed in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, time

from alertbot.quiet import QuietHours

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER REFERENCES alerts(id),
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'alert',
    severity_rank INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    attempt_id TEXT,
    uncertain INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    message_id INTEGER,
    created TEXT NOT NULL,
    sent_at TEXT,
    escalate_at TEXT,
    ack_by TEXT,
    ack_user INTEGER,
    ack_at TEXT,
    digest_id INTEGER
);
-- An alert reaches a chat once and is escalated once (edits and notices may repeat).
CREATE UNIQUE INDEX IF NOT EXISTS outbox_once ON outbox (alert_id, chat_id, kind)
    WHERE kind IN ('alert', 'escalation');
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status, severity_rank DESC, id);
CREATE INDEX IF NOT EXISTS outbox_escalate ON outbox (escalate_at) WHERE escalate_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS paused_chats (
    chat_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quiet_hours (
    chat_id INTEGER PRIMARY KEY,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    zone TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""

# Columns the first outbox had; a database from before delivery was hardened is rebuilt around them.
_FIRST_COLUMNS = (
    "id, alert_id, chat_id, severity_rank, text, status, attempts, next_attempt, last_error, message_id, "
    "created, sent_at"
)

_ROW = "id, alert_id, chat_id, text, attempts, kind, severity_rank, uncertain"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    alert_id: int | None
    chat_id: int
    text: str
    attempts: int
    kind: str = "alert"
    severity_rank: int = 0
    uncertain: bool = False


@dataclass(frozen=True, slots=True)
class HeldAlert:
    outbox_id: int
    alert_id: int
    severity: str
    category: str
    title: str
    link: str
    place: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    outbox_id: int
    chat_id: int
    message_id: int | None
    text: str
    kind: str
    by: str
    at: datetime
    new: bool  # False: someone had acknowledged it already


@dataclass(frozen=True, slots=True)
class Overdue:
    """A high or critical alert nobody acknowledged in time."""

    alert_id: int
    severity_rank: int
    text: str
    chats: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EditContext:
    """The message an 'edit' row rewrites (see alertbot/ingest_store.py), as delivery needs it."""

    target_id: int
    message_id: int | None
    status: str
    alert_id: int | None
    kind: str
    severity_rank: int
    ack_by: str | None
    ack_at: datetime | None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def ensure_outbox_schema(db: sqlite3.Connection) -> None:
    """Create the delivery tables; rebuild a first-version outbox in place, keeping every row."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    db.execute("BEGIN IMMEDIATE")
    try:
        if columns and "kind" not in columns:
            db.execute("DROP INDEX IF EXISTS outbox_pending")
            db.execute("ALTER TABLE outbox RENAME TO outbox_v1")
            for statement in _statements(OUTBOX_SCHEMA):
                db.execute(statement)
            db.execute(f"INSERT INTO outbox ({_FIRST_COLUMNS}) SELECT {_FIRST_COLUMNS} FROM outbox_v1")  # noqa: S608
            db.execute("DROP TABLE outbox_v1")
        for statement in _statements(OUTBOX_SCHEMA):
            db.execute(statement)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class OutboxStore:
    """Outbox queries; mixed into Store, which provides the connection and transactions."""

    _db: sqlite3.Connection

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # sending

    def due_messages(self, now: datetime, limit: int = 100, skip_chats: Sequence[int] = ()) -> list[OutboxMessage]:
        """Pending messages whose time has come, most severe first, then oldest first.

        Within a severity, groups and channels go before private chats: a channel may take only 20
        a minute, so the sooner it starts the sooner its backlog is through; private chats lose nothing.

        `skip_chats` are chats the sender cannot serve right now (a channel at its minute limit),
        so a backlog for one channel never hides what other chats are owed.
        """
        skip = list(skip_chats)
        marks = ",".join("?" * len(skip))
        rows = self._db.execute(
            f"SELECT {_ROW} FROM outbox WHERE status = 'pending' AND next_attempt <= ? "  # noqa: S608
            f"AND chat_id NOT IN ({marks}) ORDER BY severity_rank DESC, chat_id < 0 DESC, id LIMIT ?",
            (_iso(now), *skip, limit),
        )
        return [
            OutboxMessage(
                id=r[0],
                alert_id=r[1],
                chat_id=r[2],
                text=r[3],
                attempts=r[4],
                kind=r[5],
                severity_rank=r[6],
                uncertain=bool(r[7]),
            )
            for r in rows
        ]

    def next_due(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(next_attempt) FROM outbox WHERE status IN ('pending', 'held')").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def pending_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0])

    def claim(self, outbox_id: int, attempt_id: str, now: datetime) -> bool:
        """Mark a message as on its way, committed before the request leaves; False if not pending."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'sending', attempt_id = ?, next_attempt = ? "
                "WHERE id = ? AND status = 'pending'",
                (attempt_id, _iso(now), outbox_id),
            )
        return cursor.rowcount == 1

    def mark_sent(self, outbox_id: int, message_id: int, now: datetime, *, escalate_at: datetime | None = None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, "
                "escalate_at = ? WHERE id = ?",
                (message_id, _iso(now), _iso(escalate_at) if escalate_at else None, outbox_id),
            )

    def retry_later(self, outbox_id: int, error: str, when: datetime, *, uncertain: bool = False) -> None:
        """Back to pending for another try; `uncertain`: Telegram may have it already."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt = ?, "
                "uncertain = MAX(uncertain, ?) WHERE id = ? AND status IN ('pending', 'sending')",
                (error, _iso(when), int(uncertain), outbox_id),
            )

    def mark_undeliverable(self, outbox_id: int, error: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, outbox_id),
            )

    def recover_interrupted(self) -> int:
        """After a crash: messages caught between request and answer go again, marked uncertain."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'pending', uncertain = 1, "
                "last_error = 'interrupted while sending; Telegram may have it' WHERE status = 'sending'"
            )
        return cursor.rowcount

    def defer(self, outbox_id: int, when: datetime) -> None:
        """Not yet: an edit whose message has not left. No attempt is counted."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET next_attempt = ? WHERE id = ? AND status = 'pending'", (_iso(when), outbox_id)
            )

    def edit_context(self, outbox_id: int) -> EditContext | None:
        row = self._db.execute(
            "SELECT t.id, t.message_id, t.status, t.kind, t.severity_rank, t.ack_by, t.ack_at, t.alert_id "
            "FROM outbox_edits e JOIN outbox t ON t.id = e.target_id WHERE e.outbox_id = ?",
            (outbox_id,),
        ).fetchone()
        if row is None:
            return None
        return EditContext(
            target_id=row[0],
            message_id=row[1],
            status=row[2],
            kind=row[3],
            severity_rank=row[4],
            ack_by=row[5],
            ack_at=datetime.fromisoformat(row[6]) if row[6] else None,
            alert_id=row[7],
        )

    def current_text(self, outbox_id: int) -> str:
        """What a sent message says now: its text, or that of the latest edit that reached it."""
        row = self._db.execute(
            "SELECT o.text FROM outbox_edits e JOIN outbox o ON o.id = e.outbox_id "
            "WHERE e.target_id = ? AND o.status = 'sent' ORDER BY o.sent_at DESC, o.id DESC LIMIT 1",
            (outbox_id,),
        ).fetchone()
        if row is None:
            row = self._db.execute("SELECT text FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
        return str(row[0]) if row else ""

    # blocked chats

    def pause_chat(self, chat_id: int, error: str, now: datetime, notices: Sequence[tuple[int, str]] = ()) -> bool:
        """The chat blocked or removed the bot: stop writing to it, keep what it was owed.

        Returns True when the chat was not paused before; only then are `notices` (admin chat,
        text) queued, in the same transaction, so admins hear of it once.
        """
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO paused_chats (chat_id, reason, since) VALUES (?, ?, ?)",
                (chat_id, error, _iso(now)),
            )
            newly = cursor.rowcount == 1
            db.execute("UPDATE subscriptions SET active = 0, updated = ? WHERE chat_id = ?", (_iso(now), chat_id))
            db.execute(
                "UPDATE outbox SET status = 'paused', last_error = ? WHERE chat_id = ? "
                "AND status IN ('pending', 'sending', 'held')",
                (error, chat_id),
            )
            if newly:
                self._insert_notices(db, notices, now)
        return newly

    def park_paused(self) -> int:
        """Messages decided for a paused chat (a configured channel) wait without being tried."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'paused' WHERE status = 'pending' "
                "AND chat_id IN (SELECT chat_id FROM paused_chats)"
            )
        return cursor.rowcount

    def resume_chat(self, chat_id: int, now: datetime) -> int:
        """The chat wants alerts again: what it was owed while paused goes out, in order."""
        with self._transaction() as db:
            db.execute("DELETE FROM paused_chats WHERE chat_id = ?", (chat_id,))
            cursor = db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt = ? WHERE chat_id = ? AND status = 'paused'",
                (_iso(now), chat_id),
            )
        return cursor.rowcount

    def paused_chats(self) -> dict[int, str]:
        return {int(r[0]): str(r[1]) for r in self._db.execute("SELECT chat_id, reason FROM paused_chats")}

    def enqueue_notice(self, chat_id: int, text: str, now: datetime, *, severity_rank: int = 3) -> None:
        with self._transaction() as db:
            self._insert_notices(db, [(chat_id, text)], now, severity_rank)

    @staticmethod
    def _insert_notices(
        db: sqlite3.Connection, notices: Sequence[tuple[int, str]], now: datetime, severity_rank: int = 3
    ) -> None:
        db.executemany(
            "INSERT INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
            "VALUES (NULL, ?, 'notice', ?, ?, ?, ?)",
            [(chat, severity_rank, text, _iso(now), _iso(now)) for chat, text in notices],
        )

    # quiet hours

    def set_quiet_hours(self, chat_id: int, quiet: QuietHours | None, now: datetime) -> None:
        """Set or clear; clearing lets whatever was held go out as a digest straight away."""
        with self._transaction() as db:
            if quiet is None:
                db.execute("DELETE FROM quiet_hours WHERE chat_id = ?", (chat_id,))
                db.execute(
                    "UPDATE outbox SET next_attempt = ? WHERE chat_id = ? AND status = 'held'", (_iso(now), chat_id)
                )
                return
            db.execute(
                "INSERT INTO quiet_hours (chat_id, start, end, zone, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET start = excluded.start, end = excluded.end, "
                "zone = excluded.zone, updated = excluded.updated",
                (chat_id, quiet.start.isoformat("minutes"), quiet.end.isoformat("minutes"), quiet.zone, _iso(now)),
            )

    def quiet_hours(self) -> dict[int, QuietHours]:
        rows = self._db.execute("SELECT chat_id, start, end, zone FROM quiet_hours")
        return {int(r[0]): QuietHours(time.fromisoformat(r[1]), time.fromisoformat(r[2]), str(r[3])) for r in rows}

    def hold(self, outbox_id: int, until: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'held', next_attempt = ? WHERE id = ? AND status = 'pending'",
                (_iso(until), outbox_id),
            )

    def digests_due(self, now: datetime) -> dict[int, list[HeldAlert]]:
        """Per chat, the alerts held through quiet hours that have ended, most severe first."""
        rows = self._db.execute(
            "SELECT o.chat_id, o.id, a.id, a.severity, a.category, a.title, a.link, a.place, a.country "
            "FROM outbox o JOIN alerts a ON a.id = o.alert_id "
            "WHERE o.status = 'held' AND o.next_attempt <= ? ORDER BY o.chat_id, o.severity_rank DESC, o.id",
            (_iso(now),),
        )
        due: dict[int, list[HeldAlert]] = {}
        for row in rows:
            due.setdefault(int(row[0]), []).append(HeldAlert(*row[1:]))
        return due

    def add_digest(
        self, chat_id: int, texts: Sequence[str], held: Sequence[int], severity_rank: int, now: datetime
    ) -> None:
        """The digest messages and the end of holding, together: a held alert is digested once."""
        with self._transaction() as db:
            first: int | None = None
            for text in texts:
                cursor = db.execute(
                    "INSERT INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
                    "VALUES (NULL, ?, 'digest', ?, ?, ?, ?)",
                    (chat_id, severity_rank, text, _iso(now), _iso(now)),
                )
                first = first if first is not None else cursor.lastrowid
            db.executemany(
                "UPDATE outbox SET status = 'digested', digest_id = ? WHERE id = ? AND status = 'held'",
                [(first, outbox_id) for outbox_id in held],
            )

    # acknowledgement and escalation

    def acknowledge(self, outbox_id: int, chat_id: int, by: str, user_id: int, now: datetime) -> Acknowledgement | None:
        """Record who acknowledged a sent alert; the first press wins. None: no such alert in this chat."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET ack_by = ?, ack_user = ?, ack_at = ? "
                "WHERE id = ? AND chat_id = ? AND status = 'sent' AND ack_at IS NULL",
                (by, user_id, _iso(now), outbox_id, chat_id),
            )
            new = cursor.rowcount == 1
            row = db.execute(
                "SELECT chat_id, message_id, text, kind, ack_by, ack_at FROM outbox "
                "WHERE id = ? AND chat_id = ? AND ack_at IS NOT NULL",
                (outbox_id, chat_id),
            ).fetchone()
        if row is None:
            return None
        text = self.current_text(outbox_id)
        return Acknowledgement(outbox_id, row[0], row[1], text, row[3], row[4], datetime.fromisoformat(row[5]), new)

    def escalations_due(self, now: datetime, escalation_chat: int) -> list[Overdue]:
        """Alerts past their acknowledgement deadline in some chat, acknowledged in none, not escalated."""
        rows = self._db.execute(
            "SELECT o.alert_id, MAX(o.severity_rank), MIN(o.id), "
            "json_group_array(o.chat_id) FILTER (WHERE o.escalate_at <= ?) "
            "FROM outbox o WHERE o.kind = 'alert' AND o.alert_id IN ("
            "  SELECT alert_id FROM outbox WHERE escalate_at IS NOT NULL AND escalate_at <= ? AND ack_at IS NULL"
            "  AND kind = 'alert' AND chat_id != ?) "
            "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.alert_id = o.alert_id AND e.kind = 'escalation') "
            "GROUP BY o.alert_id HAVING COUNT(o.ack_at) = 0 ORDER BY MAX(o.severity_rank) DESC, o.alert_id",
            (_iso(now), _iso(now), escalation_chat),
        ).fetchall()
        overdue: list[Overdue] = []
        for alert_id, rank, first_id, chats in rows:
            text = self._db.execute("SELECT text FROM outbox WHERE id = ?", (first_id,)).fetchone()[0]
            late = tuple(sorted({int(c) for c in json.loads(chats)} - {escalation_chat}))
            overdue.append(Overdue(int(alert_id), int(rank), str(text), late))
        return overdue

    def add_escalation(self, alert_id: int, chat_id: int, severity_rank: int, text: str, now: datetime) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (alert_id, chat_id, kind, severity_rank, text, next_attempt, created) "
                "VALUES (?, ?, 'escalation', ?, ?, ?, ?)",
                (alert_id, chat_id, severity_rank, text, _iso(now), _iso(now)),
            )
        return cursor.rowcount == 1

    def outbox_rows(self) -> Iterator[dict[str, object]]:
        """Every row as a mapping, for reports and tests."""
        cursor = self._db.execute("SELECT * FROM outbox ORDER BY id")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))
