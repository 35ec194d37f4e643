"""Towns named in a question (knowledge_base.places)."""

from __future__ import annotations

import pytest

from knowledge_base.places import places
from knowledge_base.text import words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("czy LGD w Grudziądzu ma nabór", {"grudziadz"}),
        ("jakie nabory ma lgd w koninie", {"konin"}),
        ("lgd chelmno", {"chelmn"}),
        ("nabór w Toruniu", {"torun"}),
        ("toruński nabór", {"torun"}),
        ("LGD Inowrocław i Włocławek", {"inowroclaw", "wloclaw"}),
        ("w Bydgoszczy", {"bydgoszcz"}),
        ("w Poznaniu", {"poznan"}),
        # The assistant speaks for the Toruń LGD: "u nas" is Toruń.
        ("a u nas?", {"torun"}),
        ("u nas bylo inaczej niz w Grudziądzu", {"torun", "grudziadz"}),
    ],
)
def test_towns_are_found_in_any_inflection(text: str, expected: set[str]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Bydgoskie Przedmieście",
        "chcę poznać zasady, poznanie procedur",
        "kowalski złożył wniosek",
        "piła i świeca",
        "do kiedy można składać wnioski o dofinansowanie projektu pilotażowego",
        "u mnie w fundacji nas jest pięcioro",
    ],
)
def test_common_words_and_torun_districts_name_no_town(text: str) -> None:
    assert places(text) == frozenset()


# Everyday words of the grant vocabulary must not start with a town's stem.
_VOCABULARY = (
    "wniosek wnioski nabór konkurs termin kwota pula grant dotacja projekt pilotaż protest "
    "koordynator biuro stowarzyszenie fundacja organizacja uczestnik koszt wkład własny "
    "dofinansowanie realizacja rozliczenie umowa ocena kryteria punkty załącznik generator "
    "innowacja społeczna potrzeba mieszkańcy test ewaluacja spotkanie program strategia "
    "kluby seniora młodzieżowe edukacja równość płci lokalny ośrodek wiedzy kawiarnia "
    "poznać kowalski lodówka piła"
)


def test_the_grant_vocabulary_names_no_town() -> None:
    named = {word: places(word) for word in words(_VOCABULARY)}
    assert {word: found for word, found in named.items() if found} == {}
