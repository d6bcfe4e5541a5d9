"""What a feed's poll outcome means for its next poll and for the admins. Pure: time passed in.

A failing feed backs off exponentially (with jitter, see fetch.backoff_delay) and is never dropped:
the job keeps trying it at the backed-off pace, /status and `alertbot feeds` show it, and after
ALARM_AFTER failures in a row the admins are told once; they hear again only when it recovers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from alertbot.fetch import backoff_delay

ALARM_AFTER = 5  # failures in a row before the admins hear of it


@dataclass(frozen=True, slots=True)
class HealthVerdict:
    next_poll: datetime | None  # None: on the feed's own interval
    backoff: float
    alarm: bool  # the admins should be told (the store makes sure it happens once)


def judge(
    *,
    failed: bool,
    failures: int,
    interval: float,
    retry_after: float | None,
    jitter: float,
    now: datetime,
) -> HealthVerdict:
    """`failures`: failures in a row, this one included."""
    if not failed:
        return HealthVerdict(next_poll=None, backoff=0.0, alarm=False)
    delay = backoff_delay(failures, interval=interval, jitter=jitter, retry_after=retry_after)
    return HealthVerdict(next_poll=now + timedelta(seconds=delay), backoff=delay, alarm=failures >= ALARM_AFTER)


def in_backoff(next_poll: datetime | None, now: datetime) -> bool:
    return next_poll is not None and next_poll > now


def duration_words(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def alarm_notices(
    admins: Sequence[int], *, name: str, url: str, failures: int, error: str | None, backoff: float
) -> list[tuple[int, str]]:
    text = (
        f"\u26a0\ufe0f Feed <b>{escape(name)}</b> failed {failures} times in a row: "
        f"{escape(error or 'error', quote=False)}\n{escape(url, quote=False)}\n"
        f"Next try in {duration_words(backoff)}; it keeps being retried, backing off. /status shows its state."
    )
    return [(admin, text) for admin in admins]


def recovery_notices(admins: Sequence[int], *, name: str) -> list[tuple[int, str]]:
    return [(admin, f"\u2705 Feed <b>{escape(name)}</b> works again.") for admin in admins]
