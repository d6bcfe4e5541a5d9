"""Train the category model from labelled examples: load, check, fit, cross-validate.

No clock and no file writing here (model_io does that), so training is a pure function of the
examples and the seed: the same data and seed give the same model.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from classifiers.errors import TrainingDataError
from classifiers.event_report import context_matrix, mentions_violence
from classifiers.features import ArticleFeatures, KnownColumns, headline
from classifiers.labels import CATEGORIES, SEVERITIES
from classifiers.types import Article

MODEL_FORMAT: Final = "alertbot-incident-5"
"""Bumped whenever features or pipeline classes change: files of another format are retrained
from their data, never unpickled into code that does not match them."""
CV_FOLDS: Final = 3
CV_MAX_EXAMPLES: Final = 6000
"""Cross-validation (threshold and reported metrics) runs on a stratified sample of at most this
many examples, so that officers' feedback or extra files do not multiply training time by four."""
DEFAULT_INCIDENT_THRESHOLD: Final = 0.5
THRESHOLD_PLATEAU: Final = 0.01

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as training moves on, e.g. to drive a progress bar."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled article, as in labels.md."""

    article: Article
    category: str
    severity: str | None = None
    country: str | None = None
    place: str | None = None


@dataclass(slots=True)
class TrainedModel:
    """A fitted pipeline plus what is needed to use and describe it."""

    pipeline: Pipeline
    classes: tuple[str, ...]
    incident_threshold: float
    data_digest: str
    sklearn_version: str
    seed: int
    n_examples: int
    metrics: dict[str, Any] = field(default_factory=dict)
    story: LogisticRegression | None = None
    """Second stage (event_report): P(a story about violence, not a report of a new incident)."""
    story_threshold: float = 1.0

    @property
    def version(self) -> str:
        return f"{MODEL_FORMAT}+{self.data_digest[:12]}.s{self.seed}"


def _example_from(row: dict[str, Any], where: str) -> Example:
    if not isinstance(row, dict):
        raise TrainingDataError(f"{where}: expected a JSON object")
    title = row.get("title")
    summary = row.get("summary") or ""
    category = row.get("category")
    if not isinstance(title, str) or not isinstance(summary, str):
        raise TrainingDataError(f"{where}: 'title' and 'summary' must be strings")
    if not title.strip() and not summary.strip():
        raise TrainingDataError(f"{where}: empty title and summary")
    if category not in CATEGORIES:
        raise TrainingDataError(
            f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}"
        )
    severity = row.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise TrainingDataError(f"{where}: severity {severity!r} is not one of {SEVERITIES}")
    return Example(
        article=Article(
            id=str(row.get("id", where)),
            title=title,
            summary=summary,
            language=row.get("language"),
        ),
        category=category,
        severity=severity,
        country=row.get("country"),
        place=row.get("place"),
    )


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """Read labelled JSON Lines files; a bad line raises TrainingDataError naming file and line."""
    examples: list[Example] = []
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise TrainingDataError(f"cannot read training data {path}: {exc}") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"{where}: not valid JSON ({exc.msg})") from exc
            examples.append(_example_from(row, where))
    return examples


def data_digest(examples: Sequence[Example]) -> str:
    """sha256 over the training texts and labels, independent of file names and order."""
    rows = sorted(
        json.dumps([e.article.title, e.article.summary, e.category], ensure_ascii=False)
        for e in examples
    )
    h = hashlib.sha256()
    for row in rows:
        h.update(row.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _ordered(examples: Sequence[Example]) -> list[Example]:
    # Order must not depend on how files were listed, or the same data would give another model.
    return sorted(examples, key=lambda e: (e.category, e.article.id, e.article.title))


def _model(seed: int) -> LogisticRegression:
    return LogisticRegression(
        C=2.0, max_iter=300, tol=1e-4, class_weight="balanced", random_state=seed
    )


def build_pipeline(seed: int) -> Pipeline:
    """The unfitted pipeline: stateless features, the columns seen in training, the model."""
    return Pipeline(
        [("features", ArticleFeatures()), ("known", KnownColumns(min_df=1)), ("model", _model(seed))]
    )


AUGMENT_WEIGHT: Final = 0.5


def augment(articles: Sequence[Article]) -> tuple[list[Article], np.ndarray, np.ndarray]:
    """The articles, then each also as headline only and as summary only.

    Feeds give a headline without a lede, analyst reports a lede without a headline; a model that
    saw only full seed items learnt to need both, and read a bare headline ("Bermbom doodt drie
    militairen") as none for want of evidence. Returns the articles, for each the index of the
    article it came from, and the sample weights (copies count half).
    """
    both = [i for i, a in enumerate(articles) if a.title.strip() and a.summary.strip()]
    out = list(articles)
    out.extend(Article(articles[i].id + "#t", articles[i].title, "", articles[i].language)
               for i in both)
    out.extend(Article(articles[i].id + "#s", "", articles[i].summary, articles[i].language)
               for i in both)
    origin = np.concatenate([np.arange(len(articles)), both, both]).astype(np.int64)
    weights = np.ones(len(out))
    weights[len(articles) :] = AUGMENT_WEIGHT
    return out, origin, weights


def _fit_tail(
    X: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, seed: int
) -> tuple[KnownColumns, LogisticRegression]:
    known = KnownColumns(min_df=1).fit(X)
    model = _model(seed)
    model.fit(known.transform(X), y, sample_weight=weights)
    return known, model


def _best_threshold(p_incident: np.ndarray, is_incident: np.ndarray) -> float:
    """Threshold on P(incident) from out-of-fold predictions: the middle of the range whose
    incident-vs-none F1 is within THRESHOLD_PLATEAU of the best.

    On seeds the F1 curve is flat over a wide range, so its arg-max is decided by a handful of
    items. Real feed items resemble the seeds less and get lower incident probabilities than
    seeds do; the top of the plateau would miss them, the bottom would let in more false alarms,
    the middle holds up on both sides.
    """
    thresholds = np.round(np.arange(0.2, 0.91, 0.025), 3)
    scores = []
    for t in thresholds:
        pred = p_incident >= t
        tp = float(np.sum(pred & is_incident))
        fp = float(np.sum(pred & ~is_incident))
        fn = float(np.sum(~pred & is_incident))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    best = max(scores)
    near = thresholds[np.array(scores) >= best - THRESHOLD_PLATEAU]
    return round(float((near.min() + near.max()) / 2), 3)


@dataclass(frozen=True, slots=True)
class _Augmented:
    """Features of the articles and their copies, computed once for all folds."""

    X: sp.csr_matrix
    labels: np.ndarray
    origin: np.ndarray
    weights: np.ndarray


def _splits(labels: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds over at most CV_MAX_EXAMPLES examples (indices into labels)."""
    counts = Counter(labels.tolist())
    folds = min(CV_FOLDS, *counts.values()) if counts else 0
    if len(counts) < 2 or folds < 2 or "none" not in counts:
        return []
    pool = np.arange(len(labels))
    if len(labels) > CV_MAX_EXAMPLES:
        sampler = StratifiedShuffleSplit(
            n_splits=1, train_size=CV_MAX_EXAMPLES, random_state=seed
        )
        pool = np.sort(next(sampler.split(pool, labels))[0])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(pool[tr], pool[te]) for tr, te in splitter.split(pool, labels[pool])]


def _fit_all(
    aug: _Augmented,
    splits: list[tuple[np.ndarray, np.ndarray]],
    seed: int,
    progress: Progress | None,
) -> list[tuple[KnownColumns, LogisticRegression]]:
    """One fit per fold, then the final fit on everything.

    In this process, one after the other: on two busy cores, worker processes measured slower
    (31.7 s against 37.9 s on seeds plus 20,000 items) once the matrices are shipped to them.
    """
    # Copies made from a test article stay out of training, or the fold would see its answer.
    jobs = [np.flatnonzero(np.isin(aug.origin, train_idx)) for train_idx, _ in splits]
    jobs.append(np.arange(len(aug.labels)))
    fitted = []
    for done, rows in enumerate(jobs):
        final = done == len(jobs) - 1
        fitted.append(_fit_tail(aug.X[rows], aug.labels[rows], aug.weights[rows], seed))
        if progress:
            progress("final fit" if final else "cross-validation", done + 1, len(jobs))
    return fitted


def _cv_metrics(
    articles: list[Article],
    labels: np.ndarray,
    aug: _Augmented,
    splits: list[tuple[np.ndarray, np.ndarray]],
    fitted: list[tuple[KnownColumns, LogisticRegression]],
) -> tuple[float, dict[str, Any]]:
    if not splits:
        return DEFAULT_INCIDENT_THRESHOLD, {"cross_validation": "skipped: too few examples"}
    folds = len(splits)
    classes = sorted(set(labels.tolist()))
    tested = np.sort(np.concatenate([test_idx for _, test_idx in splits]))
    position = {int(i): k for k, i in enumerate(tested)}
    proba = np.zeros((len(tested), len(classes)))
    for (_, test_idx), (known, model) in zip(splits, fitted, strict=True):
        fold_proba = model.predict_proba(known.transform(aug.X[test_idx]))
        rows = [position[int(i)] for i in test_idx]
        for j, c in enumerate(model.classes_):
            proba[rows, classes.index(c)] = fold_proba[:, j]
    labels = labels[tested]
    articles = [articles[int(i)] for i in tested]
    none_idx = classes.index("none")
    p_incident = 1.0 - proba[:, none_idx]
    is_incident = labels != "none"
    threshold = _best_threshold(p_incident, is_incident)
    masked = proba.copy()
    masked[:, none_idx] = -1.0
    predicted = np.where(p_incident >= threshold, np.array(classes)[masked.argmax(axis=1)], "none")
    from classifiers.metrics import category_report

    report = category_report(labels.tolist(), predicted.tolist())
    report["folds"] = folds
    languages = np.array([a.language or "unknown" for a in articles])
    per_language = {}
    for lang in sorted(set(languages.tolist())):
        mask = languages == lang
        r = category_report(labels[mask].tolist(), predicted[mask].tolist())
        per_language[lang] = {
            "n": r["n"], "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
            "incident_f1": r["incident"]["f1"],
        }
    report["per_language"] = per_language
    return threshold, {"cross_validation": report}


STORY_MAX_VETO: Final = 0.015
"""The second stage may turn at most this share of incident seeds (out of fold) into none."""


def _story_model(seed: int) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed)


def _fit_story_rows(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray, seed: int
) -> LogisticRegression:
    return _story_model(seed).fit(X, y, sample_weight=weights)


def _story_threshold(p_story: np.ndarray, is_story: np.ndarray) -> tuple[float, dict[str, Any]]:
    """The lowest threshold on P(story) that vetoes at most STORY_MAX_VETO of the incident seeds
    out of fold: the veto must cost little recall, since a missed incident costs more than a
    false alarm."""
    for t in np.round(np.arange(0.5, 0.991, 0.01), 3):
        vetoed = float(np.mean(p_story[~is_story] >= t))
        if vetoed <= STORY_MAX_VETO:
            caught = float(np.mean(p_story[is_story] >= t))
            return float(t), {"threshold": float(t), "incidents_vetoed": round(vetoed, 4),
                              "stories_caught": round(caught, 4)}
    return 1.0, {"threshold": 1.0}


def train_story(
    examples: Sequence[Example], context: Sequence[Article], seed: int
) -> tuple[LogisticRegression | None, float, dict[str, Any]]:
    """Second stage: report of a new incident (incident seeds) against story about violence
    (none seeds that use incident words, plus the context files), on event_report's features.

    Returns the model (None without both kinds), its veto threshold and cross-validated rates.
    """
    reports = [e.article for e in examples if e.category != "none"]
    stories = [e.article for e in examples if e.category == "none" and mentions_violence(e.article)]
    stories.extend(context)
    if len(reports) < CV_FOLDS or len(stories) < CV_FOLDS:
        return None, 1.0, {"story": "skipped: too few examples"}
    articles = reports + stories
    is_story = np.array([False] * len(reports) + [True] * len(stories))
    all_articles, origin, weights = augment(articles)
    X = context_matrix(all_articles, [headline(a) for a in all_articles])
    y = is_story[origin]
    p_story = np.zeros(len(articles))
    splitter = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(articles)), is_story):
        rows = np.flatnonzero(np.isin(origin, train_idx))
        fold = _fit_story_rows(X[rows], y[rows], weights[rows], seed)
        p_story[test_idx] = fold.predict_proba(X[test_idx])[:, 1]
    threshold, metrics = _story_threshold(p_story, is_story)
    metrics.update(reports=len(reports), stories=len(stories))
    return _fit_story_rows(X, y, weights, seed), threshold, {"story": metrics}


def train(
    examples: Sequence[Example],
    *,
    seed: int = 0,
    progress: Progress | None = None,
    context: Sequence[Example] = (),
) -> TrainedModel:
    """Fit the category model; cross-validation picks the incident threshold and gives metrics.

    context: stories about violence that report no new incident (seeds/context/), for the second
    stage only: the category model trained on them learnt that incident words mean little.
    """
    if not examples:
        raise TrainingDataError("no training examples: the seed files are missing or empty")
    ordered = _ordered(examples)
    articles = [e.article for e in ordered]
    labels = np.array([e.category for e in ordered])
    if len(set(labels.tolist())) < 2:
        raise TrainingDataError("training needs at least two categories, including 'none'")
    # One BLAS thread: the matrices are small and sparse, and with more threads lbfgs spends ten
    # times longer synchronising them, worse still on a busy machine.
    with threadpool_limits(limits=1):
        all_articles, origin, weights = augment(articles)
        features = ArticleFeatures()
        aug = _Augmented(features.transform(all_articles), labels[origin], origin, weights)
        splits = _splits(labels, seed)
        fitted = _fit_all(aug, splits, seed, progress)
        threshold, metrics = _cv_metrics(articles, labels, aug, splits, fitted[:-1])
        known, model = fitted[-1]
        story, story_threshold, story_metrics = train_story(
            ordered, [e.article for e in _ordered(context)], seed
        )
    metrics.update(story_metrics)
    pipeline = Pipeline([("features", features), ("known", known), ("model", model)])
    counts = Counter(labels.tolist())
    metrics["training_counts"] = dict(sorted(counts.items()))
    metrics["incident_threshold"] = threshold
    return TrainedModel(
        pipeline=pipeline,
        classes=tuple(str(c) for c in pipeline.classes_),
        incident_threshold=threshold,
        data_digest=data_digest([*examples, *context]),
        sklearn_version=sklearn.__version__,
        seed=seed,
        n_examples=len(examples),
        metrics=metrics,
        story=story,
        story_threshold=story_threshold,
    )
