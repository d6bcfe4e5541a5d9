"""Config validation: every broken file gets one clear line naming the key, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alertbot.cli import main
from alertbot.config import load_config

GOOD = """\
telegram:
  api_url: https://api.telegram.org/bot
  token_env: ALERTBOT_TELEGRAM_TOKEN
  admins: [123456789]
data_dir: var/
defaults:
  min_severity: medium
feeds:
  - {name: NOS Buitenland, url: "https://feeds.example.org/nos", interval: 300, language: nl}
regions:
  - {name: Kabul, country: Afghanistan, places: [Kabul, Kaboel]}
keywords:
  kidnapping: [ontvoerd, gijzeling, kidnapped, abducted]
channels:
  - {chat_id: -1001234567890, regions: [Kabul], min_severity: high}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alertbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.data_dir == (tmp_path / "var").resolve()
    assert config.feeds[0].interval == 300 and config.feeds[0].language == "nl"
    assert config.region("kabul") is not None and config.channels[0].regions == ("Kabul",)
    assert config.telegram.admins == (123456789,)
    assert config.keywords["kidnapping"][0] == "ontvoerd"


def test_escalation_is_optional_and_defaults_to_15_minutes(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).telegram.escalation is None
    text = GOOD.replace("  admins: [123456789]\n", "  admins: [123456789]\n  escalation: {chat_id: -100123}\n")
    escalation = load_config(write(tmp_path, text)).telegram.escalation
    assert escalation is not None and (escalation.chat_id, escalation.after_minutes) == (-100123, 15)


def test_token_comes_from_the_named_environment_variable(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.telegram.token({}) is None
    assert config.telegram.token({"ALERTBOT_TELEGRAM_TOKEN": " 123:abc "}) == "123:abc"


def test_local_feed_file_becomes_a_file_url(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text("<rss/>")
    config = load_config(write(tmp_path, GOOD.replace('"https://feeds.example.org/nos"', "feed.xml")))
    assert config.feeds[0].url == (tmp_path / "feed.xml").as_uri()


BROKEN = [
    ("missing data_dir", GOOD.replace("data_dir: var/\n", ""), "data_dir: is missing"),
    ("missing feeds", GOOD.split("feeds:", maxsplit=1)[0], "feeds: is missing"),
    (
        "empty feeds",
        GOOD.replace("feeds:\n  - {name: NOS Buitenland", "feeds: []\nx:\n  - {name: NOS Buitenland"),
        "x: unknown key",
    ),
    ("empty feed list", GOOD.split("feeds:", maxsplit=1)[0] + "feeds: []\n", "feeds: the list is empty"),
    ("feed url missing", GOOD.replace('url: "https://feeds.example.org/nos", ', ""), "feeds[0].url: is missing"),
    ("bad url", GOOD.replace("https://feeds.example.org/nos", "htp:/nowhere"), "feeds[0].url:"),
    ("no such feed file", GOOD.replace('"https://feeds.example.org/nos"', "missing.xml"), "feeds[0].url:"),
    ("interval as text", GOOD.replace("interval: 300", "interval: often"), "feeds[0].interval: must be a whole number"),
    ("negative interval", GOOD.replace("interval: 300", "interval: -5"), "feeds[0].interval: must be at least 1"),
    (
        "unknown severity",
        GOOD.replace("min_severity: medium", "min_severity: urgent"),
        "defaults.min_severity: unknown severity 'urgent'",
    ),
    (
        "channel severity",
        GOOD.replace("min_severity: high", "min_severity: extreme"),
        "channels[0].min_severity: unknown severity",
    ),
    (
        "channel region",
        GOOD.replace("regions: [Kabul], min", "regions: [Herat], min"),
        "channels[0].regions[0]: 'Herat' is not a region",
    ),
    ("chat id as text", GOOD.replace("-1001234567890", "mychannel"), "channels[0].chat_id: must be a whole number"),
    ("admins not a list", GOOD.replace("admins: [123456789]", "admins: 123456789"), "telegram.admins: must be a list"),
    (
        "admin not a number",
        GOOD.replace("admins: [123456789]", "admins: [boss]"),
        "telegram.admins[0]: must be a whole number",
    ),
    (
        "api url",
        GOOD.replace("api_url: https://api.telegram.org/bot", "api_url: telegram"),
        "telegram.api_url: 'telegram' is not an http(s) URL",
    ),
    (
        "token in file",
        GOOD.replace("token_env: ALERTBOT_TELEGRAM_TOKEN", "token: 123:abc"),
        "telegram.token: the token never goes in the config file",
    ),
    ("unknown category", GOOD.replace("kidnapping: [", "piracy: ["), "keywords.piracy: unknown category"),
    ("unknown top key", GOOD + "feeeds: []\n", "feeeds: unknown key"),
    ("feeds not a list", GOOD.split("feeds:", maxsplit=1)[0] + "feeds: nos\n", "feeds: must be a list"),
    ("yaml syntax", GOOD.replace("regions:\n", "regions: [\n"), "is not valid YAML at line"),
    ("not a mapping", "- just\n- a list\n", "(top level): must be a mapping"),
    ("bad language", GOOD.replace("language: nl", "language: Dutch!"), "feeds[0].language:"),
    (
        "region without country",
        GOOD.replace("{name: Kabul, country: Afghanistan, ", "{name: Kabul, "),
        "regions[0].country: is missing",
    ),
    (
        "escalation not a mapping",
        GOOD.replace("  admins: [123456789]\n", "  admins: [123456789]\n  escalation: -100123\n"),
        "telegram.escalation: must be a mapping",
    ),
    (
        "escalation without chat",
        GOOD.replace("  admins: [123456789]\n", "  admins: [123456789]\n  escalation: {after_minutes: 15}\n"),
        "telegram.escalation.chat_id: is missing",
    ),
    (
        "escalation chat as text",
        GOOD.replace("  admins: [123456789]\n", "  admins: [123456789]\n  escalation: {chat_id: duty}\n"),
        "telegram.escalation.chat_id: must be a whole number",
    ),
    (
        "escalation after zero minutes",
        GOOD.replace(
            "  admins: [123456789]\n", "  admins: [123456789]\n  escalation: {chat_id: -100123, after_minutes: 0}\n"
        ),
        "telegram.escalation.after_minutes: must be between 1 and 10080",
    ),
    (
        "escalation unknown key",
        GOOD.replace("  admins: [123456789]\n", "  admins: [123456789]\n  escalation: {chat_id: -1, minutes: 5}\n"),
        "telegram.escalation.minutes: unknown key",
    ),
    (
        "duplicate feed",
        GOOD.replace("feeds:\n", 'feeds:\n  - {url: "https://feeds.example.org/nos"}\n'),
        "feeds[1].url: 'https://feeds.example.org/nos' is listed twice",
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_config_gives_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, text: str, expected: str
) -> None:
    status = main(["check-config", str(write(tmp_path, text))])
    err = capsys.readouterr().err
    assert status == 2, case
    assert err.startswith("alertbot: config error: ")
    assert expected in err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_check_config_as_a_process_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("min_severity: medium", "min_severity: urgent"))
    done = subprocess.run(
        [sys.executable, "-m", "alertbot", "check-config", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "defaults.min_severity" in done.stderr and "Traceback" not in done.stderr


def test_shipped_configs_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    project = Path(__file__).resolve().parent.parent
    for name in ("demo.yaml", "example.yaml"):
        assert main(["check-config", str(project / "config" / name)]) == 0, capsys.readouterr().err
