"""The `alertbot` command line: argument parsing and error reporting, nothing else."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from alertbot import __version__
from alertbot.config import Config, load_config
from alertbot.errors import AlertbotError, ConfigError
from alertbot.logs import setup_logging
from classifiers.errors import ClassifierError

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alertbot",
        description="News alerts on security incidents, for security officers, over Telegram.",
    )
    parser.add_argument("--version", action="version", version=f"alertbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sub: argparse.ArgumentParser, required: bool = True) -> None:
        default = os.environ.get("ALERTBOT_CONFIG")
        sub.add_argument(
            "--config",
            "-c",
            type=Path,
            default=Path(default) if default else None,
            required=required and not default,
            help="config file (YAML); default: $ALERTBOT_CONFIG",
        )

    run = commands.add_parser("run", help="run the service: poll feeds on schedule, send alerts, take commands")
    with_config(run)

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("file", type=Path)

    poll = commands.add_parser("poll", help="one poll cycle over every feed, then exit")
    with_config(poll)
    poll.add_argument("--once", action="store_true", required=True, help="poll once and exit (required)")
    poll.add_argument("--dry-run", action="store_true", help="send nothing and change no state")
    poll.add_argument("--json", action="store_true", help="print JSON Lines: one per feed, one per alert")

    classify = commands.add_parser("classify", help="classify JSON Lines from stdin: {id, title, summary, language?}")
    with_config(classify, required=False)

    train = commands.add_parser("train", help="train the classifier on the seeds plus labelled files")
    with_config(train, required=False)
    train.add_argument("--data", type=Path, nargs="*", default=[], metavar="FILE", help="extra labelled JSON Lines")

    feeds = commands.add_parser("feeds", help="each feed's health; OPML export and import of the feed list")
    with_config(feeds)
    opml = feeds.add_mutually_exclusive_group()
    opml.add_argument("--export-opml", type=Path, metavar="FILE.opml", help="write the feed list as OPML")
    opml.add_argument("--import-opml", type=Path, metavar="FILE.opml", help="print YAML entries for its new feeds")

    evaluate = commands.add_parser("evaluate", help="measure the classifier on labelled JSON Lines")
    with_config(evaluate, required=False)
    evaluate.add_argument("--data", type=Path, nargs="+", required=True, metavar="FILE")
    evaluate.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the confusion matrix")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # PTB 22 warns until one opts in to timedelta durations (RetryAfter.retry_after); we read both.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    setup_logging(verbose=args.verbose)
    try:
        return dispatch(args)
    except ConfigError as exc:
        print(f"alertbot: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (AlertbotError, ClassifierError) as exc:
        print(f"alertbot: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "check-config":
        config = load_config(args.file)
        counts = f"{len(config.feeds)} feeds, {len(config.regions)} regions, {len(config.channels)} channels"
        print(f"{args.file}: ok ({counts})")
        return 0
    if args.command in ("run", "poll"):
        return service_command(args, load_config(args.config))
    if args.command == "feeds":
        return feeds_command(args, load_config(args.config))
    return model_command(args, load_config(args.config) if args.config else None)


def service_command(args: argparse.Namespace, config: Config) -> int:
    setup_logging(verbose=args.verbose, secret=config.telegram.token())
    if args.command == "run":
        from alertbot.app import run_service

        setup_logging(verbose=args.verbose, secret=config.telegram.token())
        run_service(config, token=config.telegram.token())
        return 0
    if args.command == "poll":
        assert config is not None
        from alertbot.oneshot import poll_once

        setup_logging(verbose=args.verbose, secret=config.telegram.token())
        return asyncio.run(poll_once(config, dry_run=args.dry_run, as_json=args.json, out=sys.stdout))
    return model_command(args, config)


def feeds_command(args: argparse.Namespace, config: Config) -> int:
    from datetime import UTC, datetime

    from alertbot.commands import feeds

    now = datetime.now(UTC)
    if args.export_opml:
        return feeds.export_opml(config, args.export_opml, sys.stdout, now)
    if args.import_opml:
        return feeds.import_opml(config, args.import_opml, sys.stdout, sys.stderr)
    return feeds.run_feeds(config, sys.stdout, now)


def model_command(args: argparse.Namespace, config: Config | None) -> int:
    from alertbot.commands import model

    data_dir = config.data_dir if config else Path("var").resolve()
    if args.command == "classify":
        return model.run_classify(sys.stdin, sys.stdout, _classifier(config, data_dir))
    if args.command == "train":
        return model.run_train(data_dir, [*_feedback_files(data_dir), *args.data], _seed_dir(), sys.stdout)
    if args.command == "evaluate":
        return model.run_evaluate(_classifier(config, data_dir), list(args.data), args.plot, sys.stdout)
    raise AssertionError(args.command)


def _feedback_files(data_dir: Path) -> list[Path]:
    """Officers' feedback from the store, exported as labelled JSON Lines (none without a store)."""
    from alertbot.retraining import export_feedback
    from alertbot.store import Store

    if not Store.path_in(data_dir).exists():
        return []
    store = Store.in_data_dir(data_dir)
    try:
        path, count = export_feedback(store, data_dir)
    finally:
        store.close()
    print(f"officers' feedback: {count} alerts ({path})", file=sys.stderr)
    return [path] if count else []


def _seed_dir() -> Path:
    from alertbot.services import PROJECT_SEEDS

    return PROJECT_SEEDS


def _classifier(config: Config | None, data_dir: Path) -> Any:
    from alertbot.services import classifier_settings, open_classifier
    from classifiers import ClassifierSettings

    settings = classifier_settings(config) if config else ClassifierSettings()
    return open_classifier(data_dir, settings, progress=sys.stderr.isatty())


def print_json(record: dict[str, Any], out: TextIO) -> None:
    print(json.dumps(record, ensure_ascii=False), file=out, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
