"""Years named in questions and entries (knowledge_base.years) and the retrieval rule on them."""

from __future__ import annotations

import pytest

from knowledge_base.context import contextual_query
from knowledge_base.documents import Thresholds
from knowledge_base.retrieval import Retriever
from knowledge_base.years import asks_now, years
from tests.support.documents import doc

SCORE_ONLY = Thresholds(answer=101.0, suggest=0.0, confident=101.0, margin=0.0, tie=0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jaki nabór ogłosiła LGD w 2023 roku?", {2023}),
        ("strategia na lata 2021-2027", {2021, 2027}),  # a period: its written years only
        ("konkurs grantowy 1/G/2018", {2018}),
        ("nabór RPKP.11.01.00-04-0001/22", set()),  # a call number, not a year
        ("dotacja 20000 zł na 12 miesięcy", set()),
        ("kiedy jest nabór?", set()),
    ],
)
def test_years_are_four_digit_years_as_written(text: str, expected: set[int]) -> None:
    assert years(text) == expected


DOCS = (
    doc("nabor-2023", "Jaki nabór ogłosiła LGD w 2023 roku?", ("nabór lgd 2023",)),
    doc("konkurs-2018", "Kiedy był konkurs grantowy LGD 1/G/2018?", ("konkurs lgd 2018",)),
    doc("protest", "Ile dni ma się na protest w naborze LGD?", ("termin protestu",)),
)


def test_a_question_naming_a_year_is_not_answered_by_entries_about_other_years() -> None:
    ranking = Retriever(DOCS, SCORE_ONLY).rank("kiedy ruszy nabór lgd w 2027 roku")
    ids = {candidate.document.id for candidate in ranking.candidates}
    assert "nabor-2023" not in ids
    assert "konkurs-2018" not in ids


def test_entries_naming_the_year_or_no_year_still_answer() -> None:
    retriever = Retriever(DOCS, SCORE_ONLY)
    assert retriever.search("jaki nabór ogłosiła lgd w 2023").best.document.id == "nabor-2023"  # type: ignore[union-attr]
    assert retriever.search("ile dni na protest w naborze 2027").best.document.id == "protest"  # type: ignore[union-attr]
    # Without a year in the question the year rule does not apply.
    assert retriever.search("jaki nabór ogłosiła lgd").best.document.id == "nabor-2023"  # type: ignore[union-attr]


def test_a_word_only_entries_about_other_years_know_weighs_as_an_unseen_one() -> None:
    """ "ile wniosków wpłynęło w 2018?": only the 2023 results entry knows "wpłynąć", and it
    may not answer a question about 2018; for the 2018 entry the word is as new as one the
    base never saw, so the question is no better covered than a question about anything."""
    documents = (
        doc("konkurs-2018", "Jaka była pula konkursu 1/G/2018?", ("ile było w konkursie 2018",)),
        doc("wyniki-2023", "Ile wniosków wpłynęło w naborze 2023?", ("wyniki naboru 2023",)),
    )
    retriever = Retriever(documents, SCORE_ONLY)
    known_elsewhere = retriever.rank("ile wniosków wpłynęło w konkursie 2018")
    never_seen = retriever.rank("ile wniosków xqzwyk w konkursie 2018")
    assert [c.document.id for c in known_elsewhere.candidates] == ["konkurs-2018"]
    # Equal but for the string similarity of the two words.
    assert known_elsewhere.best == pytest.approx(never_seen.best, abs=0.5)
    # Without the year the results entry is the answer.
    assert retriever.rank("ile wniosków wpłynęło").candidates[0].document.id == "wyniki-2023"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a teraz ile można dostać?", True),
        ("w obecnym naborze", True),
        ("jaki jest aktualny termin", True),
        ("czy w tym roku będzie nabór", True),
        ("ile było w 2018", False),
        ("terazniejszy", False),  # a whole word only
    ],
)
def test_asking_about_the_present(text: str, expected: bool) -> None:
    assert asks_now(text) is expected


NOW_DOCS = (
    doc(
        "konkurs-2018",
        "Ile można było dostać w konkursie 1/G/2018?",
        ("kwota grantu w konkursie 2018",),
        call_code="1/G/2018",
    ),
    doc(
        "nabor-2023",
        "Jaki nabór ogłosiła LGD w 2023 roku?",
        ("nabór pilotażowy 2023", "pilotaż nowych typów projektów na perspektywę 2021-2027"),
        call_code="RPKP/22",
    ),
    doc(
        "strategia",
        "Ile pieniędzy dostała LGD na strategię 2021-2027?",
        ("kwota na nową strategię",),
    ),
)


def test_a_question_about_the_present_is_not_answered_by_entries_about_past_years_only() -> None:
    """The present is the latest Toruń call's year (2023: its entries name it most, not the
    2027 of "perspektywa 2021-2027"); the 2018 competition is past, a 2021-2027 strategy
    is not."""
    retriever = Retriever(NOW_DOCS, SCORE_ONLY)
    now = {c.document.id for c in retriever.rank("ile teraz można dostać").candidates}
    assert "konkurs-2018" not in now
    assert "strategia" in now
    then = {c.document.id for c in retriever.rank("ile można było dostać").candidates}
    assert "konkurs-2018" in then


def test_a_follow_up_about_the_present_drops_the_years_of_the_previous_subject() -> None:
    previous, sibling = (
        NOW_DOCS[0],
        doc(
            "konkurs-2018-terminy",
            "Kiedy był konkurs 1/G/2018?",
            ("terminy konkursu 2018",),
            call_code="1/G/2018",
        ),
    )
    assert "2018" in contextual_query("a kiedy?", previous, [sibling])
    now = contextual_query("a teraz ile można dostać?", previous, [sibling])
    assert "2018" not in now
    assert "konkurs" in now.lower()
