"""Behavioural tests in English and Dutch: minimum functionality, invariance and direction.

The items are short, made up for these tests, and not taken from any evaluation set.
"""

from __future__ import annotations

import pytest

from classifiers.labels import severity_rank
from classifiers.predict import Classifier
from tests.classifiers.conftest import classify_one

MINIMUM = [
    ("kidnapping", "en", "Gunmen abduct two engineers on the Kandahar highway",
     "The kidnappers stopped their car and took them to an unknown place."),
    ("kidnapping", "nl", "Twee ingenieurs ontvoerd op snelweg bij Kandahar",
     "Gewapende mannen hielden hun auto aan en namen hen mee."),
    ("bombing", "en", "Suicide bomber kills 12 at mosque in Kunduz",
     "The attacker detonated explosives among worshippers during Friday prayers."),
    ("bombing", "nl", "Zelfmoordaanslag op moskee in Kunduz eist twaalf levens",
     "De aanslagpleger liet explosieven ontploffen tijdens het vrijdaggebed."),
    ("armed_attack", "en", "Gunmen open fire on passenger bus in Herat, killing four",
     "Attackers on motorbikes sprayed the bus with bullets before fleeing."),
    ("armed_attack", "nl", "Schutters openen vuur op bus in Herat, vier doden",
     "Aanvallers op motoren beschoten de bus en sloegen op de vlucht."),
    ("assassination", "en", "Judge shot dead on his way to court in Jalalabad",
     "Gunmen on a motorbike targeted the provincial judge's car."),
    ("assassination", "nl", "Rechter doodgeschoten op weg naar rechtbank in Jalalabad",
     "Schutters op een motor vuurden gericht op de auto van de rechter."),
    ("armed_clash", "en", "Army retakes district after two days of heavy fighting",
     "Troops drove insurgents out of the district centre; dozens of fighters were killed."),
    ("armed_clash", "nl", "Leger herovert district na twee dagen zware gevechten",
     "Troepen verdreven de opstandelingen uit het districtscentrum."),
    ("unrest", "en", "Police fire tear gas at thousands of protesters in Herat",
     "Demonstrators blocked roads to protest against power cuts."),
    ("unrest", "nl", "Politie zet traangas in tegen duizenden betogers in Herat",
     "Demonstranten blokkeerden wegen uit protest tegen stroomuitval."),
    ("crime", "en", "Armed robbers hold up money changers in Mazar-i-Sharif",
     "The robbers escaped with cash after threatening traders at gunpoint."),
    ("crime", "nl", "Gewapende overvallers beroven geldwisselaars in Mazar-i-Sharif",
     "De overvallers bedreigden handelaren met een pistool en gingen er met het geld vandoor."),
    # A rank named further down (a source, an investigating officer) does not make a blast that
    # kills many an assassination; nor does a role in a report without a headline.
    ("bombing", "en", "",
     "A suicide bomber struck a crowded shrine in Sehwan on Thursday, killing 15 devotees and "
     "wounding 30. Deputy Superintendent of Police Aslam Khan said the bomber entered through "
     "the women's gate."),
    ("bombing", "en", "",
     "Militants blew up a government school in Bara tehsil of Khyber District on Monday night. "
     "No casualties were reported."),
    ("none", "en", "US envoy meets Taliban delegation in Doha for peace talks",
     "Both sides said the talks were constructive."),
    ("none", "nl", "Amerikaanse gezant spreekt met Taliban in Doha over vrede",
     "Beide partijen noemden de gesprekken constructief."),
    ("none", "en", "Star shooting guard scores 30 points in overtime win",
     "The team extended its winning streak to five games."),
    ("none", "nl", "Aardbeving treft provincie Herat, huizen beschadigd",
     "Hulporganisaties brengen tenten en voedsel naar de getroffen dorpen."),
]


@pytest.mark.parametrize(("category", "language", "title", "summary"), MINIMUM,
                         ids=[f"{c}-{lang}-{i}" for i, (c, lang, _, _) in enumerate(MINIMUM)])
def test_minimum_functionality(
    classifier: Classifier, category: str, language: str, title: str, summary: str
) -> None:
    p = classify_one(classifier, title, summary, language)
    assert p.category == category, (p.category, p.score, p.why)
    assert (p.severity == "none") == (category == "none")
    if category != "none":
        assert p.why and p.why[0].startswith(category.replace("_", " "))


INVARIANT_PAIRS = [
    # another city
    (("Roadside bomb kills three soldiers in Helmand", ""),
     ("Roadside bomb kills three soldiers in Kandahar", "")),
    (("Bermbom doodt drie militairen in Helmand", ""),
     ("Bermbom doodt drie militairen in Ghazni", "")),
    # another way of writing the number
    (("Gunmen kill 4 at wedding party in Nangarhar", ""),
     ("Gunmen kill four at wedding party in Nangarhar", "")),
    (("Schutters doden 4 gasten op bruiloft in Nangarhar", ""),
     ("Schutters doden vier gasten op bruiloft in Nangarhar", "")),
    (("Two aid workers kidnapped in Badakhshan", ""),
     ("2 aid workers kidnapped in Badakhshan", "")),
]


@pytest.mark.parametrize(("a", "b"), INVARIANT_PAIRS)
def test_invariance(classifier: Classifier, a: tuple[str, str], b: tuple[str, str]) -> None:
    pa, pb = classify_one(classifier, *a), classify_one(classifier, *b)
    assert pa.category == pb.category != "none"
    assert pa.severity == pb.severity
    assert pa.killed == pb.killed and pa.kidnapped == pb.kidnapped


RAISING = [
    # foreign aid workers raise severity
    (("Gunmen kidnap two men on the road to Faizabad", ""),
     ("Gunmen kidnap two foreign aid workers on the road to Faizabad", "")),
    (("Twee mannen ontvoerd op weg naar Faizabad", ""),
     ("Twee buitenlandse hulpverleners ontvoerd op weg naar Faizabad", "")),
    # a count of dead raises it
    (("Bomb explodes near market in Lashkar Gah", "There was damage to shops."),
     ("Bomb explodes near market in Lashkar Gah", "Twelve people were killed.")),
    (("Bom ontploft bij markt in Lashkar Gah", "Er is schade aan winkels."),
     ("Bom ontploft bij markt in Lashkar Gah", "Er vielen twaalf doden.")),
    # an embassy as target raises it
    (("Rocket lands near a school in Kabul", ""),
     ("Rocket lands near the Italian embassy in Kabul", "")),
]


@pytest.mark.parametrize(("base", "raised"), RAISING)
def test_direction_raises(
    classifier: Classifier, base: tuple[str, str], raised: tuple[str, str]
) -> None:
    pb, pr = classify_one(classifier, *base), classify_one(classifier, *raised)
    assert pb.category != "none" and pr.category != "none"
    assert severity_rank(pr.severity) > severity_rank(pb.severity), (pb, pr)


NOT_RAISING = [
    (("Engineer kidnapped in Ghazni", ""),
     ("Engineer kidnapped in Ghazni released unharmed", "He was freed unharmed after a week.")),
    (("Ingenieur ontvoerd in Ghazni", ""),
     ("Ontvoerde ingenieur in Ghazni ongedeerd vrijgelaten", "Hij kwam na een week vrij.")),
]


@pytest.mark.parametrize(("base", "other"), NOT_RAISING)
def test_direction_released_unharmed_does_not_raise(
    classifier: Classifier, base: tuple[str, str], other: tuple[str, str]
) -> None:
    pb, po = classify_one(classifier, *base), classify_one(classifier, *other)
    assert po.category == pb.category == "kidnapping"
    assert severity_rank(po.severity) <= severity_rank(pb.severity)


STORIES_ABOUT_VIOLENCE = [
    # labels.md: a story mainly about reactions, politics or an old event is none even if it
    # mentions violence (the second stage, event_report, vetoes these).
    ("en", "Minister condemns last week's riots and promises more police",
     "Speaking in parliament, the minister said the government would fund extra officers."),
    ("nl", "Waarom de rellen in Den Haag telkens terugkeren",
     "Een analyse van jaren onrust in de wijk: jongeren, politie en gemeente over wat er misgaat."),
]


@pytest.mark.parametrize(("language", "title", "summary"), STORIES_ABOUT_VIOLENCE,
                         ids=[f"story-{lang}-{i}" for i, (lang, _, _) in
                              enumerate(STORIES_ABOUT_VIOLENCE)])
def test_story_about_violence_is_none(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    p = classify_one(classifier, title, summary, language)
    assert p.category == "none", (p.category, p.score, p.why)


# Incidents told loosely: through their effect, as a story, or without the usual verb.
TOLD_LOOSELY = [
    # A strike told through the collapse it caused: the collapse is no accident.
    ("bombing", "en", "Office block collapses in Kherson after missile strike",
     "The building came down after it was hit by a Russian missile on Tuesday; two people died."),
    ("bombing", "nl", "Kantoorpand in Cherson ingestort na raketaanval",
     "Het gebouw stortte dinsdag in nadat het door een Russische raket was geraakt; twee doden."),
    # A vehicle driven into people: an attack on people without a weapon's word.
    ("armed_attack", "en", "Driver ploughs into crowd at street festival, killing three",
     "The man drove his car at speed into people watching a parade before police arrested him."),
    ("armed_attack", "nl", "Automobilist rijdt in op menigte bij straatfeest, drie doden",
     "De man reed met hoge snelheid in op mensen die naar een optocht keken."),
    # Ground gained, told loosely.
    ("armed_clash", "en", "Rebels gaining ground in the east as army pulls back",
     "Rebel fighters swept through four villages after heavy fighting with government troops."),
    ("armed_clash", "nl", "Rebellen winnen terrein in het oosten, leger trekt zich terug",
     "Rebellen rukten op naar vier dorpen na zware gevechten met regeringstroepen."),
]


@pytest.mark.parametrize(("category", "language", "title", "summary"), TOLD_LOOSELY)
def test_incident_told_loosely(
    classifier: Classifier, category: str, language: str, title: str, summary: str
) -> None:
    assert classify_one(classifier, title, summary, language).category == category


KILLED_FOR_WHO_THEY_ARE = [
    ("en", "Radio host killed for criticising the local militia",
     "The presenter was shot dead outside his home by two men on a motorbike."),
    ("nl", "Radiopresentator vermoord vanwege zijn werk",
     "De presentator werd voor zijn huis doodgeschoten door twee mannen op een motor."),
]


@pytest.mark.parametrize(("language", "title", "summary"), KILLED_FOR_WHO_THEY_ARE)
def test_killing_for_who_they_are_is_an_incident(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    assert classify_one(classifier, title, summary, language).category in (
        "assassination", "armed_attack"
    )


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("en", "Lorry ploughs into queue of traffic on motorway",
         "The driver had fallen asleep at the wheel; two motorists died, police said."),
        ("nl", "Vrachtwagen rijdt in op file op snelweg",
         "De chauffeur was in slaap gevallen; twee automobilisten kwamen om, meldt de politie."),
        ("en", "Opposition party gaining ground in the polls",
         "The party made gains in every region, a survey showed on Monday."),
        ("nl", "Oppositiepartij wint terrein in de peilingen",
         "De partij wint in elke regio, blijkt uit een peiling."),
    ],
)
def test_loose_words_without_an_attack_are_none(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    assert classify_one(classifier, title, summary, language).category == "none"
