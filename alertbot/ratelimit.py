"""Telegram's send limits as sliding windows: pure bookkeeping, the caller passes the time.

Telegram allows about 30 messages a second overall and 20 a minute to one group or channel
(negative chat ids). The limiter answers "how long until this chat may get a message", so the
sender can skip a saturated channel and send the next most severe message elsewhere instead of
waiting in line behind it. A 429 pauses everything for the `retry_after` it names, because the
answer does not say which limit was hit.

Times are seconds on a monotonic clock. A send is charged when it starts and moved to when it
ended, so the window is measured no earlier than Telegram saw the request.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Limits:
    per_second: int = 30
    group_per_minute: int = 20
    # Telegram counts arrival times we cannot see; a little slack keeps network jitter from
    # turning into a 429.
    margin: float = 0.05


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


@dataclass(slots=True)
class _Window:
    seconds: float
    limit: int
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.seconds - now

    def charge(self, now: float) -> None:
        self.times.append(now)

    def settle(self, started: float, ended: float) -> None:
        """Move one charge from when the send started to when it ended (keeps the deque sorted)."""
        # A send slower than the window already lost its start charge; its end still counts.
        if started in self.times:
            self.times.remove(started)
        position = len(self.times)
        while position > 0 and self.times[position - 1] > ended:
            position -= 1
        self.times.insert(position, ended)


class SendLimiter:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._all = _Window(1.0 + self.limits.margin, self.limits.per_second)
        self._groups: dict[int, _Window] = {}
        self._paused_until = 0.0

    def _group(self, chat_id: int) -> _Window | None:
        if not is_group(chat_id):
            return None
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = _Window(60.0 + self.limits.margin, self.limits.group_per_minute)
        return window

    def global_wait(self, now: float) -> float:
        """Seconds until any message may go: flood-control pause, then the overall rate."""
        return max(self._paused_until - now, self._all.wait(now), 0.0)

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Seconds until this chat may get a message, ignoring the overall rate."""
        window = self._group(chat_id)
        return window.wait(now) if window is not None else 0.0

    def saturated(self, now: float) -> set[int]:
        """Groups and channels that must not get a message yet."""
        return {chat_id for chat_id, window in self._groups.items() if window.wait(now) > 0}

    def reopens(self, now: float) -> float | None:
        """Seconds until the first saturated group may get a message again, if any is saturated."""
        waits = [w for w in (window.wait(now) for window in self._groups.values()) if w > 0]
        return min(waits) if waits else None

    def charge(self, chat_id: int, now: float) -> None:
        self._all.charge(now)
        window = self._group(chat_id)
        if window is not None:
            window.charge(now)

    def settle(self, chat_id: int, started: float, ended: float) -> None:
        self._all.settle(started, ended)
        window = self._group(chat_id)
        if window is not None:
            window.settle(started, ended)

    def pause(self, seconds: float, now: float) -> None:
        """Telegram said 429: nothing goes until it said we may."""
        self._paused_until = max(self._paused_until, now + seconds)

    def forget_idle(self, now: float) -> None:
        """Drop the windows of groups with no recent sends, so 10,000 channels cost nothing at rest."""
        for chat_id in [c for c, w in self._groups.items() if w.wait(now) == 0.0 and not w.times]:
            del self._groups[chat_id]
