"""Follow-up questions: read in the context of the previous answer, its subject and its call."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pytest

from knowledge_base.context import (
    asked_of,
    changes_place,
    contextual_query,
    is_follow_up,
    resolve,
    siblings_of,
    subject_of,
)
from knowledge_base.documents import (
    Band,
    Candidate,
    Document,
    EntryStatus,
    Scope,
    SearchResult,
    Thresholds,
)
from knowledge_base.retrieval import Retriever
from tests.support.documents import doc as make_doc

THRESHOLDS = Thresholds(answer=78.0, suggest=50.0, confident=60.0, margin=10.0, tie=1.5)


def doc(
    id_: str,
    title: str,
    phrasings: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    **fields: Any,
) -> Document:
    """A general rule (scope OGÓLNE): no analogia penalty either way."""
    return make_doc(id_, title, phrasings, keywords, scope=Scope.OGOLNE, **fields)


PROTEST_DAYS = doc(
    "protest-termin",
    "Ile dni mam na wniesienie protestu po ocenie wniosku?",
    ("ile jest czasu na protest", "termin protestu"),
    ("termin protestu", "7 dni"),
    topic="protest",
)
PROTEST_WHERE = doc(
    "protest-gdzie",
    "Do kogo składa się protest?",
    ("gdzie złożyć protest", "komu wysłać protest", "kto rozpatruje protest"),
    ("adresat protestu",),
    topic="protest",
)
PROTEST_CONTENT = doc(
    "protest-tresc",
    "Co musi zawierać protest?",
    ("co napisać w proteście", "elementy protestu"),
    ("treść protestu",),
    topic="protest",
)
CALL_DATES = doc(
    "k2018-terminy",
    "Kiedy był konkurs grantowy 1/G/2018?",
    ("terminy konkursu 2018", "daty naboru 2018"),
    ("1/G/2018",),
    topic="terminy",
    call_code="1/G/2018",
)
CALL_POOL = doc(
    "k2018-kwoty",
    "Jaka była pula konkursu grantowego 1/G/2018?",
    ("pula konkursu 2018", "ile pieniędzy było w konkursie 2018"),
    ("1/G/2018", "pula"),
    topic="kwoty",
    call_code="1/G/2018",
)
OTHER_POOL = doc(
    "k2023-pula",
    "Jaka jest pula naboru pilotażowego 2023?",
    ("ile pieniędzy jest w naborze pilotażowym", "pula naboru"),
    ("pula",),
    topic="kwoty",
    call_code="P/2023",
    status=EntryStatus.UNKNOWN,
)
DOCS = (PROTEST_DAYS, PROTEST_WHERE, PROTEST_CONTENT, CALL_DATES, CALL_POOL, OTHER_POOL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a do kogo go wysłać?", True),  # starts like a follow-up
        ("i ile to kosztuje", True),
        ("ile mam na to dni", True),  # short, with an anaphora
        ("ile z niego można dostać", True),
        ("jeszcze gdzie go złożyć", True),
        ("kto rozpatruje protesty od oceny wniosków w naborze pilotażowym", False),
        ("", False),
    ],
)
def test_follow_ups_are_short_or_anaphoric(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected


def test_siblings_are_the_entries_of_the_same_call_else_of_the_same_topic() -> None:
    assert [d.id for d in siblings_of(CALL_DATES, DOCS)] == ["k2018-kwoty"]
    assert {d.id for d in siblings_of(PROTEST_DAYS, DOCS)} == {"protest-gdzie", "protest-tresc"}
    assert siblings_of(PROTEST_DAYS, ()) == []


def test_the_subject_is_what_the_previous_answer_shares_with_its_siblings() -> None:
    # "Ile dni … wniesienie … ocenie wniosku" was the question asked then; "protest" is
    # what the protest entries are about.
    assert subject_of(PROTEST_DAYS, siblings_of(PROTEST_DAYS, DOCS)) == "protestu"
    subject = subject_of(CALL_POOL, siblings_of(CALL_POOL, DOCS))
    assert "konkursu" in subject
    assert "2018" in subject


def test_without_siblings_the_subject_is_the_title_without_question_words() -> None:
    assert subject_of(PROTEST_DAYS) == "dni wniesienie protestu ocenie wniosku"
    assert contextual_query("a gdzie?", PROTEST_WHERE) == "a gdzie? składa protest"


def answered_in_context(
    documents: tuple[Document, ...],
    text: str,
    previous: Document,
    topic_hint: str | None = None,
) -> str:
    """The id of the entry a real retriever answers `text` with after `previous` (the band
    must be ANSWER)."""
    result = resolve(
        Retriever(documents, THRESHOLDS).search,
        text,
        topic_hint=topic_hint,
        previous=previous,
        documents=documents,
    )
    assert result.best is not None
    assert result.band is Band.ANSWER
    return result.best.document.id


def test_a_follow_up_finds_the_sibling_it_asks_about() -> None:
    assert answered_in_context(DOCS, "a do kogo go wysłać?", PROTEST_DAYS) == "protest-gdzie"


def test_a_follow_up_stays_with_the_call_of_the_previous_answer() -> None:
    """ "a jaka była pula?" after the 2018 dates: the 2018 pool, not the 2023 one."""
    plain = Retriever(DOCS, THRESHOLDS).search("a jaka była pula?", topic_hint="kwoty")
    assert plain.best is not None
    assert plain.best.document.id != "k2018-kwoty"
    chosen = answered_in_context(DOCS, "a jaka była pula?", CALL_DATES, topic_hint="kwoty")
    assert chosen == "k2018-kwoty"


class RecordingSearch:
    """Answers from canned results and remembers how it was called."""

    def __init__(self, plain: SearchResult, enriched: SearchResult) -> None:
        self.plain = plain
        self.enriched = enriched
        self.calls: list[tuple[str, str | None, frozenset[str]]] = []

    def __call__(
        self, query: str, *, topic_hint: str | None = None, exclude: Collection[str] = ()
    ) -> SearchResult:
        self.calls.append((query, topic_hint, frozenset(exclude)))
        return self.enriched if exclude else self.plain


def result(band: Band, document: Document, score: float) -> SearchResult:
    return SearchResult(query="q", band=band, candidates=(Candidate(document, score),))


def test_a_direct_answer_in_context_wins_over_a_higher_plain_score() -> None:
    search = RecordingSearch(
        plain=result(Band.ANSWER, OTHER_POOL, 100.0),
        enriched=result(Band.ANSWER, CALL_POOL, 80.0),
    )
    chosen = resolve(search, "a jaka pula?", topic_hint=None, previous=CALL_DATES, documents=DOCS)
    assert chosen is search.enriched
    query, hint, exclude = search.calls[1]
    assert query.startswith("a jaka pula? ")
    assert hint == "terminy"  # the previous answer's topic, when the NLU gave none
    assert exclude == {"k2018-terminy"}  # the previous answer is not given again


def test_without_a_direct_answer_in_context_the_stronger_result_is_kept() -> None:
    search = RecordingSearch(
        plain=result(Band.ANSWER, OTHER_POOL, 90.0),
        enriched=result(Band.SUGGEST, CALL_POOL, 70.0),
    )
    chosen = resolve(search, "a jaka pula?", topic_hint="kwoty", previous=CALL_DATES)
    assert chosen is search.plain
    assert search.calls[1][1] == "kwoty"  # the NLU's topic hint is kept


def test_a_question_that_is_no_follow_up_is_searched_alone() -> None:
    search = RecordingSearch(
        plain=result(Band.ANSWER, PROTEST_WHERE, 90.0),
        enriched=result(Band.ANSWER, CALL_POOL, 99.0),
    )
    question = "kto rozpatruje protesty od oceny wniosków w naborze pilotażowym"
    assert resolve(search, question, topic_hint=None, previous=CALL_DATES) is search.plain
    assert resolve(search, "a do kogo?", topic_hint=None, previous=None) is search.plain
    assert len(search.calls) == 2


def test_a_follow_up_naming_another_town_is_read_as_typed() -> None:
    """ "a jaka pula jest w Toruniu?" after an Inowrocław example asks about Toruń: the
    example's subject is not carried over, so no other Inowrocław example is offered."""
    example = doc(
        "inowroclaw-kwoty",
        "Ile można było dostać na pilotaż w LGD Inowrocław?",
        ("kwoty pilotażu w Inowrocławiu",),
        topic="kwoty",
        call_code="INO/2023",
    )
    example_dates = doc(
        "inowroclaw-terminy",
        "Kiedy był nabór pilotażowy w LGD Inowrocław?",
        ("terminy pilotażu w Inowrocławiu",),
        topic="terminy",
        call_code="INO/2023",
    )
    search = RecordingSearch(
        plain=result(Band.SUGGEST, OTHER_POOL, 60.0),
        enriched=result(Band.SUGGEST, example_dates, 90.0),
    )
    chosen = resolve(
        search,
        "a jaka pula jest w naborze w Toruniu?",
        topic_hint="kwoty",
        previous=example,
        documents=(example, example_dates, OTHER_POOL),
    )
    assert chosen is search.plain
    # Also searched with what was asked then, never with the example's subject.
    assert len(search.calls) == 2
    shifted_query = search.calls[1][0]
    assert "dostać" in shifted_query
    assert "Inowrocław" not in shifted_query
    assert "pilotaż" not in shifted_query
    # The same follow-up without a town keeps the context.
    search.calls.clear()
    resolve(search, "a jaka pula?", topic_hint="kwoty", previous=example, documents=())
    assert len(search.calls) == 2


def test_naming_the_home_town_changes_place_only_after_another_lgd() -> None:
    """ "a u nas?" after an Inowrocław example asks about Toruń; after an entry of the
    Toruń call, whose wording need not name the town, it stays on that entry's subject."""
    example = make_doc(
        "inowroclaw-kwoty",
        "Ile można było dostać na pilotaż w LGD Inowrocław?",
        ("kwoty pilotażu w Inowrocławiu",),
        scope=Scope.ANALOGIA,
    )
    torun_pool = make_doc(
        "torun-pula", "Jaka jest pula naboru?", ("ile pieniędzy w naborze",), scope=Scope.TORUN
    )
    assert changes_place("a u nas ile?", example)
    assert changes_place("a w Toruniu?", example)
    assert not changes_place("a u nas w fundacji ile?", torun_pool)
    assert not changes_place("a w Toruniu?", torun_pool)
    assert changes_place("a w Grudziądzu?", torun_pool)


INO_OWN = make_doc(
    "ino-wklad",
    "Czy w naborze pilotażowym LGD Inowrocław 2023 trzeba było mieć wkład własny?",
    ("wkład własny w Inowrocławiu",),
    scope=Scope.ANALOGIA,
    call_code="INO/2023",
)
INO_POOL = make_doc(
    "ino-pula",
    "Jaka była pula w naborze pilotażowym LGD Inowrocław 2023?",
    ("pula w Inowrocławiu",),
    scope=Scope.ANALOGIA,
    call_code="INO/2023",
)
TORUN_OWN = make_doc(
    "torun-wklad",
    "Czy w naborze trzeba mieć wkład własny?",
    ("wkład własny w naborze",),
    status=EntryStatus.UNKNOWN,
)
TORUN_POOL = make_doc(
    "torun-pula", "Jaka jest pula naboru?", ("ile pieniędzy w naborze",), status=EntryStatus.UNKNOWN
)
ELSEWHERE = (INO_OWN, INO_POOL, TORUN_OWN, TORUN_POOL)


def test_what_was_asked_is_the_title_less_its_subject_towns_and_years() -> None:
    asked = asked_of(INO_OWN, [INO_POOL])
    assert "wkład własny" in asked
    assert "Inowrocław" not in asked
    assert "2023" not in asked
    assert "pilotażowym" not in asked  # the subject the Inowrocław entries share


def test_a_bare_follow_up_naming_another_town_asks_the_previous_question_there() -> None:
    """ "a u nas w Toruniu?" after Inowrocław's own contribution asks about the Toruń call's
    own contribution (here a known unknown: "nie wiadomo" and the coordinator)."""
    assert answered_in_context(ELSEWHERE, "a u nas w Toruniu?", INO_OWN) == "torun-wklad"


def test_a_follow_up_naming_another_town_answered_as_typed_is_not_searched_again() -> None:
    search = RecordingSearch(
        plain=result(Band.ANSWER, TORUN_POOL, 80.0),
        enriched=result(Band.ANSWER, TORUN_OWN, 90.0),
    )
    chosen = resolve(
        search, "a jaka pula jest w Toruniu?", topic_hint=None, previous=INO_OWN, documents=()
    )
    assert chosen is search.plain
    assert len(search.calls) == 1


def test_a_follow_up_after_another_lgds_example_stays_with_that_lgd() -> None:
    """ "a jak? elektronicznie?" after Inowrocław's dates asks how Inowrocław took
    applications: the Toruń entry its words find alone is not the answer."""
    dates = make_doc(
        "ino-terminy",
        "Kiedy był nabór pilotażowy w LGD Inowrocław?",
        ("terminy naboru w Inowrocławiu",),
        scope=Scope.ANALOGIA,
        call_code="INO/2023",
    )
    how = make_doc(
        "ino-skladanie",
        "Jak składano wnioski w LGD Inowrocław?",
        ("sposób składania wniosków w Inowrocławiu",),
        scope=Scope.ANALOGIA,
        call_code="INO/2023",
    )
    torun_how = make_doc(
        "torun-skladanie",
        "Jak złożyć wniosek, elektronicznie czy na papierze?",
        ("czy wniosek składa się elektronicznie",),
        status=EntryStatus.UNKNOWN,
        scope=Scope.TORUN,
    )
    search = RecordingSearch(
        plain=result(Band.ANSWER, torun_how, 88.0),
        enriched=result(Band.SUGGEST, how, 57.0),
    )
    documents = (dates, how, torun_how)
    chosen = resolve(
        search, "a jak? elektronicznie?", topic_hint=None, previous=dates, documents=documents
    )
    assert chosen is search.enriched
    # A Toruń question after a Toruń answer is unaffected.
    chosen = resolve(
        search, "a jak? elektronicznie?", topic_hint=None, previous=torun_how, documents=documents
    )
    assert chosen is search.plain


def test_a_known_unknown_is_left_out_of_its_follow_ups_context_search() -> None:
    """ "a wkład własny?" after "the project's value is not known yet" asks about something
    else: the previous entry's subject words must not pull the same unknown back."""
    value = make_doc(
        "wartosc",
        "Jaka jest minimalna i maksymalna wartość projektu?",
        ("ile na jeden projekt",),
        status=EntryStatus.UNKNOWN,
        topic="kwoty",
    )
    search = RecordingSearch(
        plain=result(Band.ANSWER, CALL_POOL, 90.0),
        enriched=result(Band.ANSWER, CALL_POOL, 80.0),
    )
    resolve(search, "a wkład własny?", topic_hint=None, previous=value, documents=(value,))
    assert search.calls[1][2] == frozenset({"wartosc"})
