"""German and Dutch: compound cue words, struggles as metaphors, articles that are not deaths.

Each rule has a look-alike that must stay as it is (labels.md decides both)."""

from __future__ import annotations

import pytest

from classifiers.facts import read_facts
from classifiers.lexicon import find_cues
from classifiers.predict import Classifier
from tests.classifiers.conftest import classify_one


def concepts(text: str) -> set[str]:
    return {concept for concept, _ in find_cues(text.lower())}


@pytest.mark.parametrize(
    ("text", "concept", "present"),
    [
        # The weapon before the attack word in one compound: a bombing, not an armed attack.
        ("Bei einem Drohnenangriff nahe Raqqa getötet", "bombing", True),
        ("Bei einem Drohnenangriff nahe Raqqa getötet", "armed_attack", False),
        ("Selbstmordanschlag vor einer Polizeischule", "bombing", True),
        ("Terreuraanslag op een metrostation", "bombing", True),
        # Arson and knife attacks are armed attacks (labels.md: non-explosive).
        ("Brandanschläge auf zwei Flüchtlingsheime", "armed_attack", True),
        ("Brandanschläge auf zwei Flüchtlingsheime", "bombing", False),
        ("Mesaanslag in een winkelstraat", "armed_attack", True),
        # Fights as compound heads.
        ("Feuergefecht zwischen Armee und Rebellen", "armed_clash", True),
        ("Vuurgevecht tussen leger en rebellen", "armed_clash", True),
        ("Unbekannte eröffneten das Feuer auf Passanten", "armed_attack", True),
        ("Schießerei vor einem Nachtclub", "armed_attack", True),
        # Look-alikes: "Raubbau" is overexploitation, "Raubüberfall" a robbery.
        ("Kritik am Raubbau an den Regenwäldern", "crime", False),
        ("Raubüberfall auf einen Juwelier", "crime", True),
        # Fiction is negative context.
        ("Neuer Tatort: Mord im Schrebergarten", "negative_context", True),
        ("Nieuwe misdaadserie over een moord in Amsterdam", "negative_context", True),
    ],
)
def test_compound_cues(text: str, concept: str, present: bool) -> None:
    assert (concept in concepts(text)) is present


@pytest.mark.parametrize(
    ("text", "clash"),
    [
        ("Präsidentin kämpft um ihr Amt", False),
        ("Die Mur kämpft ab Montag in Australien um einen Umweltpreis", False),
        ("Für eine Willkommenskultur kämpfen", False),
        ("Ajax strijdt om de landstitel", False),
        ("De strijd tegen corruptie", False),
        # Look-alikes: an armed group or someone killed makes it fighting.
        ("Rebellen kämpfen um die Stadt", True),
        ("Bei Kämpfen um die Stadt starben zwölf Menschen", True),
        ("Strijd tegen de Taliban in Helmand", True),
    ],
)
def test_struggle_for_something_is_a_metaphor(text: str, clash: bool) -> None:
    assert ("armed_clash" in concepts(text)) is clash


@pytest.mark.parametrize(
    ("title", "summary", "death", "killed"),
    [
        # "die" is an article in German and a pronoun in Dutch: no death.
        ("Die Demonstranten zogen friedlich durch die Innenstadt", "", False, None),
        ("Boeren die de snelweg blokkeren", "De politie sprak met de boeren die protesteerden.",
         False, None),
        # Look-alikes: the English verb and the German and Dutch phrases for losing one's life.
        ("Man dies of his wounds after attack", "", True, None),
        ("Bei einem Anschlag sind 32 Menschen ums Leben gekommen", "", True, 32),
        ("Drie mensen om het leven gekomen bij aanslag", "", True, 3),
        ("Er kämpft um sein Leben", "", False, None),
    ],
)
def test_articles_are_not_deaths(title: str, summary: str, death: bool, killed: int | None) -> None:
    facts = read_facts(title, summary)
    assert facts.death_mentioned is death
    assert facts.killed == killed


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("de", "Präsident kämpft um sein politisches Überleben",
         "Nach Korruptionsvorwürfen kämpft er um eine Mehrheit im Parlament."),
        ("de", "Bayern-Angriff zerlegt die Abwehr des Gegners",
         "Mit schnellem Angriffsspiel gewann der Klub am Samstag 4:0 in der Liga."),
        ("de", "Gewerkschaft ruft zu Warnstreik bei der Bahn auf",
         "Pendler müssen am Donnerstag mit Zugausfällen rechnen, die Lohnverhandlungen stocken."),
        ("nl", "Vakbond kondigt staking aan bij het openbaar vervoer",
         "Trams en bussen rijden vrijdag niet; de cao-onderhandelingen zijn vastgelopen."),
        ("nl", "Premier strijdt voor zijn politieke toekomst",
         "Twee coalitiepartijen dreigen op te stappen over de begroting."),
    ],
)
def test_german_and_dutch_look_alikes_are_none(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    assert classify_one(classifier, title, summary, language).category == "none"


@pytest.mark.parametrize(
    ("category", "language", "title", "summary"),
    [
        ("bombing", "de", "Selbstmordanschlag vor Polizeischule: zwölf Tote",
         "Ein Attentäter sprengte sich am Morgen vor dem Tor in die Luft."),
        ("armed_clash", "de", "Feuergefecht zwischen Armee und Rebellen im Norden",
         "Bei stundenlangen Gefechten wurden zehn Kämpfer und zwei Soldaten getötet."),
        ("unrest", "nl", "Stakende boeren blokkeren snelweg, politie zet waterkanon in",
         "Honderden betogers trokken hekken omver; twee agenten raakten gewond."),
        ("kidnapping", "nl", "Gijzeling in supermarkt na mislukte overval",
         "Een gewapende man houdt twee medewerkers vast; een arrestatieteam omsingelt het pand."),
    ],
)
def test_german_and_dutch_incidents(
    classifier: Classifier, category: str, language: str, title: str, summary: str
) -> None:
    assert classify_one(classifier, title, summary, language).category == category
