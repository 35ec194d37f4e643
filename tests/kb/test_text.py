"""Polish normalisation: the forms a user may type reduce to the keys the base is indexed by."""

from __future__ import annotations

import pytest

from knowledge_base.text import (
    QUESTION_WORDS,
    normalize,
    restore_diacritics,
    strip_diacritics,
    surface_tokens,
    tokens,
)


def test_strip_diacritics_covers_every_polish_letter() -> None:
    assert strip_diacritics("zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ") == "zazolc gesla jazn ACELNOSZZ"


def test_normalize_lowercases_drops_punctuation_and_joins_thousands() -> None:
    assert normalize("Pula: 650 000 zł, grant do 50.000 zł (1,3 mln €)!") == (
        "pula 650000 zl grant do 50000 zl 1.3 mln"
    )


@pytest.mark.parametrize(
    "form", ["wniosek", "wnioski", "wniosków", "wnioskow", "wniosku", "Wnioskami", "WNIOSEK"]
)
def test_inflected_and_diacritic_less_forms_share_one_key(form: str) -> None:
    assert tokens(form) == ("wniosek",)


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("Kiedy mogę złożyć wniosek?", "kiedy moge zlozyc wniosek"),
        ("Ile wynosi wkład własny?", "ile wynosi wklad wlasny"),
        ("Jakie są źródła finansowania?", "jakie sa zrodla finansowania"),
        ("organizacje pozarządowe", "organizacje pozarzadowe"),
        ("społecznych innowacji", "spolecznych innowacji"),
    ],
)
def test_text_without_diacritics_gives_the_same_keys(written: str, plain: str) -> None:
    assert tokens(plain) == tokens(written)


def test_verb_and_its_noun_meet() -> None:
    assert tokens("składać") == tokens("składanie") == tokens("skladania")
    assert tokens("dofinansować") == tokens("dofinansowania")


def test_aspect_pairs_and_grant_synonyms_meet() -> None:
    assert tokens("złożyć") == tokens("składać")
    assert tokens("konkurs") == tokens("nabór")


def test_stop_words_go_and_question_words_stay() -> None:
    keys = tokens("Czy to jest tak, że kiedy ile kto gdzie jak?")
    assert keys == ("kiedy", "ile", "kto", "gdzie", "jak")
    assert set(keys) <= QUESTION_WORDS


def test_inflected_question_words_keep_their_meaning() -> None:
    assert tokens("komu") == ("kto",)
    assert tokens("ilu") == ("ile",)


def test_a_word_known_only_as_a_place_name_is_read_as_the_common_word() -> None:
    # "kosztow" is also a form of the village Kosztowo; the user means "kosztów".
    assert tokens("kosztow") == tokens("kosztów") == tokens("koszt")


def test_restore_diacritics_finds_the_dictionary_form() -> None:
    assert restore_diacritics("wnioskow") == "wniosków"
    assert restore_diacritics("wniosków") is None
    assert restore_diacritics("qqqqzzz") is None


def test_numbers_are_kept_as_keys() -> None:
    assert tokens("nabór 2023, grant 50 000 zł") == ("nabor", "2023", "grant", "50000", "zlot")


def test_empty_and_punctuation_only_text_has_no_keys() -> None:
    assert tokens("") == ()
    assert tokens("  ?!… — ") == ()
    assert normalize("") == ""


def test_surface_tokens_keep_the_written_spelling_beside_the_lemma() -> None:
    pairs = surface_tokens("kryteria oceny")
    assert [key for key, _ in pairs] == list(tokens("kryteria oceny"))
    assert pairs[0][1] == "kryteri"


def test_until_when_and_since_when_get_keys_of_their_own() -> None:
    deadline = tokens("Do kiedy można składać wnioski?")
    start = tokens("od kiedy działa LGD")
    assert deadline[:2] == ("dokiedy", "kiedy")
    assert start[:2] == ("odkiedy", "kiedy")
    assert {"dokiedy", "odkiedy"} <= QUESTION_WORDS
    assert "dokiedy" not in tokens("kiedy mija termin")
    assert tokens("do kiedy") == tokens("DO KIEDY?")


def test_sometime_is_a_stop_word_and_other_is_not() -> None:
    # "kiedyś" would otherwise be read as a typo of "kiedy"; "inne LGD" names examples.
    assert tokens("lgd już kiedyś finansowała") == tokens("lgd finansowała")
    assert tokens("nabory w innych lgd") == ("nabor", "inn", "lgd")
    assert tokens("inne") == tokens("innej") == ("inn",)


@pytest.mark.parametrize(
    ("colloquial", "written"),
    [
        ("fb", "facebook"),
        ("na fejsie", "na Facebooku"),
        ("tel", "telefon"),
        ("mejl", "mail"),
        ("wideo", "nagranie"),
        ("siedziba", "biuro"),
        ("hajs", "pieniądze"),
        ("pln", "zł"),
    ],
)
def test_colloquial_and_short_forms_share_the_key_of_the_written_word(
    colloquial: str, written: str
) -> None:
    assert tokens(colloquial) == tokens(written)


@pytest.mark.parametrize(
    "name", ["Lokalna Grupa Działania", "lokalnej grupy dzialania", "LOKALNĄ GRUPĘ DZIAŁANIA"]
)
def test_a_multi_word_name_is_keyed_as_its_abbreviation(name: str) -> None:
    assert tokens(f"nabór {name} w Toruniu") == tokens("nabór LGD w Toruniu")
    assert normalize(name) != "lgd"  # only the keys change, not the text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("od którego dnia można składać wnioski", ("odkiedy", "kiedy")),
        ("od ktorego dnia mozna skladac", ("odkiedy", "kiedy")),
        ("do jakiego terminu trwa nabór", ("dokiedy", "kiedy")),
        ("Do którego dnia?", ("dokiedy", "kiedy")),
        ("na jaką kwotę mogę złożyć wniosek", ("ile",)),
        ("na jaka sume moge pisac", ("ile",)),
    ],
)
def test_question_frames_read_as_question_words(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text)[: len(expected)] == expected


def test_a_plain_day_or_sum_is_not_a_question_frame() -> None:
    assert "dokiedy" not in tokens("do dnia dzisiejszego nic nie wiemy")
    assert "ile" not in tokens("kwota grantu")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a gdzie maja biuro?", ("gdzie", "biur")),
        ("co maja zrobic uczestnicy", ("zrob", "uczestnik")),
        ("spotkanie 9 maja", ("spotk", "9", "maj")),
        ("do maja", ("maj",)),
        ("w polowie maja", ("polow", "maj")),
        ("do polowy maja", ("pol", "maj")),
        ("spotkanie w maju", ("spotk", "maj")),
    ],
)
def test_maja_without_diacritics_is_the_month_only_after_a_day_or_time_preposition(
    text: str, expected: tuple[str, ...]
) -> None:
    """ "maja" is both "of May" and "mają" (they have) typed without diacritics."""
    assert tokens(text) == expected


def test_chat_fillers_say_nothing_about_the_topic() -> None:
    assert tokens("czemu właściwie służy strategia") == tokens("czemu służy strategia")
    assert tokens("ok, spoko, a ile serio można dostać") == ("ile", *tokens("dostać"))


def test_an_opener_is_dropped_only_at_the_start_of_a_message() -> None:
    """ "Dobra, to…" opens a message; "dobra wspólnego" is a word of the content."""
    assert tokens("dobra, to z jakiego programu jest nabór") == tokens("z jakiego programu nabór")
    assert "dobr" in tokens("organizacje na rzecz dobra wspólnego")


def test_a_day_is_a_key_and_the_greeting_is_not() -> None:
    """ "ile dni mam na protest" asks about days; "dzień dobry" only says hello."""
    assert tokens("ile dni mam na protest") == ("ile", "dzien", "protest")
    assert tokens("Dzień dobry, ile mam na protest") == ("ile", "protest")
    assert tokens("dzien dobry") == ()


def test_hearsay_and_sameness_frame_a_question_without_a_topic() -> None:
    assert tokens("słyszałam o NOWEFIO") == tokens("NOWEFIO")
    assert tokens("w tym samym naborze") == ("nabor",)


def test_apologies_and_never_are_stop_words() -> None:
    assert tokens("sorry, chodziło mi o Inowrocław") == tokens("chodziło mi o Inowrocław")
    assert tokens("opowiedz o etapach innowacji") == tokens("etapy innowacji")
    assert tokens("czego LGD nigdy nie finansowała") == tokens("czego LGD nie finansowała")


@pytest.mark.parametrize(
    ("colloquial", "plain"),
    [("LGD kiedyś wspierała", "LGD kiedyś finansowała"), ("ile wyciągnąć", "ile dostać")],
)
def test_grant_slang_meets_the_plain_word(colloquial: str, plain: str) -> None:
    assert tokens(colloquial) == tokens(plain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nabór RPKP.11.01.00-04-0001/22?", ("nabor", "rpkp11010004000122")),
        ("konkurs 1/G/2018", ("nabor", "1g2018", "2018")),  # the year stays a key
        ("nabór 1/P1/2022/Ino.", ("nabor", "1p12022ino", "2022")),
        ("w latach 2021-2027", ("rok", "2021", "2027")),  # a period is no code
        ("30-50 tys", ("30", "50", "tys")),
    ],
)
def test_a_call_code_is_one_key(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


def test_allocation_is_the_pool() -> None:
    assert tokens("jaka jest alokacja") == tokens("jaka jest pula")
