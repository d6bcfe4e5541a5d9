"""Places in the spelling of labels.md, from the gazetteer and the config's aliases."""

from __future__ import annotations

import pytest

from classifiers.places import default_gazetteer, locate


@pytest.mark.parametrize(
    ("title", "summary", "country", "place"),
    [
        ("Drie expats ontvoerd bij Kaboel", "", "Afghanistan", "Kabul"),
        ("Taliban verslaan IS in Jowzjan", "Bij de Turkmeense grens.", "Afghanistan", "Jowzjan"),
        ("Explosion in Herāt market", "", "Afghanistan", "Herat"),
        ("Gunmen storm hotel in Kabul", "", "Afghanistan", "Kabul"),
        ("Police fire tear gas at protesters", "Thousands marched in Lagos.", "Nigeria",
         "Lagos"),
        ("Afghan officials meet donors", "", "Afghanistan", None),
        ("Markets rally on earnings", "", None, None),
    ],
)
def test_locate(title: str, summary: str, country: str | None, place: str | None) -> None:
    location = locate(title, summary, default_gazetteer())
    assert (location.country, location.place) == (country, place)


def test_capital_is_major() -> None:
    location = locate("Bomb in Kabul", "", default_gazetteer())
    assert location.capital and location.major


def test_config_aliases_join_in() -> None:
    aliases = {"Camp Alpha": ("Camp Alpha", "Afghanistan"), "Mazar": ("Mazar-i-Sharif", None)}
    location = locate("Rockets hit Camp Alpha", "", default_gazetteer(), aliases)
    assert (location.country, location.place) == ("Afghanistan", "Camp Alpha")
    location = locate("Protest in Mazar", "", default_gazetteer(), aliases)
    assert location.place == "Mazar-i-Sharif" and location.country == "Afghanistan"
