"""Dutch wording of deaths, injuries, denials and foreign victims (severity facts).

Each rule has a look-alike that must stay as it is (labels.md decides both); English where the
same rule applies."""

from __future__ import annotations

import pytest

from classifiers.facts import read_facts
from classifiers.lexicon import find_cues, targeted_role
from classifiers.severity import judge


@pytest.mark.parametrize(
    ("title", "summary", "killed", "death"),
    [
        # "kwamen om": the separable verb of dying; "kwamen om te" is "came in order to".
        ("Vier reizigers kwamen om bij aanslag op bus", "", 4, True),
        ("Honderden boeren kwamen om te protesteren", "", None, False),
        # A count before "dood" ("vijftien strijders dood"), and "overleed" / "geneutraliseerd".
        ("Zeker elf soldaten dood bij gevechten", "", 11, True),
        ("Gewonde agent overleed later in het ziekenhuis", "", None, True),
        ("Leger zegt dertig strijders te hebben geneutraliseerd", "", 30, True),
        # Bodies found: the count after "lichamen van".
        ("Lichamen van zeven mannen gevonden in een greppel", "", 7, True),
        ("Zeven mannen gevonden na zoektocht in de bergen", "", None, False),
    ],
)
def test_dutch_deaths(title: str, summary: str, killed: int | None, death: bool) -> None:
    facts = read_facts(title, summary, language="nl")
    assert facts.killed == killed
    assert facts.death_mentioned is death


@pytest.mark.parametrize(
    ("summary", "injured", "mentioned"),
    [
        ("Drie omstanders werden naar het ziekenhuis gebracht.", 3, True),
        ("De burgemeester bracht een bezoek aan het ziekenhuis.", None, False),
    ],
)
def test_taken_to_hospital_is_an_injury(summary: str, injured: int | None, mentioned: bool) -> None:
    facts = read_facts("Schietpartij in winkelstraat", summary, language="nl")
    assert facts.injured == injured
    assert facts.injury_mentioned is mentioned


def test_no_violence_is_not_violent_unrest() -> None:
    calm = read_facts("Betoging in Den Haag", "De demonstratie verliep zonder geweld.", language="nl")
    rough = read_facts("Betoging in Den Haag", "Er werd geweld gebruikt tegen agenten.", language="nl")
    assert calm.violent is None
    assert rough.violent is not None
    assert judge("unrest", calm).severity == "low"
    assert judge("unrest", rough).severity == "medium"


@pytest.mark.parametrize(
    ("title", "country", "victim"),
    [
        ("Italiaanse priester ontvoerd in het zuiden van Niger", "Niger", "italiaanse priester"),
        ("Oostenrijkse vrouw ontvoerd in Agadez", "Niger", "oostenrijkse vrouw"),
        ("Italian missionary kidnapped in Niger", "Niger", "italian missionary"),
        # A Dutch victim in the Netherlands is no foreigner; nor are soldiers a protected victim.
        ("Nederlandse man ontvoerd in Tilburg", "Netherlands", None),
        ("Franse soldaten gedood bij aanval in Mali", "Mali", None),
        # Without a known country of the incident nothing can be told.
        ("Italiaanse priester ontvoerd", None, None),
    ],
)
def test_nationality_as_foreign_victim(title: str, country: str | None, victim: str | None) -> None:
    facts = read_facts(title, "", language="nl", country=country)
    assert facts.victim == victim
    if victim is not None:
        assert judge("kidnapping", facts).severity == "critical"


def test_nobody_hurt_lowers_severity() -> None:
    calm = read_facts("Schoten op woning", "Niemand raakte gewond.", language="nl")
    hurt = read_facts("Schoten op woning", "Een bewoner raakte gewond.", language="nl")
    assert judge("armed_attack", calm).severity == "low"
    assert judge("armed_attack", hurt).severity == "medium"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        # The role that speaks or wants something is the source, not the target.
        ("minister: daders van explosies moeten langer vast. de bewindsman wil hogere straffen.", None),
        ("burgemeester wil cameratoezicht na beschietingen", None),
        ("de levering is afgerond, zegt de minister van defensie.", None),
        ("mayor: the shooting was a cowardly act.", None),
        # The look-alikes: a role that is the victim stays one.
        ("wethouder neergestoken bij zijn woning", "wethouder"),
        ("minister gewond bij aanslag op konvooi", "minister"),
        ("police officials said a judge was shot dead", "judge"),
    ],
)
def test_speaker_is_not_the_target(text: str, role: str | None) -> None:
    assert targeted_role(text) == role
    assert targeted_role(text, victim_only=True) == role


def test_council_member_is_an_official_and_an_ambassador_no_embassy() -> None:
    assert "official" in {c for c, _ in find_cues("gemeenteraadslid met mes aangevallen")}
    assert "official" in {c for c, _ in find_cues("councilman shot outside his home")}
    assert "official" not in {c for c, _ in find_cues("gemeenteraad vergadert over begroting")}
    assert "target_foreign" in {c for c, _ in find_cues("aanslag op de ambassade in kaboel")}
    assert "target_foreign" not in {c for c, _ in find_cues("russische ambassadeur ontboden")}
