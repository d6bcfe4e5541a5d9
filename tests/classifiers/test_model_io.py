"""Model files: a missing model is trained, a tampered one refused before loading, a stale one
retrained; writes leave no temporary files behind."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest

from classifiers import model_io
from classifiers.errors import ClassifierError, ModelFileError, TrainingDataError
from classifiers.model_io import load_model, load_or_train, read_sidecar, sidecar_path
from tests.classifiers.conftest import CREATED


def test_missing_model_is_trained_and_saved(tmp_path: Path, tiny_seed_dir: Path) -> None:
    data_dir = tmp_path / "data"
    model = load_or_train(data_dir, tiny_seed_dir, created=CREATED)
    sidecar = read_sidecar(data_dir)
    assert sidecar is not None
    for key in ("sklearn_version", "created", "training_data_digest", "metrics", "sha256",
                "version", "model_file"):
        assert key in sidecar, key
    assert sidecar["created"] == CREATED
    assert sidecar["version"] == model.version
    assert not [p for p in (data_dir / "models").iterdir() if p.name.endswith(".tmp")]
    again = load_or_train(data_dir, tiny_seed_dir)
    assert again.version == model.version


def test_tampered_model_is_refused_before_loading(
    tmp_path: Path, tiny_seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    load_or_train(data_dir, tiny_seed_dir, created=CREATED)
    sidecar = read_sidecar(data_dir)
    assert sidecar is not None
    path = data_dir / "models" / sidecar["model_file"]
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))

    def never(*_: object, **__: object) -> None:
        raise AssertionError("joblib.load was called on a tampered file")

    monkeypatch.setattr(joblib, "load", never)
    with pytest.raises(ModelFileError) as caught:
        load_or_train(data_dir, tiny_seed_dir)
    message = str(caught.value)
    assert str(path) in message and "sha256" in message and "alertbot train" in message
    assert isinstance(caught.value, ClassifierError)


def test_model_from_another_sklearn_version_is_retrained(
    tmp_path: Path, tiny_seed_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    load_or_train(data_dir, tiny_seed_dir, created=CREATED)
    path = sidecar_path(data_dir)
    sidecar = json.loads(path.read_text())
    sidecar["sklearn_version"] = "0.0.1"
    path.write_text(json.dumps(sidecar))
    with pytest.raises(ModelFileError, match="scikit-learn 0.0.1"):
        load_model(data_dir)
    load_or_train(data_dir, tiny_seed_dir, created="2026-02-02T00:00:00+00:00")
    fresh = read_sidecar(data_dir)
    assert fresh is not None and fresh["sklearn_version"] != "0.0.1"
    assert fresh["created"] == "2026-02-02T00:00:00+00:00"
    assert len(list((data_dir / "models").glob("*.joblib"))) == 1


def test_missing_model_file_is_named(tmp_path: Path, tiny_seed_dir: Path) -> None:
    data_dir = tmp_path / "data"
    load_or_train(data_dir, tiny_seed_dir, created=CREATED)
    for p in (data_dir / "models").glob("*.joblib"):
        p.unlink()
    with pytest.raises(ModelFileError, match="missing"):
        load_model(data_dir)


def test_no_seeds_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="seed"):
        load_or_train(tmp_path / "data", tmp_path / "empty", created=CREATED)


def test_extra_files_join_training(tmp_path: Path, tiny_seed_dir: Path) -> None:
    extra = tmp_path / "feedback.jsonl"
    extra.write_text(
        json.dumps({"id": "fb1", "title": "Convoy ambushed near Gardez", "summary": "",
                    "category": "armed_attack", "severity": "medium"}) + "\n"
    )
    base = model_io.train_and_save(tmp_path / "a", tiny_seed_dir, created=CREATED)
    more = model_io.train_and_save(tmp_path / "b", tiny_seed_dir, extra=[extra], created=CREATED)
    assert more.n_examples == base.n_examples + 1
    assert more.data_digest != base.data_digest


def test_intact_but_unloadable_model_is_retrained(tmp_path: Path, tiny_seed_dir: Path) -> None:
    data_dir = tmp_path / "data"
    load_or_train(data_dir, tiny_seed_dir, created=CREATED)
    sidecar_file = sidecar_path(data_dir)
    sidecar = json.loads(sidecar_file.read_text())
    model_file = data_dir / "models" / sidecar["model_file"]
    # A pickle of something else, with its sha256 recorded: ours, but not loadable as a model.
    joblib.dump({"not": "a model"}, model_file)
    sidecar["sha256"] = model_io._sha256(model_file)
    sidecar_file.write_text(json.dumps(sidecar))
    model = load_or_train(data_dir, tiny_seed_dir, created="2026-03-03T00:00:00+00:00")
    assert model.n_examples > 0
    fresh = read_sidecar(data_dir)
    assert fresh is not None and fresh["created"] == "2026-03-03T00:00:00+00:00"
