"""Bodies of `alertbot classify`, `alertbot train` and `alertbot evaluate`.

Plain functions with explicit streams and paths, returning an exit code, so that cli.py only wires
arguments and tests can call them directly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from classifiers.errors import ClassifierError
from classifiers.evaluate import SupportsClassify, evaluate, format_report, plot_confusion
from classifiers.model_io import train_and_save
from classifiers.train import load_examples
from classifiers.types import Article, Prediction

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 1
EXIT_FAILED: Final = 2
_CHUNK: Final = 1000


def _parse(line: str) -> Article | str:
    """An Article, or the reason the line is not one."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(row, dict):
        return "expected a JSON object"
    title = row.get("title")
    if not isinstance(title, str) or not title.strip():
        return "missing or empty 'title'"
    summary = row.get("summary") or ""
    if not isinstance(summary, str):
        return "'summary' must be a string"
    language = row.get("language")
    return Article(
        id=str(row.get("id", "")),
        title=title,
        summary=summary,
        language=language if isinstance(language, str) else None,
    )


def prediction_json(p: Prediction) -> dict[str, Any]:
    return {
        "id": p.id,
        "category": p.category,
        "severity": p.severity,
        "score": p.score,
        "country": p.country,
        "place": p.place,
        "why": list(p.why),
        "killed": p.killed,
        "injured": p.injured,
        "kidnapped": p.kidnapped,
    }


def _id_of(line: str) -> Any:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return None
    return row.get("id") if isinstance(row, dict) else None


def _chunks(stdin: TextIO) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(stdin, start=1):
        if line.strip():
            chunk.append((number, line))
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_classify(stdin: TextIO, stdout: TextIO, classifier: SupportsClassify, *, stderr: TextIO = sys.stderr) -> int:
    """JSON Lines in ({"id", "title", "summary", "language"?}), one JSON line out per input line,
    in order. A bad line gets {"id", "line", "error"} out and a message on stderr; the rest goes on.
    Returns 0, or 1 when any line was bad."""
    bad = 0
    for chunk in _chunks(stdin):
        parsed = [(number, line, _parse(line)) for number, line in chunk]
        articles = [a for _, _, a in parsed if isinstance(a, Article)]
        predictions = iter(classifier.classify(articles))
        for number, line, item in parsed:
            if isinstance(item, Article):
                out = prediction_json(next(predictions))
            else:
                bad += 1
                print(f"alertbot classify: line {number}: {item}", file=stderr)
                out = {"id": _id_of(line), "line": number, "error": item}
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    stdout.flush()
    return EXIT_BAD_INPUT if bad else EXIT_OK


def run_train(
    data_dir: Path,
    extra: list[Path],
    seed_dir: Path,
    out: TextIO,
    *,
    err: TextIO = sys.stderr,
    progress: bool = True,
    seed: int = 0,
    created: str | None = None,
) -> int:
    """Train from seed_dir plus extra labelled files, save into data_dir/models/, print metrics."""
    try:
        model = train_and_save(data_dir, seed_dir, extra=extra, progress=progress, created=created, seed=seed)
    except ClassifierError as exc:
        print(f"alertbot train: {exc}", file=err)
        return EXIT_FAILED
    cv = model.metrics.get("cross_validation", {})
    out.write(f"model {model.version} trained on {model.n_examples} examples\n")
    out.write(f"training counts: {json.dumps(model.metrics.get('training_counts', {}))}\n")
    out.write(f"incident threshold: {model.incident_threshold}\n")
    if isinstance(cv, dict) and "incident" in cv:
        out.write(
            f"cross-validation ({cv['folds']} folds): accuracy={cv['accuracy']:.3f} "
            f"macro-F1={cv['macro_f1']:.3f} incident F1={cv['incident']['f1']:.3f}\n"
        )
        for lang, r in cv.get("per_language", {}).items():
            out.write(
                f"  {lang}: n={r['n']} accuracy={r['accuracy']:.3f} macro-F1={r['macro_f1']:.3f} "
                f"incident F1={r['incident_f1']:.3f}\n"
            )
    else:
        out.write(f"cross-validation: {cv}\n")
    return EXIT_OK


def run_evaluate(
    classifier: SupportsClassify,
    paths: Sequence[Path],
    plot: Path | None,
    out: TextIO,
    *,
    err: TextIO = sys.stderr,
    as_json: bool = False,
    collapse: Mapping[str, str] | None = None,
) -> int:
    """Per file: per-category precision/recall/F1, incident-vs-none F1, severity exact and within
    one level, per language. plot: a confusion-matrix PNG over all files together.
    collapse: rename predicted categories before scoring, for sets with coarser labels
    (e.g. {"assassination": "armed_attack", "armed_clash": "armed_attack"} for SATP)."""
    all_gold: list[str] = []
    all_pred: list[str] = []
    results: dict[str, Any] = {}
    for path in paths:
        try:
            examples = load_examples([path])
        except ClassifierError as exc:
            print(f"alertbot evaluate: {exc}", file=err)
            return EXIT_FAILED
        result, predictions = evaluate(classifier, examples, collapse)
        results[str(path)] = result
        all_gold.extend(e.category for e in examples)
        all_pred.extend(p.category for p in predictions)
        if not as_json:
            out.write(format_report(Path(path).name, result) + "\n")
    if as_json:
        out.write(json.dumps(results, indent=2) + "\n")
    if plot is not None and all_gold:
        title = "\n".join(Path(p).stem for p in paths)
        plot_confusion(all_gold, all_pred, plot, title=title)
        out.write(f"confusion matrix written to {plot}\n")
    return EXIT_OK
