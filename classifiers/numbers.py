"""Read counts written as digits or words in English, Dutch, French and German.

Vague quantities get a conservative stand-in ("dozens" -> 24, "tientallen" -> 20) because severity
only needs to know which band of the labels.md table a count falls in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

_WORDS: Final[dict[str, int]] = {
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "scores": 40, "hundreds": 200,
    "thousands": 2000, "several": 3, "multiple": 3, "numerous": 5, "both": 2, "pair": 2,
    "couple": 2, "trio": 3,
    # Dutch
    "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "negen": 9, "tien": 10, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90,
    "honderd": 100, "tientallen": 20, "honderden": 200, "duizenden": 2000, "dozijn": 12,
    "enkele": 3, "meerdere": 3, "verscheidene": 3, "diverse": 3, "beide": 2, "tal": 5,
    # French
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "treize": 13, "quinze": 15, "vingt": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "cent": 100, "dizaine": 10, "dizaines": 20,
    "douzaine": 12, "centaines": 200, "plusieurs": 3,
    # German
    "zwei": 2, "drei": 3, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8,
    "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20, "dreißig": 30,
    "hundert": 100, "dutzende": 24, "hunderte": 200, "tausende": 2000, "mehrere": 3,
}
NUMBER_WORDS: Final = frozenset(_WORDS)
VAGUE_WORDS: Final = frozenset({
    "dozens", "scores", "hundreds", "thousands", "several", "multiple", "numerous", "tientallen",
    "honderden", "duizenden", "enkele", "meerdere", "verscheidene", "diverse", "tal", "dizaines",
    "centaines", "plusieurs", "dutzende", "hunderte", "tausende", "mehrere",
})
"""Words whose count is a lower bound ("dozens" -> 24+), shown as such in reasons."""

# Articles that also mean "one": counted only right before a victim word, never as "a" in general.
ONE_WORDS: Final = frozenset({"a", "an", "een", "un", "une", "ein", "eine", "einer", "einen"})


@lru_cache(maxsize=100_000)
def parse_count(token: str) -> int | None:
    """The number a token stands for, or None; years and absurd values are not counts."""
    if token[:1].isdigit():
        digits = token.replace(",", "").replace(".", "")
        if not digits.isdigit() or len(digits) > 5:
            return None
        value = int(digits)
        if 1900 <= value <= 2100 and len(digits) == 4:
            return None
        return value
    return _WORDS.get(token)
