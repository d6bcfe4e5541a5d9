"""Behavioural tests for fire exchanged between armed sides, blade killings, industrial blasts,
sit-ins and sports offences, in English and Dutch, each next to a look-alike that must not move.

The items are short, made up for these tests, and not taken from any evaluation set.
"""

from __future__ import annotations

import pytest

from classifiers.lexicon import PHRASES, attack_by_explosives, cue_hits, fire_exchanged
from classifiers.predict import Classifier
from tests.classifiers.conftest import classify_one

# labels.md: fighting between armed forces or groups is an armed clash; someone killed in an
# exchange of fire was not chosen for who they are, whatever their rank.
KILLED_IN_A_CLASH = [
    ("en", "",
     "A police official and a rebel leader were killed in an exchange of fire in a forest of "
     "the district on Sunday."),
    ("en", "",
     "The regional commander of the rebel group was killed in a gunfight with police in the "
     "hills of the district on Friday night."),
    ("nl", "",
     "Een commandant van de rebellen is zondag gedood bij een vuurgevecht met het leger in het "
     "oosten van Congo."),
]
CHOSEN_FOR_WHO_THEY_ARE = [
    ("en", "",
     "A district commander of the militia was shot dead by unknown gunmen outside his home on "
     "Friday, police said."),
    ("nl", "Burgemeester doodgeschoten voor zijn huis",
     "Twee mannen op een motor schoten de burgemeester neer toen hij naar het gemeentehuis "
     "vertrok."),
]


@pytest.mark.parametrize(("language", "title", "summary"), KILLED_IN_A_CLASH)
def test_a_leader_killed_in_an_exchange_of_fire_is_a_clash(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    p = classify_one(classifier, title, summary, language)
    assert p.category == "armed_clash", (p.category, p.why)


@pytest.mark.parametrize(("language", "title", "summary"), CHOSEN_FOR_WHO_THEY_ARE)
def test_a_leader_shot_by_gunmen_stays_an_assassination(
    classifier: Classifier, language: str, title: str, summary: str
) -> None:
    p = classify_one(classifier, title, summary, language)
    assert p.category == "assassination", (p.category, p.why)


@pytest.mark.parametrize(
    ("text", "exchanged"),
    [
        ("two militants were killed in an encounter with security forces", True),
        ("police and rebels exchanged fire before the rebels fled", True),
        ("bij een vuurgevecht met de politie kwam een bendeleider om", True),
        # Look-alikes: a meeting, an exchange of words, fireworks.
        ("the minister described a close encounter with a bear on holiday", False),
        ("the two leaders exchanged views on trade", False),
        ("de ministers wisselden van gedachten over handel", False),
        ("het vuurwerk werd afgestoken bij de haven", False),
    ],
)
def test_fire_exchanged(text: str, exchanged: bool) -> None:
    assert fire_exchanged(text) is exchanged


@pytest.mark.parametrize(
    ("language", "title", "summary", "category"),
    [
        # A killing with a blade is an attack, not a cyber incident ("hacked").
        ("en", "Villager hacked to death by armed men",
         "Suspected rebels dragged the man out of his house at night, police said.",
         "armed_attack"),
        ("nl", "Dorpeling met kapmes om het leven gebracht door gewapende mannen",
         "Verdachte rebellen sleurden de man 's nachts zijn huis uit, zegt de politie.",
         "armed_attack"),
        ("en", "Bank website hacked, customer data stolen",
         "The bank said hackers gained access to thousands of accounts.", "none"),
        ("nl", "Website van bank gehackt, klantgegevens gestolen",
         "De bank zegt dat hackers toegang kregen tot duizenden rekeningen.", "none"),
        # labels.md: an accident is none; a blast of stored chemicals or gas is an accident.
        ("en", "Chemical plant explosion kills five workers",
         "A storage tank blew up at the factory on Tuesday morning, the fire service said.",
         "none"),
        ("nl", "Gasfles ontploft in restaurant, kok zwaargewond",
         "De politie gaat uit van een ongeluk.", "none"),
        ("en", "Car bomb explodes outside police station, killing five",
         "The bomb went off as officers changed shifts.", "bombing"),
        ("nl", "Autobom ontploft bij politiebureau, vijf doden",
         "De bom ging af toen agenten van dienst wisselden.", "bombing"),
        # A sit-in is a protest.
        ("en", "Students stage sit-in outside education ministry over fees",
         "Hundreds of students blocked the entrance for several hours.", "unrest"),
        ("nl", "Studenten houden sit-in bij ministerie van Onderwijs",
         "Honderden studenten blokkeerden urenlang de ingang.", "unrest"),
        # A team's offence is no military offensive; a warning of one is no incident yet.
        ("en", "Titans offensive coordinator fired after losing streak",
         "The team parted ways with its offensive coordinator on Monday.", "none"),
        ("en", "Officials warn rebels could launch offensive after troops leave",
         "Security officials said the rebels may try to take district centres within months.",
         "none"),
        ("nl", "Inlichtingendienst waarschuwt voor mogelijk offensief van rebellen",
         "Volgens de dienst kunnen de rebellen binnen enkele maanden steden proberen in te nemen.",
         "none"),
        ("en", "Rebels launch offensive on provincial capital",
         "Heavy fighting broke out on the outskirts as rebel fighters attacked army positions.",
         "armed_clash"),
        ("nl", "Rebellen beginnen offensief op provinciehoofdstad",
         "Aan de rand van de stad wordt zwaar gevochten tussen rebellen en het leger.",
         "armed_clash"),
    ],
)
def test_look_alikes(
    classifier: Classifier, language: str, title: str, summary: str, category: str
) -> None:
    p = classify_one(classifier, title, summary, language)
    assert p.category == category, (p.category, p.why)


@pytest.mark.parametrize(
    ("text", "concept", "present"),
    [
        ("a police jawan was hacked to death by rebels", "accident", False),
        ("a police jawan was hacked to death by rebels", "armed_attack", True),
        ("their website was hacked by a criminal group", "accident", True),
        ("a chemical plant exploded on thursday", "accident", True),
        ("een gasfles ontplofte in de keuken", "accident", True),
        ("a car bomb exploded near the market", "accident", False),
        ("buffalo's offensive coordinator was fired", "armed_clash", False),
        ("the army began an offensive on the town", "armed_clash", True),
        ("het leger begon een offensief op de stad", "armed_clash", True),
        ("students staged a sit-in at the ministry", "unrest", True),
        ("studenten hielden een sit-in bij het ministerie", "unrest", True),
        ("students were sitting in the library", "unrest", False),
    ],
)
def test_cue_readings(text: str, concept: str, present: bool) -> None:
    assert (concept in cue_hits(text)) is present


def test_every_phrase_has_two_words() -> None:
    # A one-word "phrase" is indexed with nothing after it and crashed every batch holding it.
    assert all(" " in phrase for phrases in PHRASES.values() for phrase in phrases)


def test_a_one_word_target_reads_without_error(classifier: Classifier) -> None:
    p = classify_one(classifier, "Anschlag im Diplomatenviertel von Kabul",
                     "Eine Autobombe explodierte vor einer Botschaft.", "de")
    assert p.category == "bombing"
    assert "target_foreign" in cue_hits("anschlag im diplomatenviertel")


# labels.md: any explosive attack is a bombing; "attacked" alone does not name the weapon.
@pytest.mark.parametrize(
    ("language", "summary", "category"),
    [
        ("en", "Maoists attacked a police camp in the district on Tuesday night. They hurled crude "
               "bombs over the wall, injuring three policemen.", "bombing"),
        ("nl", "Rebellen vielen dinsdagnacht een politiepost aan. Bij de aanval gooiden ze granaten "
               "over de muur; drie agenten raakten gewond.", "bombing"),
        # Look-alikes: guns named beside the grenades, a coal mine, no explosive at all.
        ("en", "Militants attacked a police camp in the district on Tuesday night with rifles and "
               "grenades, injuring three policemen.", "armed_attack"),
        ("en", "Militants attacked a coal mine in the district on Tuesday night, injuring three "
               "guards.", "armed_attack"),
        ("nl", "Rebellen hebben dinsdagnacht een aanval uitgevoerd op een kolenmijn; drie bewakers "
               "raakten gewond.", "armed_attack"),
        ("nl", "Bij een aanval op een politiepost hebben rebellen dinsdagnacht drie agenten "
               "neergeschoten.", "armed_attack"),
    ],
)
def test_an_attack_made_with_explosives_is_a_bombing(
    classifier: Classifier, language: str, summary: str, category: str
) -> None:
    p = classify_one(classifier, "", summary, language)
    assert p.category == category, (p.category, p.why)


@pytest.mark.parametrize(
    ("text", "explosive"),
    [
        ("maoists attacked a police camp. they hurled crude bombs at it", True),
        ("rebellen openden een aanval op een legerpost met granaten", True),
        ("militants attacked the camp using automatic rifles and grenades", False),
        ("rebellen openden een aanval op een legerpost met geweren en granaten", False),
        ("militants attacked a coal mine", False),
        ("gunmen attacked the temple and hurled homemade bombs", False),
    ],
)
def test_attack_by_explosives(text: str, explosive: bool) -> None:
    assert attack_by_explosives(text) is explosive
