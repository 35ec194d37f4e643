"""Polish retrieval: ranking, bands and the guards that keep the assistant from guessing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from knowledge_base import retrieval
from knowledge_base.documents import Band, Document, EntryStatus, Scope, Thresholds
from knowledge_base.retrieval import MAX_QUERY_CHARS, Retriever, decide_band
from tests.support.documents import doc

THRESHOLDS = Thresholds(answer=78.0, suggest=50.0, confident=60.0, margin=10.0, tie=1.5)
# Only the score bands: no margin rule, no near-tie rule.
SCORE_ONLY = Thresholds(answer=78.0, suggest=50.0, confident=78.0, margin=0.0, tie=0.0)


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
    # Ordered by coverage and the phrasing model together (retrieval._MODEL_WEIGHT).
    blended = [c.score + 20.0 * c.model for c in result.candidates]
    assert len(ids) <= 3
    assert len(set(ids)) == len(ids)
    assert blended == sorted(blended, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert all(0.0 <= c.model <= 1.0 for c in result.candidates)
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

    def band(**cut_offs: float) -> Band:
        return Retriever(DOCS, Thresholds(**cut_offs)).search(query).band

    strict = Retriever(DOCS, Thresholds(answer=99.5, suggest=99.0, confident=99.5))
    best = strict.search(query).best
    assert best is not None
    assert best.score < 99.0
    assert band(answer=99.5, suggest=99.0, confident=99.5) is Band.DONT_KNOW
    assert band(answer=99.5, suggest=1.0, confident=99.5) is Band.SUGGEST
    assert band(answer=1.0, suggest=0.5, confident=1.0, margin=0.0, tie=0.0) is Band.ANSWER
    # The margin rule alone answers it (it leads the other entries by far) ...
    assert band(answer=99.5, suggest=1.0, confident=1.0, margin=10.0) is Band.ANSWER
    # ... unless the lead asked for is larger than the one it has.
    assert band(answer=99.5, suggest=1.0, confident=1.0, margin=99.0) is Band.SUGGEST


def test_band_of_uses_inclusive_cut_offs(retriever: Retriever) -> None:
    t = THRESHOLDS
    assert retriever.band_of(t.answer, t.tie) is Band.ANSWER
    assert retriever.band_of(t.answer - 0.01, t.margin - 0.01) is Band.SUGGEST
    assert retriever.band_of(t.confident, t.margin) is Band.ANSWER
    assert retriever.band_of(t.confident - 0.01, 100.0) is Band.SUGGEST
    assert retriever.band_of(t.suggest, 100.0) is Band.SUGGEST
    assert retriever.band_of(t.suggest - 0.01, 100.0) is Band.DONT_KNOW


@pytest.mark.parametrize(
    ("best", "lead", "generic", "band"),
    [
        (100.0, 50.0, False, Band.ANSWER),  # a clear winner
        (80.0, 1.5, False, Band.ANSWER),  # above `answer`, lead >= `tie`
        (80.0, 1.49, False, Band.SUGGEST),  # near-equal candidates: the user picks
        (100.0, 0.0, False, Band.SUGGEST),  # two perfect matches: the user picks
        (65.0, 10.0, False, Band.ANSWER),  # confident, with the margin
        (65.0, 9.99, False, Band.SUGGEST),  # confident, without the margin
        (59.99, 40.0, False, Band.SUGGEST),  # below `confident`: no lead is enough
        (49.99, 40.0, False, Band.DONT_KNOW),
        (100.0, 50.0, True, Band.SUGGEST),  # common words only: never answered
        (49.99, 50.0, True, Band.DONT_KNOW),
    ],
)
def test_margin_rule(best: float, lead: float, generic: bool, band: Band) -> None:
    assert decide_band(THRESHOLDS, best, lead, generic=generic) is band


@pytest.mark.parametrize(
    ("best", "lead", "generic", "band"),
    [
        (55.0, 2.0, False, Band.ANSWER),  # a leading known unknown: said honestly
        (50.0, 40.0, False, Band.ANSWER),  # from `suggest` on
        (49.99, 40.0, False, Band.DONT_KNOW),  # below `suggest`: "nie wiem"
        (90.0, 1.49, False, Band.SUGGEST),  # near-equal candidates: the user picks
        (90.0, 40.0, True, Band.SUGGEST),  # common words only: a topic, not a question
    ],
)
def test_a_known_unknown_is_given_from_the_suggest_cut_off(
    best: float, lead: float, generic: bool, band: Band
) -> None:
    assert decide_band(THRESHOLDS, best, lead, generic=generic, unknown=True) is band


def test_default_thresholds_keep_their_order() -> None:
    t = Thresholds()
    assert t.suggest <= t.confident <= t.answer
    assert 0.0 <= t.tie <= t.margin


SIBLINGS = (
    doc(
        "k2018-terminy",
        "Kiedy był konkurs grantowy 1/G/2018?",
        ("terminy konkursu 1/G/2018", "od kiedy do kiedy trwał konkurs 2018", "daty naboru 2018"),
        ("1/G/2018", "termin"),
        topic="terminy",
        call_code="1/G/2018",
    ),
    doc(
        "k2018-kwoty",
        "Jaka była pula konkursu grantowego 1/G/2018?",
        ("pula konkursu 1/G/2018", "ile pieniędzy było w konkursie 2018", "wysokość grantu 2018"),
        ("1/G/2018", "pula"),
        topic="kwoty",
        call_code="1/G/2018",
    ),
    doc(
        "inny",
        "Jak złożyć protest od wyniku oceny?",
        ("odwołanie od oceny wniosku", "ile dni mam na protest", "gdzie złożyć protest"),
        ("protest",),
        topic="protest",
    ),
)


def test_siblings_that_the_query_does_not_tell_apart_are_suggested() -> None:
    retriever = Retriever(SIBLINGS, THRESHOLDS)
    ranking = retriever.rank("konkurs grantowy 1/G/2018")
    assert {c.document.id for c in ranking.candidates[:2]} == {"k2018-terminy", "k2018-kwoty"}
    assert ranking.lead < THRESHOLDS.margin
    assert retriever.search("konkurs grantowy 1/G/2018").band is Band.SUGGEST


def test_the_distinguishing_word_picks_the_sibling() -> None:
    retriever = Retriever(SIBLINGS, THRESHOLDS)
    assert best_id(retriever, "kiedy był konkurs 1/G/2018") == "k2018-terminy"
    assert best_id(retriever, "jaka była pula w 1/G/2018") == "k2018-kwoty"


@pytest.mark.parametrize(
    ("hint", "expected"), [("terminy", "k2018-terminy"), ("kwoty", "k2018-kwoty")]
)
def test_topic_hint_breaks_a_tie_between_siblings(hint: str, expected: str) -> None:
    # ask_deadline -> "terminy", ask_amount -> "kwoty": the NLU intent says which sibling.
    retriever = Retriever(SIBLINGS, THRESHOLDS)
    plain = retriever.rank("konkurs grantowy 1/G/2018")
    hinted = retriever.rank("konkurs grantowy 1/G/2018", topic_hint=hint)
    assert hinted.candidates[0].document.id == expected
    assert hinted.candidates[1].document.id != expected
    assert hinted.lead > plain.lead or plain.candidates[0].document.id != expected
    assert hinted.lead >= THRESHOLDS.tie
    # Both score above `answer`: without the hint the user picks, with it the answer comes.
    assert plain.best >= THRESHOLDS.answer
    assert retriever.search("konkurs grantowy 1/G/2018").band is Band.SUGGEST
    assert retriever.search("konkurs grantowy 1/G/2018", topic_hint=hint).band is Band.ANSWER


def test_the_lead_is_over_the_second_entry_even_when_only_one_is_returned() -> None:
    retriever = Retriever(SIBLINGS, THRESHOLDS)
    full = retriever.rank("konkurs grantowy 1/G/2018", limit=3)
    one = retriever.rank("konkurs grantowy 1/G/2018", limit=1)
    assert len(one.candidates) == 1
    assert one.lead == full.lead == round(full.candidates[0].score - full.candidates[1].score, 2)
    assert retriever.search("konkurs grantowy 1/G/2018", limit=1).band is Band.SUGGEST


@pytest.mark.parametrize("query", ["wniosek", "nabór", "nabor wniosek", "kiedy wniosek"])
def test_common_words_are_never_answered_even_by_a_wide_margin(query: str) -> None:
    lenient = Thresholds(answer=1.0, suggest=0.5, confident=0.5, margin=0.0, tie=0.0)
    ranking = Retriever(DOCS, lenient).rank(query)
    assert ranking.generic
    assert Retriever(DOCS, lenient).search(query).band is Band.SUGGEST


def test_a_specific_question_of_common_words_is_not_generic(retriever: Retriever) -> None:
    # Three known keys besides the question word make a question, not a topic.
    assert not retriever.rank("kto może złożyć wniosek w naborze").generic


@pytest.mark.parametrize("query", ["do kiedy nabór?", "od kiedy wnioski w naborze"])
def test_until_or_since_when_makes_common_words_a_question(query: str) -> None:
    """ "do kiedy" asks for a date, so "do kiedy nabór?" is answered, unlike "kiedy nabór"."""
    assert not Retriever(DOCS, THRESHOLDS).rank(query).generic
    assert Retriever(DOCS, THRESHOLDS).rank("kiedy wniosek").generic


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


TORUN_CLUBS = doc(
    "torun-kluby",
    "Na jakie działania będą granty w strategii LGD?",
    ("na co będą granty", "kluby młodzieżowe i kluby seniora", "tematy grantów"),
    ("kluby seniora", "kluby młodzieżowe"),
)
TOWNS = (
    TORUN_CLUBS,
    doc(
        "grudziadz-uprawnieni",
        "Kto mógł składać wnioski w LGD Grudziądz?",
        ("wnioskodawcy w Grudziądzu", "kto składał wnioski w grudziądzkiej LGD"),
        scope=Scope.ANALOGIA,
    ),
)


def test_a_question_about_another_lgd_costs_the_torun_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Using a word that only another LGD's example contains ("inna LGD") asks about that
    LGD: a Toruń fact still may answer, but loses what an example loses when Toruń is
    asked about."""
    documents = (
        TORUN_CLUBS,
        doc(
            "inny-uprawnieni",
            "Kto mógł składać wnioski w innej LGD?",
            ("wnioskodawcy w innej LGD", "kto składał wnioski w innych LGD"),
            scope=Scope.ANALOGIA,
        ),
    )
    query = "czy będą granty na kluby seniora w innej lgd"
    penalised = Retriever(documents, SCORE_ONLY).search(query).best
    monkeypatch.setattr(retrieval, "_ANALOGIA_PENALTY", 0.0)
    unpenalised = Retriever(documents, SCORE_ONLY).search(query).best
    assert penalised is not None
    assert unpenalised is not None
    assert penalised.document.id == unpenalised.document.id == "torun-kluby"
    assert penalised.score == pytest.approx(unpenalised.score - 8.0, abs=0.01)
    # Without the other LGD the Toruń entry is not penalised.
    here = Retriever(documents, SCORE_ONLY).search("czy będą granty na kluby seniora").best
    assert here is not None
    assert here.score > penalised.score


@pytest.mark.parametrize(
    "query",
    [
        "czy będą granty na kluby seniora w grudziądzu",
        "czy LGD w Koninie ma granty na kluby seniora",
        "kluby seniora w Chełmnie, są granty?",
    ],
)
def test_a_question_naming_another_town_is_not_answered_by_torun_entries(query: str) -> None:
    """The user asks about another town's LGD: what Toruń does is no answer to that."""
    ranking = Retriever(TOWNS, SCORE_ONLY).rank(query)
    assert "torun-kluby" not in {c.document.id for c in ranking.candidates}


def test_a_question_naming_the_town_of_an_example_can_be_answered_by_it() -> None:
    best = Retriever(TOWNS, SCORE_ONLY).search("kto mógł składać wnioski w Grudziądzu").best
    assert best is not None
    assert best.document.id == "grudziadz-uprawnieni"


def test_a_question_naming_torun_is_not_answered_by_an_example_from_another_lgd() -> None:
    documents = (
        doc("torun-termin", "Jaki jest termin naboru?", ("do kiedy nabór", "termin naboru")),
        doc(
            "inny-sposob",
            "Jak składano wnioski w LGD Inowrocław?",
            ("jak złożyć wniosek w naborze pilotażowym", "sposób składania wniosków"),
            scope=Scope.ANALOGIA,
        ),
    )
    retriever = Retriever(documents, SCORE_ONLY)
    anywhere = retriever.rank("jak złożyć wniosek w naborze pilotażowym")
    assert anywhere.candidates[0].document.id == "inny-sposob"
    in_torun = retriever.rank("jak złożyć wniosek w naborze pilotażowym LGD Toruń")
    assert "inny-sposob" not in {c.document.id for c in in_torun.candidates}


@pytest.mark.parametrize(
    "query",
    [
        "jak złożyć wniosek w naborze pilotażowym w Toruniu, tak jak w Inowrocławiu?",
        "w Inowrocławiu składało się przez generator, a jak złożyć wniosek u nas?",
    ],
)
def test_a_question_comparing_torun_with_another_town_asks_about_torun(query: str) -> None:
    """Another town named for comparison does not turn a Toruń question into one about
    that town: the example from there is no answer, the Toruń entries stay in."""
    documents = (
        doc("torun-sposob", "Jak złożyć wniosek?", ("sposób składania wniosków",)),
        doc(
            "inny-sposob",
            "Jak składano wnioski w LGD Inowrocław?",
            ("jak złożyć wniosek w naborze pilotażowym w Inowrocławiu",),
            scope=Scope.ANALOGIA,
        ),
    )
    ranking = Retriever(documents, SCORE_ONLY).rank(query)
    assert [c.document.id for c in ranking.candidates] == ["torun-sposob"]


def test_siblings_told_apart_by_their_phrasings_lead_with_the_model() -> None:
    """Two siblings share the question's words, but only one is asked about with them:
    the phrasing model widens the lead that the coverage score alone leaves narrow."""
    documents = (
        doc(
            "spotkanie-eksperci",
            "Kto był ekspertem na spotkaniu?",
            ("kto mówił na spotkaniu", "jacy eksperci byli", "kto występował na spotkaniu"),
        ),
        doc(
            "spotkanie-program",
            "Jaki był program spotkania?",
            ("co było na spotkaniu", "plan spotkania", "agenda spotkania"),
        ),
    )
    query = "czy na spotkaniu mówił ktoś z fundacji"
    with_model = Retriever(documents, SCORE_ONLY).rank(query)
    assert with_model.candidates[0].document.id == "spotkanie-eksperci"
    assert with_model.candidates[0].model > 0.5


# A known unknown ([BRAK]): the base knows it does not know the pool.
UNKNOWN_POOL = Document(
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


def test_known_unknown_entries_are_found_like_any_other() -> None:
    unknown = UNKNOWN_POOL
    result = Retriever((*DOCS[:1], unknown), THRESHOLDS).search("jaka jest pula naboru")
    assert result.best is not None
    assert result.best.document.is_unknown


def test_a_leading_known_unknown_below_the_answer_cut_offs_is_given() -> None:
    unknown = UNKNOWN_POOL
    strict = Thresholds(answer=100.0, suggest=20.0, confident=100.0, margin=50.0, tie=1.5)
    retriever = Retriever((*DOCS, unknown), strict)
    result = retriever.search("pula środków w naborze na kluby seniora")
    assert result.best is not None
    assert result.best.document.id == "pula"
    assert result.best.score < strict.confident
    assert result.band is Band.ANSWER
    # An answered entry with the same score and lead is only suggested.
    assert retriever.band_of(result.best.score, result.lead) is Band.SUGGEST


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


def test_an_excluded_entry_is_neither_a_candidate_nor_a_rival() -> None:
    # A follow-up searched with the previous answer's title asks for something else.
    retriever = Retriever(SIBLINGS, THRESHOLDS)
    result = retriever.search("konkurs grantowy 1/G/2018", exclude={"k2018-kwoty"})
    assert [c.document.id for c in result.candidates][:1] == ["k2018-terminy"]
    assert "k2018-kwoty" not in {c.document.id for c in result.candidates}
    assert result.band is Band.ANSWER


def test_two_near_equal_known_unknowns_are_answered_as_not_known() -> None:
    """Whichever of two unknown facts of one call was meant, "not known yet" is the answer."""
    unknown: dict[str, Any] = {"topic": "terminy", "status": EntryStatus.UNKNOWN}
    documents = (
        doc("termin", "Do kiedy trwa nabór?", ("do kiedy nabór", "termin naboru"), **unknown),
        doc("czas", "Jak długo trwa projekt?", ("ile trwa projekt", "czas realizacji"), **unknown),
    )
    ranking = Retriever(documents, THRESHOLDS).rank("do kiedy trwa")
    assert ranking.runner_up_unknown
    assert decide_band(THRESHOLDS, 60.0, 0.5, generic=False, unknown=True) is Band.SUGGEST
    assert (
        decide_band(THRESHOLDS, 60.0, 0.5, generic=False, unknown=True, runner_up_unknown=True)
        is Band.ANSWER
    )
    # Below the suggest threshold nothing is answered, known unknown or not.
    assert (
        decide_band(THRESHOLDS, 40.0, 0.5, generic=False, unknown=True, runner_up_unknown=True)
        is Band.DONT_KNOW
    )


def test_a_town_the_base_never_names_weighs_as_little_as_the_home_town() -> None:
    """ "fundacja z Bydgoszczy" says where the applicant is from; the question is about
    the Toruń call, and an unseen town is no subject the base lacks."""
    documents = (
        doc(
            "uprawnieni",
            "Kto może złożyć wniosek w naborze w Toruniu?",
            ("czy fundacja może startować",),
        ),
        doc("termin", "Do kiedy trwa nabór?", ("termin naboru",)),
    )
    retriever = Retriever(documents, SCORE_ONLY)
    with_origin = retriever.rank("jesteśmy fundacją z Bydgoszczy, czy możemy startować w Toruniu?")
    with_unseen = retriever.rank("jesteśmy fundacją z Xqzwyk, czy możemy startować w Toruniu?")
    assert with_origin.candidates[0].document.id == "uprawnieni"
    assert with_origin.best > with_unseen.best + 10.0


def test_a_question_word_only_one_sibling_knows_breaks_a_lexical_tie(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The place and the programme of one meeting share every word but "gdzie": however
    close their lexical scores, "gdzie było spotkanie?" asks for the place."""
    documents = (
        doc(
            "spotkanie-miejsce",
            "Gdzie i kiedy było spotkanie 9 maja 2023?",
            ("gdzie było spotkanie", "miejsce spotkania"),
            topic="wydarzenia",
        ),
        doc(
            "spotkanie-program",
            "Jaki był program spotkania 9 maja 2023?",
            ("program spotkania 9 maja", "co było na spotkaniu w maju 2023"),
            topic="wydarzenia",
        ),
    )
    monkeypatch.setattr(retrieval, "_LEXICAL_TIE", 100.0)  # every pair ties lexically
    retriever = Retriever(documents, THRESHOLDS)
    asked_where = retriever.rank("gdzie było to spotkanie 9 maja 2023?")
    assert asked_where.candidates[0].document.id == "spotkanie-miejsce"
    scores = [c.score for c in asked_where.candidates]
    assert asked_where.lead > abs(scores[0] - scores[1])
    # Without the question word the tie holds: the lead is the lexical difference.
    plain = retriever.rank("spotkanie 9 maja 2023 w PERS")
    scores = [c.score for c in plain.candidates]
    assert plain.lead == pytest.approx(abs(scores[0] - scores[1]), abs=0.01)
