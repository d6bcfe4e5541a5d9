"""Retraining on the seeds plus officers' feedback: export the feedback, train, load the new model."""

from __future__ import annotations

import json
from pathlib import Path

from alertbot.feedback import training_example
from alertbot.services import PROJECT_SEEDS, Services, classifier_settings
from alertbot.store import Store
from classifiers.model_io import train_and_save
from classifiers.predict import Classifier


def export_feedback(store: Store, data_dir: Path) -> tuple[Path, int]:
    """Feedback as labelled JSON Lines beside the model, the form `alertbot train --data` reads."""
    path = data_dir / "feedback.jsonl"
    rows = [training_example(alert, category, severity) for alert, category, severity in store.feedback_labels()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path, len(rows)


def retrain(services: Services, feedback: Path) -> Classifier:
    """Train and save a new model (seconds to a minute: run it off the event loop)."""
    created = services.clock().isoformat(timespec="seconds")
    model = train_and_save(services.config.data_dir, PROJECT_SEEDS, extra=[feedback], created=created)
    return Classifier(model, classifier_settings(services.config))
