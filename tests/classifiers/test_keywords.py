"""Config keywords and watch terms act without retraining."""

from __future__ import annotations

import pytest

from classifiers.errors import ClassifierError
from classifiers.labels import severity_rank
from classifiers.predict import Classifier
from classifiers.train import TrainedModel
from classifiers.types import Article, ClassifierSettings


def _one(classifier: Classifier, title: str, summary: str = "") -> tuple[str, str, tuple[str, ...]]:
    p = classifier.classify([Article("k", title, summary)])[0]
    return p.category, p.severity, p.why


def test_keyword_shows_in_why_and_raises_its_category(seed_model: TrainedModel) -> None:
    plain = Classifier(seed_model, ClassifierSettings())
    tuned = Classifier(
        seed_model, ClassifierSettings(keywords={"kidnapping": ["verdwenen", "vermist"]})
    )
    text = ("Twee medewerkers van hulporganisatie vermist in Ghazni",
            "Gewapende mannen hielden hun auto aan; sindsdien ontbreekt elk spoor.")
    p_plain = plain.classify([Article("a", *text)])[0]
    p_tuned = tuned.classify([Article("a", *text)])[0]
    assert p_tuned.category == "kidnapping"
    assert any("keyword 'vermist'" in w for w in p_tuned.why)
    assert p_tuned.score >= p_plain.score or p_plain.category != "kidnapping"


def test_watch_term_raises_severity_of_an_incident(seed_model: TrainedModel) -> None:
    plain = Classifier(seed_model, ClassifierSettings())
    watched = Classifier(seed_model, ClassifierSettings(watch=["Acme"]))
    text = ("Gunmen fire at Acme-Relief vehicle near Jalalabad", "Nobody was hurt in the attack.")
    c1, s1, _ = _one(plain, *text)
    c2, s2, why = _one(watched, *text)
    assert c1 == c2 != "none"
    assert severity_rank(s2) == severity_rank(s1) + 1
    assert any("watch: 'Acme-Relief'" in w for w in why)


def test_watch_term_does_not_make_an_incident(seed_model: TrainedModel) -> None:
    watched = Classifier(seed_model, ClassifierSettings(watch=["Acme"]))
    category, severity, _ = _one(watched, "Acme opens new office in Kabul")
    assert (category, severity) == ("none", "none")


def test_unknown_keyword_category_is_a_clear_error(seed_model: TrainedModel) -> None:
    with pytest.raises(ClassifierError, match="unknown categories"):
        Classifier(seed_model, ClassifierSettings(keywords={"terrorism": ["bomb"]}))


def test_no_cue_word_is_none_unless_a_keyword_or_another_language_asks_for_the_model(
    seed_model: TrainedModel,
) -> None:
    text = ("Twee mannen niet teruggekeerd uit Ghazni", "Hun familie heeft sinds dinsdag niets gehoord.")
    plain = Classifier(seed_model, ClassifierSettings()).classify([Article("a", *text, language="nl")])[0]
    assert (plain.category, plain.score) == ("none", 1.0), "no cue word: the model need not run"
    tuned = Classifier(seed_model, ClassifierSettings(keywords={"kidnapping": ["niet teruggekeerd"]}))
    with_keyword = tuned.classify([Article("a", *text, language="nl")])[0]
    assert with_keyword.score < 1.0, "an operator keyword: the model runs"
    spanish = Classifier(seed_model, ClassifierSettings()).classify(
        [Article("b", "Dos cooperantes desaparecidos cerca de Ghazni", "", language="es")]
    )[0]
    assert spanish.score < 1.0, "the lexicon reads no Spanish: the model decides"
