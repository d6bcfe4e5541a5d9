"""Training: deterministic for a seed; bad data named by file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.errors import TrainingDataError
from classifiers.train import load_examples, train
from tests.classifiers.conftest import TINY


def test_training_is_deterministic_for_a_seed() -> None:
    examples = load_examples([TINY])
    first = train(examples, seed=7)
    second = train(list(reversed(examples)), seed=7)
    assert first.version == second.version
    assert first.incident_threshold == second.incident_threshold
    articles = [e.article for e in examples]
    np.testing.assert_array_equal(
        first.pipeline.predict_proba(articles), second.pipeline.predict_proba(articles)
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"title": "x", "category": "war"}', "category 'war'"),
        ('{"title": "x", "category": "none", "severity": "extreme"}', "severity"),
        ('{"title": "", "summary": "", "category": "none"}', "empty"),
        ('["a list"]', "JSON object"),
    ],
)
def test_bad_training_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"title": "fine", "category": "none"}\n' + line + "\n")
    with pytest.raises(TrainingDataError, match=message) as caught:
        load_examples([path])
    assert f"{path}:2" in str(caught.value)


def test_one_category_is_not_enough(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"title": "a", "category": "none"}\n{"title": "b", "category": "none"}\n')
    with pytest.raises(TrainingDataError, match="two categories"):
        train(load_examples([path]))
