"""Scores for predictions against gold labels, as plain dicts ready for JSON and reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from classifiers.labels import CATEGORIES, severity_rank


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def category_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Per-category precision/recall/F1 (for categories present in gold), macro-F1 over those,
    accuracy, and incident-vs-none F1."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    per: dict[str, Any] = {}
    present = [c for c in CATEGORIES if c in set(gold)]
    for c in present:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p != c)
        per[c] = {**_prf(tp, fp, fn), "support": sum(1 for g in gold if g == c)}
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != "none" and p != "none")
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == "none" and p != "none")
    fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g != "none" and p == "none")
    n = len(gold)
    return {
        "n": n,
        "accuracy": round(sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / n, 4)
        if n
        else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per.values()) / len(per), 4) if per else 0.0,
        "incident": _prf(tp, fp, fn),
        "per_category": per,
    }


def severity_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Exact and within-one-level agreement, on the items given (callers pass gold incidents)."""
    pairs = [(severity_rank(g), severity_rank(p)) for g, p in zip(gold, predicted, strict=True)]
    n = len(pairs)
    if not n:
        return {"n": 0, "exact": None, "within_one": None}
    return {
        "n": n,
        "exact": round(sum(1 for g, p in pairs if g == p) / n, 4),
        "within_one": round(sum(1 for g, p in pairs if abs(g - p) <= 1) / n, 4),
    }
