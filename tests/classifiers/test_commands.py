"""The command bodies: bad input lines never stop classify; train and evaluate print reports."""

from __future__ import annotations

import io
import json
from pathlib import Path

from alertbot.commands.model import run_classify, run_evaluate, run_train
from classifiers.predict import Classifier
from tests.classifiers.conftest import CREATED, TINY


def test_bad_lines_get_an_error_line_and_the_rest_goes_on(classifier: Classifier) -> None:
    lines = [
        json.dumps({"id": "a", "title": "Bomb kills four in Kandahar", "summary": ""}),
        "this is not json",
        json.dumps({"id": "b", "summary": "no title here"}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "c", "title": "Kabinet presenteert begroting", "language": "nl"}),
    ]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_classify(io.StringIO("\n".join(lines) + "\n"), stdout, classifier, stderr=stderr)
    assert code == 1
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "b", None, "c"]
    assert "error" not in rows[0] and "error" not in rows[4]
    assert rows[1]["error"].startswith("invalid JSON") and rows[1]["line"] == 2
    assert "title" in rows[2]["error"]
    assert "Traceback" not in stderr.getvalue()
    assert "line 2" in stderr.getvalue() and "line 3" in stderr.getvalue()
    for key in ("id", "category", "severity", "score", "country", "place", "why"):
        assert key in rows[0]


def test_train_prints_metrics(tmp_path: Path, tiny_seed_dir: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_train(tmp_path / "data", [], tiny_seed_dir, out, err=err, progress=False,
                     created=CREATED)
    assert code == 0, err.getvalue()
    assert "cross-validation" in out.getvalue() and "incident threshold" in out.getvalue()


def test_train_reports_bad_data_without_traceback(tmp_path: Path, tiny_seed_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x", "category": "riot"}\n')
    out, err = io.StringIO(), io.StringIO()
    code = run_train(tmp_path / "data", [bad], tiny_seed_dir, out, err=err, progress=False)
    assert code == 2 and f"{bad}:1" in err.getvalue()


def test_evaluate_prints_report_and_plot(classifier: Classifier, tmp_path: Path) -> None:
    out = io.StringIO()
    plot = tmp_path / "cm.png"
    assert run_evaluate(classifier, [TINY], plot, out) == 0
    text = out.getvalue()
    assert "incident P/R/F1" in text and "macro-F1" in text and "language nl" in text
    assert plot.exists() and plot.stat().st_size > 1000


def test_classify_keeps_order_across_chunks(classifier: Classifier) -> None:
    rows = [json.dumps({"id": str(i), "title": f"Market report {i}"}) for i in range(2500)]
    rows[1700] = "{broken"
    stdout, stderr = io.StringIO(), io.StringIO()
    run_classify(io.StringIO("\n".join(rows) + "\n"), stdout, classifier, stderr=stderr)
    out = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert len(out) == 2500
    assert [r.get("id") for r in out[:3]] == ["0", "1", "2"] and out[-1]["id"] == "2499"
    assert "error" in out[1700] and out[1700]["line"] == 1701
