"""Names in entry titles (knowledge_base.names) and the retrieval rule on weak matches."""

from __future__ import annotations

import pytest

from knowledge_base.documents import Band, Document, EntryStatus, Thresholds
from knowledge_base.names import name_keys
from knowledge_base.retrieval import Retriever
from tests.support.documents import doc

# Any score answers; a demoted entry (below `suggest`) is "nie wiem".
ANY_SCORE = Thresholds(answer=101.0, suggest=1.0, confident=1.0, margin=0.0, tie=0.0)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Kto finansuje projekt „Szkolimy NGO”?", {"szkol", "ngo"}),
        ("Co to jest program NOWEFIO i jaki ma cel?", {"nowefi"}),
        ("Czy VAT jest kosztem kwalifikowalnym?", {"vat"}),
        ("Do kogo jest projekt EFS+ na lata 2021-2027?", {"efs"}),
        ("Ile wynosi grant w „Inkubatorze pomysłów 3”?", {"inkubator", "pomysl"}),  # no "3"
        ("Ile dni mam na wniesienie protestu?", set()),
    ],
)
def test_names_are_quoted_phrases_and_acronyms_of_the_title(title: str, expected: set[str]) -> None:
    assert name_keys(title) == expected


def _documents(status: EntryStatus = EntryStatus.ANSWERED) -> tuple[Document, ...]:
    return (
        doc(
            "szkolimy",
            "Kto finansuje projekt „Szkolimy NGO”?",
            ("z jakiego programu rządowego jest szkolimy ngo", "kto płaci za szkolimy ngo"),
            status=status,
        ),
        doc("protest", "Ile dni mam na protest?", ("termin na odwołanie od oceny",)),
        doc("pula", "Jaka jest pula naboru?", ("ile pieniędzy w naborze",)),
    )


def test_a_weak_match_about_a_named_thing_the_question_does_not_name_is_no_answer() -> None:
    """ "Senior+" is another programme: sharing "program rządowy" with the Szkolimy NGO
    entry is no reason to state who funds Szkolimy NGO."""
    result = Retriever(_documents(), ANY_SCORE).search("kiedy nabór w programie rządowym senior")
    assert result.best is not None
    assert result.best.document.id == "szkolimy"
    assert result.band is Band.DONT_KNOW


def test_a_question_naming_the_thing_is_answered() -> None:
    result = Retriever(_documents(), ANY_SCORE).search("z jakiego programu jest szkolimy ngo")
    assert result.best is not None
    assert result.best.document.id == "szkolimy"
    assert result.band is Band.ANSWER


def test_a_known_unknown_about_a_named_thing_is_still_given() -> None:
    """Its reply asserts nothing: it says what is not known and offers the coordinator."""
    documents = _documents(EntryStatus.UNKNOWN)
    result = Retriever(documents, ANY_SCORE).search("kiedy nabór w programie rządowym senior")
    assert result.best is not None
    assert result.best.document.id == "szkolimy"
    assert result.band is Band.ANSWER
