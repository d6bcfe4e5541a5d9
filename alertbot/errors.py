"""One exception root for everything alertbot raises on purpose.

Callers catch AlertbotError at the edges (CLI, job callbacks) and show its message; the cause is
always chained so that logs keep the full story.
"""


class AlertbotError(Exception):
    """Root of alertbot's own errors; the message is meant for a person."""


class ConfigError(AlertbotError):
    """The config file is unusable; `key` names where, like `feeds[2].url`."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


class FeedError(AlertbotError):
    """A feed could not be fetched or parsed; other feeds go on."""


class StoreError(AlertbotError):
    """The SQLite store could not be opened or used."""
