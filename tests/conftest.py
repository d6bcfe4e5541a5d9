"""Shared test set-up: the loopback fakes, paths, and a trained model reused across tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.fakes.fixtures"]

# As the CLI does: PTB 22 warns about RetryAfter.retry_after until timedelta durations are chosen.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PROJECT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT.parent / "shared" / "data"


def shared_data(relative: str) -> Path:
    """A file from ../shared/data, or skip the test: a fresh clone elsewhere has no shared/."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data is only beside the project on team machines)")
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data_dir with a model trained from the seeds, copied into tests that need one."""
    from classifiers.model_io import load_or_train

    data_dir = tmp_path_factory.mktemp("model")
    load_or_train(data_dir, PROJECT / "seeds")
    return data_dir


@pytest.fixture
def data_dir(tmp_path: Path, model_dir: Path) -> Path:
    """A fresh data_dir that already holds the trained model (training once per session)."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(model_dir, target)
    return target


@pytest.fixture(autouse=True)
def _no_real_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real token in the environment must never reach a test.
    for name in list(os.environ):
        if name.startswith("ALERTBOT_"):
            monkeypatch.delenv(name, raising=False)
