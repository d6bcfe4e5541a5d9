"""The founding example, through the `alertbot classify` body, as the officers would see it."""

from __future__ import annotations

import io
import json

from alertbot.commands.model import run_classify
from classifiers.predict import Classifier

FOUNDING = [
    {
        "id": "expats",
        "title": "Drie expats ontvoerd en vermoord in Kabul",
        "summary": "Drie buitenlandse medewerkers van een Frans cateringbedrijf zijn op weg naar "
        "het vliegveld van Kabul ontvoerd. Zij werden later dood aangetroffen in een auto ten "
        "zuiden van de stad.",
        "language": "nl",
    },
    {
        "id": "jowzjan",
        "title": "Taliban verslaan IS in Jowzjan",
        "summary": "De Taliban hebben in de noordelijke provincie Jowzjan, bij de grens met "
        "Turkmenistan, tientallen IS-strijders gedood en ongeveer 130 gevangenen gemaakt.",
        "language": "nl",
    },
    {
        "id": "talks",
        "title": "VS zoekt gesprekken met de Taliban",
        "summary": "Een Amerikaanse diplomaat heeft in Qatar leiders van de Taliban ontmoet om te "
        "verkennen of vredesgesprekken mogelijk zijn.",
        "language": "nl",
    },
]


def _run(classifier: Classifier) -> dict[str, dict[str, object]]:
    stdin = io.StringIO("".join(json.dumps(row) + "\n" for row in FOUNDING))
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run_classify(stdin, stdout, classifier, stderr=stderr) == 0
    assert stderr.getvalue() == ""
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in FOUNDING]
    return {r["id"]: r for r in rows}


def test_founding_example(classifier: Classifier) -> None:
    out = _run(classifier)
    expats = out["expats"]
    assert (expats["category"], expats["severity"]) == ("kidnapping", "critical")
    assert (expats["country"], expats["place"]) == ("Afghanistan", "Kabul")
    assert any("ontvoerd" in w for w in expats["why"])  # type: ignore[union-attr]
    jowzjan = out["jowzjan"]
    assert jowzjan["category"] == "armed_clash"
    assert jowzjan["severity"] != "critical"
    assert (jowzjan["country"], jowzjan["place"]) == ("Afghanistan", "Jowzjan")
    talks = out["talks"]
    assert (talks["category"], talks["severity"]) == ("none", "none")
