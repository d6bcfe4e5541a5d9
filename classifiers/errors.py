"""Errors the classifier package raises; callers catch ClassifierError."""


class ClassifierError(Exception):
    """Anything the classifier cannot do, with a message a person can act on."""


class ModelFileError(ClassifierError):
    """A model file or its sidecar is missing, unreadable or does not match its recorded digest."""


class StaleModelError(ModelFileError):
    """A model file that is intact but was made by another scikit-learn or model format, or that
    this code cannot unpickle: retrain it from its data rather than load it."""


class TrainingDataError(ClassifierError):
    """Training data is missing, malformed, or uses names outside labels.md."""
