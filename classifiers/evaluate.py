"""Evaluate a classifier on labelled examples: category, incident, severity, place; per language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from classifiers.labels import CATEGORIES, severity_rank
from classifiers.metrics import category_report, severity_report
from classifiers.train import Example
from classifiers.types import Article, Prediction


class SupportsClassify(Protocol):
    def classify(self, articles: Sequence[Article]) -> list[Prediction]: ...


def _report(examples: Sequence[Example], predictions: Sequence[Prediction]) -> dict[str, Any]:
    gold = [e.category for e in examples]
    pred = [p.category for p in predictions]
    report = category_report(gold, pred)
    sev_pairs = [
        (e.severity, p.severity)
        for e, p in zip(examples, predictions, strict=True)
        if e.category != "none" and e.severity is not None
    ]
    report["severity_on_incidents"] = severity_report(
        [g for g, _ in sev_pairs], [p for _, p in sev_pairs]
    )
    report["high_or_critical_on_none"] = sum(
        1
        for e, p in zip(examples, predictions, strict=True)
        if e.category == "none" and severity_rank(p.severity) >= severity_rank("high")
    )
    with_country = [
        (e, p) for e, p in zip(examples, predictions, strict=True)
        if e.category != "none" and e.country
    ]
    if with_country:
        report["country_accuracy_on_incidents"] = round(
            sum(1 for e, p in with_country if p.country == e.country) / len(with_country), 4
        )
    with_place = [
        (e, p) for e, p in zip(examples, predictions, strict=True)
        if e.category != "none" and e.place
    ]
    if with_place:
        report["place_accuracy_on_incidents"] = round(
            sum(1 for e, p in with_place if p.place == e.place) / len(with_place), 4
        )
    return report


def collapse_predictions(
    predictions: Sequence[Prediction], mapping: Mapping[str, str]
) -> list[Prediction]:
    """Predictions with categories renamed, to score against a set with coarser labels.

    SATP, for one, knows only armed_attack, bombing and kidnapping: its "armed attacks" include
    targeted killings and encounters with security forces, which labels.md calls assassination
    and armed_clash. Scoring at the set's own granularity shows how often the model is wrong
    rather than finer.
    """
    return [replace(p, category=mapping.get(p.category, p.category)) for p in predictions]


def evaluate(
    classifier: SupportsClassify,
    examples: Sequence[Example],
    collapse: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[Prediction]]:
    """Overall and per-language reports, plus the predictions (in the order of examples).

    collapse: category renames applied to predictions before scoring (see collapse_predictions).
    """
    predictions = classifier.classify([e.article for e in examples])
    if collapse:
        predictions = collapse_predictions(predictions, collapse)
    result: dict[str, Any] = {"overall": _report(examples, predictions)}
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_language[e.article.language or "unknown"].append(i)
    if len(by_language) > 1:
        result["per_language"] = {
            lang: _report([examples[i] for i in idx], [predictions[i] for i in idx])
            for lang, idx in sorted(by_language.items())
        }
    return result, predictions


def format_report(name: str, result: dict[str, Any]) -> str:
    """A plain-text table a person can read in a terminal."""
    lines = [f"== {name}"]

    def block(label: str, r: dict[str, Any]) -> None:
        inc = r["incident"]
        sev = r["severity_on_incidents"]
        lines.append(
            f"{label}: n={r['n']} accuracy={r['accuracy']:.3f} macro-F1={r['macro_f1']:.3f} "
            f"incident P/R/F1={inc['precision']:.3f}/{inc['recall']:.3f}/{inc['f1']:.3f} "
            f"high-or-critical on none={r['high_or_critical_on_none']}"
        )
        if sev["n"]:
            lines.append(
                f"  severity on {sev['n']} incidents: exact={sev['exact']:.3f} "
                f"within one level={sev['within_one']:.3f}"
            )
        for key in ("country_accuracy_on_incidents", "place_accuracy_on_incidents"):
            if key in r:
                lines.append(f"  {key.replace('_', ' ')}={r[key]:.3f}")

    overall = result["overall"]
    block("all", overall)
    lines.append(f"  {'category':<14}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
    for category, v in overall["per_category"].items():
        lines.append(
            f"  {category:<14}{v['precision']:>10.3f}{v['recall']:>8.3f}{v['f1']:>8.3f}"
            f"{v['support']:>9}"
        )
    for lang, r in result.get("per_language", {}).items():
        block(f"language {lang}", r)
    return "\n".join(lines)


def plot_confusion(
    gold: Sequence[str], predicted: Sequence[str], path: Path, title: str = ""
) -> None:
    """Confusion matrix of categories as a PNG (rows gold, columns predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = [c for c in CATEGORIES if c in set(gold) | set(predicted)]
    matrix = confusion_matrix(gold, predicted, labels=labels)
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title or "category confusion", fontsize=9, wrap=True)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
