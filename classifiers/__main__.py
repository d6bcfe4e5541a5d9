"""`python -m classifiers train|evaluate|classify`: the same bodies as the alertbot commands, for
reproducing the model card's numbers without the rest of the bot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alertbot.commands.model import run_classify, run_evaluate, run_train
from classifiers.errors import ClassifierError
from classifiers.model_io import load_or_train
from classifiers.predict import Classifier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--data", type=Path, action="append", default=[])
    train.add_argument("--seed", type=int, default=0)
    ev = sub.add_parser("evaluate")
    ev.add_argument("--data", type=Path, action="append", required=True)
    ev.add_argument("--plot", type=Path)
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--collapse", action="append", default=[], metavar="FROM=TO",
        help="rename a predicted category before scoring, e.g. assassination=armed_attack",
    )
    sub.add_parser("classify")
    args = parser.parse_args(argv)
    if args.command == "train":
        return run_train(args.data_dir, args.data, args.seeds, sys.stdout, seed=args.seed)
    try:
        classifier = Classifier(load_or_train(args.data_dir, args.seeds, progress=True))
    except ClassifierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "evaluate":
        collapse = dict(item.split("=", 1) for item in args.collapse)
        return run_evaluate(
            classifier, args.data, args.plot, sys.stdout, as_json=args.json, collapse=collapse
        )
    return run_classify(sys.stdin, sys.stdout, classifier)


if __name__ == "__main__":
    sys.exit(main())
