"""Polish retrieval: ranking, bands and the guards that keep the assistant from guessing."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.documents import Band, Document, EntryStatus, Scope, Thresholds
from knowledge_base.retrieval import MAX_QUERY_CHARS, Retriever

THRESHOLDS = Thresholds(answer=78.0, suggest=50.0)


def doc(
    id_: str,
    title: str,
    phrasings: tuple[str, ...],
    keywords: tuple[str, ...] = (),
    *,
    topic: str = "nabor",
    scope: Scope = Scope.TORUN,
    answer: str = "Odpowiedź.",
) -> Document:
    return Document(
        id=id_,
        kind="faq",
        topic=topic,
        scope=scope,
        status=EntryStatus.ANSWERED,
        title=title,
        phrasings=phrasings,
        keywords=keywords,
        answer=answer,
        source="test",
        info_date=date(2023, 5, 9),
    )


DOCS = (
    doc(
        "termin",
        "Do kiedy można składać wnioski w naborze?",
        (
            "kiedy mija termin składania wniosków",
            "jaki jest termin naboru",
            "do kiedy mam czas na złożenie wniosku",
        ),
        ("termin", "do kiedy"),
        topic="terminy",
    ),
    doc(
        "kwota",
        "Ile wynosi dofinansowanie projektu?",
        (
            "ile pieniędzy można dostać na projekt",
            "jaka jest maksymalna kwota dofinansowania",
            "ile wynosi pula naboru",
        ),
        ("kwota", "pula", "dofinansowanie"),
        topic="kwoty",
    ),
    doc(
        "uprawnieni",
        "Kto może złożyć wniosek?",
        (
            "czy osoba fizyczna może złożyć wniosek",
            "czy fundacja może wystartować w naborze",
            "kto jest uprawniony do składania wniosków",
        ),
        ("uprawnieni", "wnioskodawca", "osoba fizyczna"),
        topic="uprawnieni",
    ),
    doc(
        "protest",
        "Jak złożyć protest od wyniku oceny?",
        ("odwołanie od oceny wniosku", "nie zgadzam się z oceną", "ile dni mam na protest"),
        ("protest", "odwołanie"),
        topic="protest",
        scope=Scope.OGOLNE,
    ),
    doc(
        "vat",
        "Czy VAT jest kosztem kwalifikowalnym?",
        ("czy można rozliczyć podatek VAT", "VAT w budżecie projektu", "kwalifikowalność VAT"),
        ("VAT", "podatek"),
        topic="koszty",
        scope=Scope.OGOLNE,
    ),
    doc(
        "zalaczniki",
        "Jakie załączniki trzeba dołączyć do wniosku?",
        ("lista załączników do wniosku", "jakie dokumenty dołączyć", "czy potrzebny jest statut"),
        ("załączniki", "dokumenty", "statut"),
        topic="dokumenty",
    ),
    doc(
        "innowacja",
        "Czym jest innowacja społeczna?",
        ("definicja innowacji społecznej", "co to znaczy innowacyjny projekt", "innowacje"),
        ("innowacja społeczna", "definicja"),
        topic="innowacje",
        scope=Scope.OGOLNE,
    ),
)


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(DOCS, THRESHOLDS)


def best_id(retriever: Retriever, query: str, topic_hint: str | None = None) -> str | None:
    result = retriever.search(query, topic_hint=topic_hint)
    return result.best.document.id if result.best else None


@pytest.mark.parametrize(
    "query",
    [
        "Do kiedy można składać wnioski?",
        "do kiedy mozna skladac wnioski",
        "DO KIEDY MOŻNA SKŁADAĆ WNIOSKI???",
        "do kiedy moge skladac wnioskow",
        "do kiedy mozna skaldac wniosky",
    ],
)
def test_diacritics_case_inflection_and_typos_find_the_same_entry(
    retriever: Retriever, query: str
) -> None:
    result = retriever.search(query)
    assert result.best is not None
    assert result.best.document.id == "termin"
    assert result.band is not Band.DONT_KNOW


def test_close_wording_is_answered(retriever: Retriever) -> None:
    result = retriever.search("Ile wynosi dofinansowanie projektu?")
    assert result.band is Band.ANSWER
    assert best_id(retriever, "Ile wynosi dofinansowanie projektu?") == "kwota"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("czy stowarzyszenie moze zlozyc wniosek", "uprawnieni"),
        ("ile dni na odwolanie od oceny", "protest"),
        ("czy vat jest kwalifikowalny", "vat"),
        ("jakie zalaczniki do wniosku", "zalaczniki"),
        ("co to jest innowacja spoleczna", "innowacja"),
        ("ile kasy mozna dostac", "kwota"),
    ],
)
def test_each_question_ranks_its_entry_first(
    retriever: Retriever, query: str, expected: str
) -> None:
    assert best_id(retriever, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "Jaka będzie jutro pogoda w Toruniu?",
        "przepis na pierogi z kapustą",
        "kto wygrał mecz Polska Niemcy",
        "czy dostanę kredyt hipoteczny na mieszkanie",
    ],
)
def test_off_topic_questions_do_not_get_an_answer(retriever: Retriever, query: str) -> None:
    assert retriever.search(query).band is Band.DONT_KNOW


@pytest.mark.parametrize("query", ["wniosek", "nabór", "wnioski", "nabor wniosek"])
def test_a_query_of_common_words_only_is_not_answered(retriever: Retriever, query: str) -> None:
    result = retriever.search(query)
    assert result.band is not Band.ANSWER
    assert result.best is None or result.best.score < THRESHOLDS.answer


def test_a_question_sharing_only_a_common_word_is_not_answered(retriever: Retriever) -> None:
    result = retriever.search("czy wniosek można wysłać faksem do urzędu skarbowego")
    assert result.band is not Band.ANSWER


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "?!", "czy to jest to"])
def test_empty_or_stop_word_query_is_dont_know_without_candidates(
    retriever: Retriever, query: str
) -> None:
    result = retriever.search(query)
    assert result.band is Band.DONT_KNOW
    assert result.candidates == ()
    assert result.best is None


def test_a_very_long_query_is_truncated_and_still_searched(retriever: Retriever) -> None:
    query = "ile wynosi dofinansowanie projektu " + "bla " * 2000
    result = retriever.search(query)
    assert len(result.query) == MAX_QUERY_CHARS
    assert result.best is not None
    assert result.best.document.id == "kwota"


def test_candidates_are_ranked_unique_and_limited(retriever: Retriever) -> None:
    result = retriever.search("wniosek termin kwota protest", limit=3)
    ids = [c.document.id for c in result.candidates]
    scores = [c.score for c in result.candidates]
    assert len(ids) <= 3
    assert len(set(ids)) == len(ids)
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert retriever.search("wniosek", limit=0).candidates == ()


def test_topic_hint_breaks_a_tie_between_entries() -> None:
    twins = (
        doc(
            "a",
            "Jak złożyć wniosek?",
            ("forma wniosku", "gdzie wysłać wniosek", "wniosek"),
            topic="dokumenty",
        ),
        doc(
            "b",
            "Jak złożyć wniosek?",
            ("forma wniosku", "gdzie wysłać wniosek", "wniosek"),
            topic="protest",
        ),
    )
    retriever = Retriever(twins, THRESHOLDS)
    assert best_id(retriever, "gdzie wysłać wniosek", topic_hint="protest") == "b"
    assert best_id(retriever, "gdzie wysłać wniosek", topic_hint="dokumenty") == "a"
    hinted = retriever.search("gdzie wysłać wniosek", topic_hint="protest")
    plain = retriever.search("gdzie wysłać wniosek")
    assert hinted.best is not None
    assert plain.best is not None
    assert hinted.best.score >= plain.best.score


def test_bands_follow_the_thresholds() -> None:
    query = "jaka jest maksymalna kwota"
    strict = Retriever(DOCS, Thresholds(answer=99.5, suggest=99.0)).search(query)
    middle = Retriever(DOCS, Thresholds(answer=99.5, suggest=1.0)).search(query)
    lenient = Retriever(DOCS, Thresholds(answer=1.0, suggest=0.5)).search(query)
    assert strict.best is not None
    assert strict.best.score < 99.0
    assert strict.band is Band.DONT_KNOW
    assert middle.band is Band.SUGGEST
    assert lenient.band is Band.ANSWER


def test_band_of_uses_inclusive_cut_offs(retriever: Retriever) -> None:
    assert retriever.band_of(THRESHOLDS.answer) is Band.ANSWER
    assert retriever.band_of(THRESHOLDS.answer - 0.01) is Band.SUGGEST
    assert retriever.band_of(THRESHOLDS.suggest) is Band.SUGGEST
    assert retriever.band_of(THRESHOLDS.suggest - 0.01) is Band.DONT_KNOW


def test_example_from_another_lgd_yields_to_the_torun_entry() -> None:
    documents = (
        doc(
            "torun-termin",
            "Jaki jest termin naboru?",
            ("do kiedy nabór", "termin wniosków", "kiedy koniec naboru"),
        ),
        doc(
            "inny-termin",
            "Jaki był termin naboru w LGD Inowrocław?",
            ("do kiedy nabór", "termin wniosków w Inowrocławiu", "kiedy koniec naboru inowrocław"),
            scope=Scope.ANALOGIA,
        ),
    )
    retriever = Retriever(documents, THRESHOLDS)
    assert best_id(retriever, "do kiedy nabór wniosków") == "torun-termin"
    assert best_id(retriever, "do kiedy nabór wniosków w inowrocławiu") == "inny-termin"


def test_known_unknown_entries_are_found_like_any_other() -> None:
    unknown = Document(
        id="pula",
        kind="faq",
        topic="kwoty",
        scope=Scope.TORUN,
        status=EntryStatus.UNKNOWN,
        title="Jaka jest pula naboru?",
        phrasings=("ile pieniędzy jest w naborze", "pula środków", "kwota puli"),
        keywords=("pula",),
        answer="Tego jeszcze nie wiemy.",
        source="test",
        info_date=date(2023, 5, 9),
    )
    result = Retriever((*DOCS[:1], unknown), THRESHOLDS).search("jaka jest pula naboru")
    assert result.best is not None
    assert result.best.document.is_unknown


def test_an_index_of_ten_thousand_entries_builds_and_answers() -> None:
    filler = tuple(
        doc(
            f"filler-{n}",
            f"temat{n % 997} sprawa{n % 101} numer{n}",
            (f"pytanie{n % 503} o temat{n % 997}", f"kwestia{n % 89} numer{n}", f"x{n}"),
            (f"slowo{n % 211}",),
        )
        for n in range(10_000 - len(DOCS))
    )
    retriever = Retriever((*DOCS, *filler), THRESHOLDS)
    assert len(retriever) == 10_000
    assert best_id(retriever, "do kiedy mozna skladac wnioski") == "termin"
    assert best_id(retriever, "pytanie17 o temat17") is not None
    assert retriever.search("przepis na pierogi").band is Band.DONT_KNOW
