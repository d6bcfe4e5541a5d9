"""Shared fixtures: a model trained once per session from the project's seeds, and a tiny corpus
for the tests of training and model files that must be fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.model_io import load_or_train
from classifiers.predict import Classifier
from classifiers.train import TrainedModel
from classifiers.types import Article, ClassifierSettings, Prediction

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "seeds"
FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny_labelled.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"
CREATED = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="session")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    if not list((SEED_DIR / "labelled").glob("*.jsonl")):
        pytest.fail(f"no seed files in {SEED_DIR / 'labelled'}: the shipped model cannot be built")
    data_dir = tmp_path_factory.mktemp("data")
    return load_or_train(data_dir, SEED_DIR, created=CREATED)


@pytest.fixture(scope="session")
def classifier(seed_model: TrainedModel) -> Classifier:
    return Classifier(seed_model, ClassifierSettings())


@pytest.fixture
def tiny_seed_dir(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds" / "labelled"
    seeds.mkdir(parents=True)
    (seeds / "tiny.jsonl").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path / "seeds"


def classify_one(classifier: Classifier, title: str, summary: str = "", language: str = "en"
                 ) -> Prediction:
    return classifier.classify([Article("t", title, summary, language)])[0]
