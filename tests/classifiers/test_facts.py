"""Severity facts read from text, English and Dutch (plus a little French and German)."""

from __future__ import annotations

import pytest

from classifiers.facts import read_facts
from classifiers.lexicon import targeted_role
from classifiers.numbers import parse_count


@pytest.mark.parametrize(
    ("token", "value"),
    [("12", 12), ("1,200", 1200), ("drie", 3), ("tientallen", 20), ("dozens", 24),
     ("three", 3), ("2021", None), ("dix", 10), ("zwölf", 12), ("banana", None)],
)
def test_parse_count(token: str, value: int | None) -> None:
    assert parse_count(token) == value


@pytest.mark.parametrize(
    ("title", "summary", "killed", "injured", "kidnapped"),
    [
        ("Suicide bomber kills at least 12 at mosque", "Dozens more were wounded.", 12, 24, None),
        ("Bermbom doodt drie agenten", "Vijf anderen raakten gewond.", 3, 5, None),
        ("Drie agenten gedood door bermbom", "", 3, None, None),
        ("Blast in market", "The death toll rose to 25 while 40 others were injured.", 25, 40,
         None),
        ("Taliban verslaan IS", "De Taliban hebben tientallen IS-strijders gedood.", 20, None,
         None),
        ("Drie expats ontvoerd en vermoord", "", 3, None, 3),
        ("Two engineers abducted on highway", "", None, None, 2),
        ("Attentat: dix morts", "", 10, None, None),
        ("Anschlag: zwölf Tote und 30 Verletzte", "", 12, 30, None),
        ("Explosion at depot", "No one was hurt.", None, None, None),
        ("Attack on 2021 anniversary", "", None, None, None),
        ("", "Militants on June 26 shot dead a local politician.", None, None, None),
        ("", "On 12 March, gunmen killed three villagers.", 3, None, None),
    ],
)
def test_counts(title: str, summary: str, killed: int | None, injured: int | None,
                kidnapped: int | None) -> None:
    facts = read_facts(title, summary)
    assert (facts.killed, facts.injured, facts.kidnapped) == (killed, injured, kidnapped)


def test_victims_and_targets() -> None:
    assert read_facts("Three foreign aid workers abducted", "").victim
    assert read_facts("Drie buitenlandse medewerkers ontvoerd", "").victim
    assert read_facts("Gunmen storm hotel used by foreigners", "").target
    assert read_facts("Raket slaat in bij ambassade", "").target
    assert read_facts("Foreign minister visits Kabul", "").victim is None


def test_unharmed_is_not_an_injury() -> None:
    facts = read_facts("Hostages released unharmed", "All were freed unharmed.")
    assert facts.unharmed and not facts.injury_mentioned


@pytest.mark.parametrize(
    ("lead", "role"),
    [
        ("unidentified gunmen shot dead a tribal elder in kurram.", "elder"),
        ("twelve people, including a journalist, were killed in a suicide attack.", None),
        ("superintendent of police ravi kumar said the blast killed three.", None),
        ("the elder brother of a shopkeeper was shot dead.", None),
        ("intelligence officials revealed that a bomber struck a bus.", None),
    ],
)
def test_victim_role_names_the_target(lead: str, role: str | None) -> None:
    assert targeted_role(lead, victim_only=True) == role
