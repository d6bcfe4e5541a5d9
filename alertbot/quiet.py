"""Quiet hours: when a subscriber does not want to be woken, in their own time zone. Pure.

Low and medium alerts that fall in a chat's quiet hours are held and sent as one digest when the
quiet hours end; high and critical ones always come through, with sound. Outside quiet hours low
alerts arrive silently and medium and above with sound: a low alert is worth reading, not worth
interrupting a meeting for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from classifiers.labels import SEVERITY_RANK

ALWAYS_THROUGH_RANK = SEVERITY_RANK["high"]  # high and critical ignore quiet hours
SILENT_BELOW_RANK = SEVERITY_RANK["medium"]  # low alerts never ring
CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time
    zone: str

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.zone}"


class QuietHoursError(ValueError):
    """What is wrong with a /quiet argument, in words for the person who typed it."""


def _clock_time(text: str) -> time:
    match = CLOCK_TIME.match(text.strip())
    if match is None:
        raise QuietHoursError(f"{text!r} is not a time like 22:00")
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(words: list[str]) -> QuietHours:
    """`22:00-07:00 Europe/Amsterdam` (the zone defaults to UTC)."""
    if not words or len(words) > 2:
        raise QuietHoursError("give a range and a time zone, like 22:00-07:00 Europe/Amsterdam")
    span = words[0]
    if span.count("-") != 1:
        raise QuietHoursError(f"{span!r} is not a range like 22:00-07:00")
    start_text, end_text = span.split("-")
    start, end = _clock_time(start_text), _clock_time(end_text)
    if start == end:
        raise QuietHoursError("quiet hours must start and end at different times")
    zone = words[1] if len(words) == 2 else "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QuietHoursError(f"{zone!r} is not a time zone like Europe/Amsterdam or Asia/Kabul") from exc
    return QuietHours(start, end, zone)


def quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """When the quiet hours that hold `now` end (UTC), or None when `now` is not in quiet hours."""
    zone = ZoneInfo(quiet.zone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    today = local.date()
    if quiet.start < quiet.end:  # e.g. 13:00-14:00, within one day
        if not quiet.start <= clock < quiet.end:
            return None
        end_day = today
    else:  # e.g. 22:00-07:00, over midnight
        if quiet.end <= clock < quiet.start:
            return None
        end_day = today if clock < quiet.end else today + timedelta(days=1)
    # Wall-clock arithmetic in the zone: a DST change during the night moves the end with it.
    return datetime.combine(end_day, quiet.end, tzinfo=zone).astimezone(UTC)


def held_by_quiet_hours(severity_rank: int, quiet: QuietHours | None, now: datetime) -> datetime | None:
    """Until when an alert of this severity waits, or None when it goes now."""
    if quiet is None or severity_rank >= ALWAYS_THROUGH_RANK:
        return None
    return quiet_until(quiet, now)


def rings(severity_rank: int) -> bool:
    """Whether the alert is sent with sound (Telegram's disable_notification is the opposite)."""
    return severity_rank >= SILENT_BELOW_RANK
