"""The config file: YAML in, validated frozen dataclasses out.

Every problem becomes a ConfigError that names the key (`feeds[2].url`) and what is wrong, so a
person can fix the file without reading a traceback. Relative paths (data_dir, feed files) are
resolved against the config file's folder, so the service behaves the same from any working
directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from alertbot.errors import ConfigError
from classifiers.labels import INCIDENT_CATEGORIES, SEVERITIES

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_TOKEN_ENV = "ALERTBOT_TELEGRAM_TOKEN"
ALERT_SEVERITIES = SEVERITIES[1:]  # "none" is never a threshold anyone wants
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class EscalationConfig:
    """Where a high or critical alert goes when nobody acknowledged it in time."""

    chat_id: int
    after_minutes: int = 15


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    api_url: str = DEFAULT_API_URL
    token_env: str = DEFAULT_TOKEN_ENV
    admins: tuple[int, ...] = ()
    escalation: EscalationConfig | None = None

    def token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The bot token from the environment; None means: show alerts in the terminal."""
        value = (os.environ if environ is None else environ).get(self.token_env, "").strip()
        return value or None


@dataclass(frozen=True, slots=True)
class FeedConfig:
    name: str
    url: str
    interval: int
    language: str | None = None


@dataclass(frozen=True, slots=True)
class RegionConfig:
    name: str
    country: str
    places: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    chat_id: int
    regions: tuple[str, ...] = ()  # empty: every region
    min_severity: str = "medium"


@dataclass(frozen=True, slots=True)
class PollConfig:
    concurrency: int = 16
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = "alertbot/0.1 (+https://github.com/alertbot/alertbot)"


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    telegram: TelegramConfig
    data_dir: Path
    min_severity: str
    feeds: tuple[FeedConfig, ...]
    regions: tuple[RegionConfig, ...] = ()
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    watch: tuple[str, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    poll: PollConfig = field(default_factory=PollConfig)

    def region(self, name: str) -> RegionConfig | None:
        folded = name.casefold()
        return next((r for r in self.regions if r.name.casefold() == folded), None)


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raises ConfigError naming the first bad key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("", f"config file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"config file {path} cannot be read: {exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError("", f"{path} is not valid YAML{where}: {problem}") from exc
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path) -> Config:
    """Validate an already-loaded YAML document (split out so tests can feed dicts)."""
    base = path.parent
    top = _mapping(raw, "")
    _only_keys(
        top,
        "",
        {"telegram", "data_dir", "defaults", "feeds", "regions", "keywords", "watch", "channels", "poll"},
    )
    regions = _regions(top.get("regions", []))
    region_names = {r.name.casefold() for r in regions}
    defaults = _mapping(top.get("defaults", {}), "defaults")
    _only_keys(defaults, "defaults", {"min_severity"})
    min_severity = _severity(defaults.get("min_severity", "medium"), "defaults.min_severity")
    return Config(
        path=path,
        telegram=_telegram(top.get("telegram", {})),
        data_dir=_path(_require(top, "data_dir", ""), "data_dir", base),
        min_severity=min_severity,
        feeds=_feeds(_require(top, "feeds", ""), base),
        regions=regions,
        keywords=_keywords(top.get("keywords", {})),
        watch=_strings(top.get("watch", []), "watch"),
        channels=_channels(top.get("channels", []), region_names, min_severity),
        poll=_poll(top.get("poll", {})),
    )


def _telegram(raw: Any) -> TelegramConfig:
    section = _mapping(raw, "telegram")
    _only_keys(section, "telegram", {"api_url", "token_env", "admins", "token", "escalation"})
    if "token" in section:
        raise ConfigError(
            "telegram.token",
            "the token never goes in the config file; set telegram.token_env to the name of an "
            "environment variable that holds it",
        )
    api_url = _string(section.get("api_url", DEFAULT_API_URL), "telegram.api_url")
    if not _is_http_url(api_url):
        raise ConfigError("telegram.api_url", f"{api_url!r} is not an http(s) URL")
    token_env = _string(section.get("token_env", DEFAULT_TOKEN_ENV), "telegram.token_env")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_env):
        raise ConfigError("telegram.token_env", f"{token_env!r} is not an environment variable name")
    admins = _list(section.get("admins", []), "telegram.admins")
    return TelegramConfig(
        api_url=api_url.rstrip("/") if api_url.endswith("//") else api_url,
        token_env=token_env,
        admins=tuple(_int(a, f"telegram.admins[{i}]") for i, a in enumerate(admins)),
        escalation=_escalation(section.get("escalation")),
    )


def _escalation(raw: Any) -> EscalationConfig | None:
    if raw is None:
        return None
    key = "telegram.escalation"
    section = _mapping(raw, key)
    _only_keys(section, key, {"chat_id", "after_minutes"})
    chat_id = _int(_require(section, "chat_id", key), f"{key}.chat_id")
    if chat_id == 0:
        raise ConfigError(f"{key}.chat_id", "must be a Telegram chat id, not 0")
    after = _int(section.get("after_minutes", 15), f"{key}.after_minutes")
    if not 1 <= after <= 7 * 24 * 60:
        raise ConfigError(f"{key}.after_minutes", f"must be between 1 and 10080 (a week), not {after}")
    return EscalationConfig(chat_id=chat_id, after_minutes=after)


def _feeds(raw: Any, base: Path) -> tuple[FeedConfig, ...]:
    items = _list(raw, "feeds")
    if not items:
        raise ConfigError("feeds", "the list is empty; name at least one feed")
    feeds: list[FeedConfig] = []
    seen_urls: set[str] = set()
    for i, item in enumerate(items):
        key = f"feeds[{i}]"
        entry = _mapping(item, key)
        _only_keys(entry, key, {"name", "url", "interval", "language"})
        url = _feed_url(_string(_require(entry, "url", key), f"{key}.url"), f"{key}.url", base)
        if url in seen_urls:
            raise ConfigError(f"{key}.url", f"{url!r} is listed twice")
        seen_urls.add(url)
        interval = _int(entry.get("interval", 300), f"{key}.interval")
        if interval < 1:
            raise ConfigError(f"{key}.interval", f"must be at least 1 second, not {interval}")
        language = entry.get("language")
        if language is not None:
            language = _string(language, f"{key}.language").lower()
            if not LANGUAGE_CODE.match(language):
                raise ConfigError(f"{key}.language", f"{language!r} is not a language code like nl or en")
        name = _string(entry.get("name", url), f"{key}.name")
        feeds.append(FeedConfig(name=name, url=url, interval=interval, language=language))
    return tuple(feeds)


def _feed_url(value: str, key: str, base: Path) -> str:
    """http(s) URLs stay as they are; anything else must be a feed file on disk."""
    if _is_http_url(value):
        return value
    parts = urlsplit(value)
    if parts.scheme == "file":
        candidate = Path(parts.path)
    elif parts.scheme and len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise ConfigError(key, f"{value!r} is not an http(s) URL or a feed file")
    else:
        candidate = Path(value)
    if not candidate.is_absolute():
        candidate = (base / candidate).resolve()
    if not candidate.is_file():
        raise ConfigError(key, f"{value!r} is not an http(s) URL, and no file {candidate} exists")
    return candidate.as_uri()


def _regions(raw: Any) -> tuple[RegionConfig, ...]:
    regions: list[RegionConfig] = []
    names: set[str] = set()
    for i, item in enumerate(_list(raw, "regions")):
        key = f"regions[{i}]"
        entry = _mapping(item, key)
        _only_keys(entry, key, {"name", "country", "places"})
        name = _string(_require(entry, "name", key), f"{key}.name")
        if name.casefold() in names or name.casefold() == "all":
            raise ConfigError(f"{key}.name", f"{name!r} is used twice or is the reserved word 'all'")
        names.add(name.casefold())
        country = _string(_require(entry, "country", key), f"{key}.country")
        places = _strings(entry.get("places", []), f"{key}.places")
        regions.append(RegionConfig(name=name, country=country, places=places))
    return tuple(regions)


def _keywords(raw: Any) -> Mapping[str, tuple[str, ...]]:
    section = _mapping(raw, "keywords")
    keywords: dict[str, tuple[str, ...]] = {}
    for category, terms in section.items():
        key = f"keywords.{category}"
        if category not in INCIDENT_CATEGORIES:
            raise ConfigError(key, f"unknown category; use one of {', '.join(INCIDENT_CATEGORIES)}")
        keywords[str(category)] = _strings(terms, key)
    return keywords


def _channels(raw: Any, region_names: set[str], default_severity: str) -> tuple[ChannelConfig, ...]:
    channels: list[ChannelConfig] = []
    for i, item in enumerate(_list(raw, "channels")):
        key = f"channels[{i}]"
        entry = _mapping(item, key)
        _only_keys(entry, key, {"chat_id", "regions", "min_severity"})
        chat_id = _int(_require(entry, "chat_id", key), f"{key}.chat_id")
        regions = _strings(entry.get("regions", []), f"{key}.regions")
        if any(r.casefold() == "all" for r in regions):
            regions = ()
        for j, region in enumerate(regions):
            if region.casefold() not in region_names:
                raise ConfigError(f"{key}.regions[{j}]", f"{region!r} is not a region named under regions")
        severity = _severity(entry.get("min_severity", default_severity), f"{key}.min_severity")
        channels.append(ChannelConfig(chat_id=chat_id, regions=regions, min_severity=severity))
    return tuple(channels)


def _poll(raw: Any) -> PollConfig:
    section = _mapping(raw, "poll")
    _only_keys(section, "poll", {"concurrency", "timeout", "max_bytes", "user_agent"})
    default = PollConfig()
    concurrency = _int(section.get("concurrency", default.concurrency), "poll.concurrency")
    timeout = _number(section.get("timeout", default.timeout), "poll.timeout")
    max_bytes = _int(section.get("max_bytes", default.max_bytes), "poll.max_bytes")
    if concurrency < 1:
        raise ConfigError("poll.concurrency", "must be at least 1")
    if timeout <= 0:
        raise ConfigError("poll.timeout", "must be a positive number of seconds")
    if max_bytes < 1024:
        raise ConfigError("poll.max_bytes", "must be at least 1024 bytes")
    user_agent = _string(section.get("user_agent", default.user_agent), "poll.user_agent")
    return PollConfig(concurrency=concurrency, timeout=timeout, max_bytes=max_bytes, user_agent=user_agent)


# Small typed readers: each names the key in its error.


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__
    )


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if value is None and key:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(key or "(top level)", f"must be a mapping of keys, not {_type_name(value)}")
    return value


def _list(value: Any, key: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(key, f"must be a list, not {_type_name(value)}")
    return value


def _require(section: Mapping[str, Any], name: str, parent: str) -> Any:
    if name not in section or section[name] is None:
        raise ConfigError(f"{parent}.{name}" if parent else name, "is missing")
    return section[name]


def _only_keys(section: Mapping[str, Any], parent: str, allowed: set[str]) -> None:
    for name in section:
        if name not in allowed:
            key = f"{parent}.{name}" if parent else str(name)
            raise ConfigError(key, f"unknown key; expected one of {', '.join(sorted(allowed))}")


def _string(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(key, f"must be text, not {_type_name(value)}")
    text = str(value).strip()
    if not text:
        raise ConfigError(key, "must not be empty")
    return text


def _strings(value: Any, key: str) -> tuple[str, ...]:
    return tuple(_string(v, f"{key}[{i}]") for i, v in enumerate(_list(value, key)))


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"must be a whole number, not {value!r}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"must be a number, not {value!r}")
    return float(value)


def _severity(value: Any, key: str) -> str:
    if value not in ALERT_SEVERITIES:
        raise ConfigError(key, f"unknown severity {value!r}; use one of {', '.join(ALERT_SEVERITIES)}")
    return str(value)


def _path(value: Any, key: str, base: Path) -> Path:
    path = Path(_string(value, key)).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
