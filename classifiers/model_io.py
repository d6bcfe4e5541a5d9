"""Model files in data_dir/models/: a joblib file named by its digest plus a JSON sidecar.

The sidecar (current.json) is the commit point: the model file is written first under a name that
contains its sha256, then the sidecar is replaced atomically to point at it. A crash leaves either
the old pair or the new pair. The sha256 is checked before joblib.load, because loading a pickle
runs code: a file that does not match what we wrote is refused, never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

import joblib
import sklearn

from classifiers.errors import ModelFileError, StaleModelError, TrainingDataError
from classifiers.train import MODEL_FORMAT, Progress, TrainedModel, load_examples, train

MODELS_DIR: Final = "models"
SIDECAR: Final = "current.json"


def models_dir(data_dir: Path) -> Path:
    return Path(data_dir) / MODELS_DIR


def sidecar_path(data_dir: Path) -> Path:
    return models_dir(data_dir) / SIDECAR


def seed_files(seed_dir: Path) -> list[Path]:
    """Labelled seed files: seed_dir/labelled/*.jsonl, or seed_dir/*.jsonl if there is none."""
    seed_dir = Path(seed_dir)
    labelled = seed_dir / "labelled"
    base = labelled if labelled.is_dir() else seed_dir
    return sorted(base.glob("*.jsonl"))


def context_files(seed_dir: Path) -> list[Path]:
    """seed_dir/context/*.jsonl: stories about violence that report no new incident, which only
    the second stage (event_report) trains on."""
    return sorted((Path(seed_dir) / "context").glob("*.jsonl"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, write: Any, mode: str = "wb") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model: TrainedModel, data_dir: Path, *, created: str) -> Path:
    """Write the model and its sidecar atomically; returns the sidecar path.

    created: ISO 8601 time of training, passed in so that this module reads no clock.
    """
    folder = models_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".model.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        joblib.dump(model, tmp, compress=3)
        tmp.chmod(0o644)
        digest = _sha256(tmp)
        final = folder / f"incident-{digest[:16]}.joblib"
        tmp.replace(final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sidecar = {
        "format": MODEL_FORMAT,
        "version": model.version,
        "model_file": final.name,
        "sha256": digest,
        "sklearn_version": model.sklearn_version,
        "python_version": platform.python_version(),
        "created": created,
        "training_data_digest": model.data_digest,
        "n_examples": model.n_examples,
        "seed": model.seed,
        "incident_threshold": model.incident_threshold,
        "metrics": model.metrics,
    }
    text = json.dumps(sidecar, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path = sidecar_path(data_dir)
    _atomic_write(path, lambda f: f.write(text), mode="w")
    for old in folder.glob("incident-*.joblib"):
        if old != final:
            old.unlink(missing_ok=True)
    return path


def read_sidecar(data_dir: Path) -> dict[str, Any] | None:
    """The sidecar as a dict, or None when there is no model yet."""
    path = sidecar_path(data_dir)
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"model sidecar {path} is unreadable ({exc}); delete {models_dir(data_dir)} "
            "and run `alertbot train` to make a new model"
        ) from exc
    if not isinstance(value, dict):
        raise ModelFileError(f"model sidecar {path} is not a JSON object; delete it and retrain")
    return value


def is_current(sidecar: dict[str, Any]) -> bool:
    """Whether this scikit-learn and this code can load the model the sidecar describes."""
    return (
        sidecar.get("sklearn_version") == sklearn.__version__
        and sidecar.get("format") == MODEL_FORMAT
    )


def load_model(data_dir: Path) -> TrainedModel:
    """Load the current model after checking its sha256; ModelFileError when it is absent,
    stale or does not match."""
    sidecar = read_sidecar(data_dir)
    side = sidecar_path(data_dir)
    if sidecar is None:
        raise ModelFileError(f"no model in {models_dir(data_dir)}; run `alertbot train`")
    if not is_current(sidecar):
        raise StaleModelError(
            f"model {side} was made with scikit-learn {sidecar.get('sklearn_version')} "
            f"(format {sidecar.get('format')}), this is {sklearn.__version__}; retrain it"
        )
    name = sidecar.get("model_file")
    expected = sidecar.get("sha256")
    if not isinstance(name, str) or "/" in name or not isinstance(expected, str):
        raise ModelFileError(f"model sidecar {side} lacks model_file or sha256; delete and retrain")
    path = models_dir(data_dir) / name
    if not path.exists():
        raise ModelFileError(
            f"model file {path} named in {side} is missing; run `alertbot train` to rebuild it"
        )
    actual = _sha256(path)
    if actual != expected:
        raise ModelFileError(
            f"model file {path} does not match the sha256 recorded in {side} "
            f"(expected {expected[:16]}..., found {actual[:16]}...). It was changed after training, "
            "so it is not loaded (loading a pickle runs code). Delete "
            f"{models_dir(data_dir)} and run `alertbot train`, or restore the file from backup."
        )
    try:
        model = joblib.load(path)
    except Exception as exc:  # any unpickling failure means: made by other code
        raise StaleModelError(
            f"model file {path} matches its sha256 but cannot be loaded by this version "
            f"({type(exc).__name__}: {exc}); retrain it with `alertbot train`"
        ) from exc
    if not isinstance(model, TrainedModel):
        raise StaleModelError(f"model file {path} holds {type(model).__name__}, not a model")
    return model


def _tqdm_progress(stream: IO[str]) -> tuple[Progress, Any]:
    from tqdm import tqdm

    bar = tqdm(total=1, desc="training", file=stream, leave=False)

    def report(stage: str, done: int, total: int) -> None:
        bar.total = total
        bar.set_description(stage)
        bar.n = done
        bar.refresh()

    return report, bar


def train_and_save(
    data_dir: Path,
    seed_dir: Path,
    *,
    extra: Sequence[Path] = (),
    progress: bool = False,
    created: str | None = None,
    seed: int = 0,
) -> TrainedModel:
    """Train from the seeds plus extra labelled files and save; returns the new model."""
    paths = [*seed_files(seed_dir), *[Path(p) for p in extra]]
    if not paths:
        raise TrainingDataError(
            f"no labelled seed files (*.jsonl) in {seed_dir}; see seeds/README.md for the format"
        )
    examples = load_examples(paths)
    report, bar = _tqdm_progress(sys.stderr) if progress else (None, None)
    try:
        context = load_examples(context_files(seed_dir))
        model = train(examples, seed=seed, progress=report, context=context)
    finally:
        if bar is not None:
            bar.close()
    stamp = created or datetime.now(UTC).isoformat(timespec="seconds")
    save_model(model, data_dir, created=stamp)
    return model


def load_or_train(
    data_dir: Path,
    seed_dir: Path,
    *,
    extra: Sequence[Path] = (),
    progress: bool = False,
    created: str | None = None,
) -> TrainedModel:
    """The current model from data_dir/models/, trained from seed_dir (+ extra) when there is none
    or it was made by another scikit-learn version. A file that fails its sha256 check raises
    ModelFileError and is never trained over: someone must look at it.

    created: time stamp for a newly trained model (ISO 8601); the clock is read only when omitted.
    """
    sidecar = read_sidecar(data_dir)
    if sidecar is not None and is_current(sidecar):
        try:
            return load_model(data_dir)
        except StaleModelError:
            pass  # intact but made by other code: retrain below, as for another sklearn version
    return train_and_save(data_dir, seed_dir, extra=extra, progress=progress, created=created)
