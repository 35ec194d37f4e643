"""The content file format: what is accepted, and how every problem is reported to staff."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from knowledge_base.content_format import (
    ContentError,
    dump_yaml,
    load_file,
    load_files,
    reference_problems,
)
from knowledge_base.documents import EntryStatus, Scope

WARSAW = ZoneInfo("Europe/Warsaw")

FAQ_OK = """\
faq:
  - id: torun-termin
    topic: terminy
    scope: torun
    status: answered
    question: Do kiedy?
    phrasings: [termin, do kiedy, kiedy koniec]
    answer: Do piątku.
    source: ogłoszenie
    info_date: 2023-05-09
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(*paths: Path, known: set[str] | None = None) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_files(paths, known_call_codes=known)
    return str(caught.value).splitlines()


def test_fixture_files_load(fixture_files: list[Path]) -> None:
    bundle = load_files(fixture_files)
    assert [c.code for c in bundle.calls] == ["RPKP.11.01.00-04-0001/22", "1/G/2018"]
    assert len(bundle.faq) == 5
    assert len(bundle.guidance) == 1
    grant = bundle.calls[1]
    assert grant.closes_at == datetime(2018, 10, 1, 15, 0, tzinfo=WARSAW)
    assert grant.max_amount_pln == Decimal("50000.5")
    entry = bundle.faq[0]
    assert (entry.scope, entry.status) == (Scope.TORUN, EntryStatus.UNKNOWN)
    origin = bundle.origin("faq", "torun-nabor-numer")
    assert origin is not None
    assert (origin.file, origin.line) == ("faq.yml", 16)


def test_csv_rows_split_list_columns(data_dir: Path) -> None:
    bundle = load_file(data_dir / "faq.csv")
    vat = bundle.faq[0]
    assert vat.phrasings == ("czy vat kwalifikowalny", "vat w projekcie", "czy mozna wliczyc vat")
    assert vat.keywords == ("vat", "koszty")
    assert vat.call is None


def test_csv_with_semicolons_and_bom_from_excel(tmp_path: Path) -> None:
    text = (
        "\ufeffid;topic;scope;status;question;phrasings;answer;source;info_date\n"
        "a-b;nabor;torun;answered;Co?;x|y|z;Tak.;src;2023-01-01\n"
    )
    bundle = load_file(write(tmp_path, "excel.csv", text))
    assert bundle.faq[0].id == "a-b"


def test_datetime_without_offset_is_warsaw_time(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yml",
        "calls:\n  - code: X\n    name: n\n    closes_at: 2023-01-10T15:00\n"
        "    source: s\n    info_date: 2023-01-01\n",
    )
    assert load_file(path).calls[0].closes_at == datetime(2023, 1, 10, 15, tzinfo=WARSAW)


def test_missing_answer_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "plik.yml", FAQ_OK.replace("    answer: Do piątku.\n", ""))
    assert problems_of(path) == ["plik.yml:2: answer: brak odpowiedzi"]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = FAQ_OK.replace("topic: terminy", "topic: pogoda").replace(
        "info_date: 2023-05-09", "info_date: 2023-02-30\n    colour: red"
    )
    text = text.replace("phrasings: [termin, do kiedy, kiedy koniec]", "phrasings: [termin]")
    assert problems_of(write(tmp_path, "f.yml", text)) == [
        "f.yml:3: topic: niedozwolona wartość „pogoda” — dozwolone: 'nabor', 'terminy', "
        "'kwoty', 'uprawnieni', 'dokumenty', 'ocena', 'protest', 'koszty', 'innowacje', "
        "'lgd', 'kontakt', 'wydarzenia' lub 'programy'",
        "f.yml:7: phrasings: za mało pozycji: 1, potrzeba co najmniej 3",
        "f.yml:10: info_date: nieprawidłowa data „2023-02-30” — podaj RRRR-MM-DD, np. 2023-05-09",
        "f.yml:11: colour: nieznane pole",
    ]


def test_bad_yaml_says_where(tmp_path: Path) -> None:
    path = write(tmp_path, "zly.yml", "faq:\n  - id: a\n   topic: x\n")
    [problem] = problems_of(path)
    assert problem.startswith("zly.yml:3: błąd składni YAML")


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text = "faq:\n  - &a\n    id: x\n  - *a\n"
    assert problems_of(write(tmp_path, "alias.yml", text)) == [
        "alias.yml:4: błąd składni YAML: odwołania (*alias) nie są obsługiwane"
    ]


def test_wrong_amount_and_date_order(tmp_path: Path) -> None:
    text = (
        "calls:\n"
        "  - code: X\n"
        "    name: n\n"
        "    opens_at: 2023-05-01T10:00:00+02:00\n"
        "    closes_at: 2023-04-01T10:00:00+02:00\n"
        "    pool_pln: 650 000 zł\n"
        "    source: s\n"
        "    info_date: 2023-01-01\n"
    )
    assert problems_of(write(tmp_path, "c.yml", text)) == [
        "c.yml:6: pool_pln: oczekiwano kwoty jako liczby (bez spacji i „zł”), "
        "np. 650000 lub 1234.50",
    ]
    text = text.replace("650 000 zł", "650000")
    assert problems_of(write(tmp_path, "c.yml", text)) == [
        "c.yml:5: closes_at: koniec naboru musi być później niż opens_at",
    ]


def test_date_only_where_a_time_is_needed(tmp_path: Path) -> None:
    text = "calls:\n  - code: X\n    name: n\n    closes_at: 2023-05-01\n    source: s\n"
    assert problems_of(write(tmp_path, "c.yml", text)) == [
        "c.yml:2: info_date: brak daty informacji",
        "c.yml:4: closes_at: nieprawidłowa data i godzina „2023-05-01” — "
        "podaj np. 2023-07-28T15:00:00+02:00",
    ]


def test_duplicates_within_a_file_and_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yml", FAQ_OK + FAQ_OK.removeprefix("faq:\n"))
    second = write(tmp_path, "b.yml", FAQ_OK.replace("faq:", "guidance:", 1))
    problems = problems_of(first, second)
    assert (
        "a.yml:11: id: powtórzony identyfikator „torun-termin” (pierwszy raz: a.yml:2)" in problems
    )
    assert (
        "b.yml:2: id: powtórzony identyfikator „torun-termin” (pierwszy raz: a.yml:2)" in problems
    )


def test_same_key_twice_in_one_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "k.yml", FAQ_OK + "    answer: Drugi raz.\n")
    assert problems_of(path) == ["k.yml:11: answer: pole podane dwa razy"]


def test_unknown_call_code(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yml", FAQ_OK.replace("    source:", "    call: NIE-MA\n    source:"))
    assert problems_of(path, known={"INNY"}) == ["f.yml:9: call: nieznany kod naboru „NIE-MA”"]
    bundle = load_file(path)
    assert reference_problems(bundle, {"NIE-MA"}) == []


def test_file_over_two_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "duzy.yml"
    path.write_text("# " + "x" * (5 * 1024 * 1024) + "\n", encoding="utf-8")
    assert problems_of(path) == ["duzy.yml: plik jest za duży (5,0 MB; limit to 2 MB)"]


@pytest.mark.parametrize("text", ["", "  \n", "# tylko komentarz\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert problems_of(write(tmp_path, "pusty.yml", text)) == ["pusty.yml: plik jest pusty"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cp1250.csv"
    path.write_bytes("id,topic\nzażółć,nabor\n".encode("cp1250"))
    assert problems_of(path) == ["cp1250.csv:2: plik nie jest zapisany w kodowaniu UTF-8"]


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "a.txt", "x")) == [
        "a.txt: nieobsługiwany typ pliku (dozwolone: .yml, .yaml, .csv)"
    ]
    assert problems_of(tmp_path / "brak.yml") == ["brak.yml: nie ma takiego pliku"]


def test_top_level_must_be_the_three_lists(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "l.yml", "- a\n- b\n")) == [
        "l.yml:1: plik musi zawierać listy calls, faq lub guidance"
    ]
    assert problems_of(write(tmp_path, "u.yml", "pytania: []\n")) == [
        "u.yml:1: pytania: nieznane pole"
    ]


def test_csv_bad_row_and_bad_header(tmp_path: Path) -> None:
    header = "id,topic,scope,status,question,phrasings,keywords,answer,call,source,info_date\n"
    good = "a,nabor,torun,answered,Co?,x|y|z,,Tak.,,src,2023-01-01\n"
    bad = "b,nabor,torun,answered,Co?,x|y,,,,src,01.02.2023\n"
    assert problems_of(write(tmp_path, "f.csv", header + good + bad)) == [
        "f.csv:3: answer: brak odpowiedzi",
        "f.csv:3: info_date: nieprawidłowa data „01.02.2023” — podaj RRRR-MM-DD, np. 2023-05-09",
        "f.csv:3: phrasings: za mało pozycji: 2, potrzeba co najmniej 3",
    ]
    wrong_header = header.replace("answer", "odpowiedz")
    assert problems_of(write(tmp_path, "h.csv", wrong_header + good)) == [
        "h.csv:1: answer: brak kolumny",
        "h.csv:1: odpowiedz: nieznana kolumna",
    ]


def test_dump_keeps_multiline_text_readable() -> None:
    text = dump_yaml({"faq": [{"id": "a", "answer": "Linia 1.\nLinia 2."}]}, header="# x\n")
    assert text == "# x\nfaq:\n  - id: a\n    answer: |-\n      Linia 1.\n      Linia 2.\n"
