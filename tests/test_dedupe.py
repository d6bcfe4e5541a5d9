"""The pure incident logic: which report joins which incident, and who gets a new message or an edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alertbot.config import RegionConfig
from alertbot.incidents import (
    Incident,
    PriorMessage,
    Report,
    canonical_place,
    find_incident,
    join,
    open_incident,
    overlap,
    plan_messages,
    words_of,
)

T0 = datetime(2021, 3, 1, 8, 0, tzinfo=UTC)


def report(
    text: str,
    *,
    category: str = "bombing",
    place: str | None = "Kabul",
    country: str | None = "Afghanistan",
    language: str = "en",
    hours: float = 0,
    severity: str = "high",
    killed: int | None = None,
    feed: str = "https://a.example/rss",
) -> Report:
    return Report(
        category=category,
        severity=severity,
        place=place,
        country=country,
        language=language,
        when=T0 + timedelta(hours=hours),
        words=words_of(text),
        feed_url=feed,
        killed=killed,
    )


FIRST = report("Car bomb kills 12 near Kabul police headquarters", killed=12)


def known(*reports: Report) -> Incident:
    incident = open_incident(reports[0], incident_id=1)
    for more in reports[1:]:
        incident = join(incident, more).incident
    return incident


def test_words_fold_case_accents_and_function_words() -> None:
    assert words_of("The Bomb in KABUL: 12 killed, café") == frozenset({"bomb", "kabul", "12", "killed", "cafe"})
    assert overlap(frozenset({"a1", "b1"}), frozenset({"a1", "b1"})) == 0.0, "too few words to judge"


def test_a_similar_report_in_the_window_joins() -> None:
    later = report("Kabul car bomb near police headquarters: death toll rises to 20", hours=5, killed=20)
    assert find_incident(later, [known(FIRST)]) is not None


def test_other_category_place_or_time_stays_apart() -> None:
    incident = known(FIRST)
    same_words = "Car bomb kills 12 near Kabul police headquarters"
    assert find_incident(report(same_words, category="armed_attack"), [incident]) is None
    assert find_incident(report(same_words, place="Kandahar"), [incident]) is None
    assert find_incident(report(same_words, hours=60), [incident]) is None
    assert find_incident(report(same_words, place=None, country="Pakistan"), [incident]) is None


def test_unrelated_story_in_the_same_place_and_language_stays_apart() -> None:
    other = report("Minister opens new hospital wing; bomb disposal team praised in Kabul", hours=2)
    assert find_incident(other, [known(FIRST)]) is None


def test_another_language_joins_on_kind_place_and_time() -> None:
    dutch = report("Autobom doodt twaalf mensen bij politiebureau", language="nl", hours=3)
    assert find_incident(dutch, [known(FIRST)]) is not None
    assert find_incident(report("Autobom doodt twaalf mensen", language="nl", hours=30), [known(FIRST)]) is None


def test_without_a_place_the_text_must_agree_more() -> None:
    vague = report("Car bomb kills 12 near police headquarters", place=None, hours=1)
    assert find_incident(vague, [known(FIRST)]) is not None
    loose = report("Police say car bomb was large", place=None, hours=1)
    assert find_incident(loose, [known(FIRST)]) is None


def test_joining_merges_counts_severity_sources_and_languages() -> None:
    joined = join(known(FIRST), report("x y z", language="nl", killed=20, severity="critical", feed="https://b/rss"))
    incident = joined.incident
    assert incident.sources == 2 and incident.killed == 20 and incident.severity == "critical"
    assert joined.severity_rose and incident.languages == frozenset({"en", "nl"})
    lower = join(incident, report("x y z", killed=7, severity="high")).incident
    assert lower.killed == 20 and lower.severity == "critical" and lower.sources == 3


def test_best_candidate_wins() -> None:
    weak = known(report("Bomb near Kabul market police checkpoint attack", hours=-1))
    strong = open_incident(FIRST, incident_id=2)
    later = report("Car bomb kills 12 near Kabul police headquarters, officials say", hours=1)
    assert find_incident(later, [weak, strong]) is strong


def test_region_spellings_agree_on_one_place() -> None:
    regions = [RegionConfig("Kabul", "Afghanistan", ("Kabul", "Kaboel"))]
    assert canonical_place("Kaboel", regions) == canonical_place("kabul", regions) == "Kabul"
    assert canonical_place("Herat", regions) == "Herat" and canonical_place(None, regions) is None


def test_messages_new_edit_or_rewrite_per_chat() -> None:
    prior = {
        1: PriorMessage(10, "sent", "high"),
        2: PriorMessage(11, "pending", "high"),
        3: PriorMessage(12, "paused", "high"),
        5: PriorMessage(13, "sent", "high"),  # no longer chosen (place moved out of its regions)
    }
    planned = {m.chat_id: (m.plan, m.target) for m in plan_messages([1, 2, 3, 4], prior, "high")}
    assert planned == {1: ("edit", 10), 2: ("update", 11), 4: ("send", None), 5: ("edit", 13)}
    risen = {m.chat_id: m.plan for m in plan_messages([1, 2, 4], prior, "critical")}
    assert risen == {1: "send", 2: "send", 4: "send", 5: "edit"}
