"""Import is all or nothing and reports every problem; export round-trips exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge_base import repository
from knowledge_base.content_format import ContentError, load_files
from knowledge_base.db import make_engine, make_session_factory
from knowledge_base.importer import export_all, import_bundle, import_files
from knowledge_base.models import ChangeLog

VALID_NEW = """\
  - id: nowy-wpis
    topic: kwoty
    scope: torun
    status: answered
    question: Ile wynosi pula?
    phrasings: [pula naboru, ile pieniedzy, jaka kwota]
    answer: 650 000 zł.
    source: ogłoszenie
    info_date: 2023-05-09
"""

BROKEN_ENTRY = """\
  - id: zepsuty
    topic: kwoty
    scope: torun
    status: answered
    question: Pytanie?
    phrasings: [a, b, c]
    answer: Odpowiedź.
    source: ogłoszenie
    info_date: 2023-05-09
"""


def snapshot(session: Session) -> tuple[str, int, int]:
    session.rollback()
    return (
        export_all(session),
        repository.current_revision(session),
        repository.count_rows(session, ChangeLog),
    )


@pytest.fixture
def loaded(sqlite_session: Session, fixture_files: list[Path]) -> Session:
    import_files(sqlite_session, fixture_files, who="test")
    return sqlite_session


def _yaml(tmp_path: Path, name: str, broken: str) -> Path:
    path = tmp_path / name
    path.write_text("faq:\n" + VALID_NEW + broken, encoding="utf-8")
    return path


def _big(tmp_path: Path) -> Path:
    path = tmp_path / "duzy.yml"
    path.write_text("faq:\n" + VALID_NEW + "# " + "x" * (5 * 1024 * 1024) + "\n", encoding="utf-8")
    return path


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "wiersze.csv"
    path.write_text(
        "id,topic,scope,status,question,phrasings,keywords,answer,call,source,info_date\n"
        "nowy-csv,nabor,torun,answered,Co?,x|y|z,,Tak.,,src,2023-01-01\n"
        "zly-csv,nabor,torun,answered,Co?,x|y|z,,,,src,2023-01-01\n",
        encoding="utf-8",
    )
    return path


BROKEN_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "bad yaml": (
        lambda tmp: _yaml(tmp, "zly.yml", "  - id: x\n   topic: kwoty\n"),
        "zly.yml:12: błąd składni YAML",
    ),
    "missing answer": (
        lambda tmp: _yaml(tmp, "brak.yml", BROKEN_ENTRY.replace("    answer: Odpowiedź.\n", "")),
        "brak.yml:11: answer: brak odpowiedzi",
    ),
    "unknown field": (
        lambda tmp: _yaml(tmp, "pole.yml", BROKEN_ENTRY + "    kolor: zielony\n"),
        "pole.yml:20: kolor: nieznane pole",
    ),
    "wrong date": (
        lambda tmp: _yaml(tmp, "data.yml", BROKEN_ENTRY.replace("2023-05-09", "9.05.2023")),
        "data.yml:19: info_date: nieprawidłowa data „9.05.2023”",
    ),
    "duplicate id": (
        lambda tmp: _yaml(tmp, "dup.yml", BROKEN_ENTRY.replace("zepsuty", "nowy-wpis")),
        "dup.yml:11: id: powtórzony identyfikator „nowy-wpis” (pierwszy raz: dup.yml:2)",
    ),
    "file of 5 MB": (_big, "duzy.yml: plik jest za duży (5,0 MB; limit to 2 MB)"),
    "csv bad row": (_csv, "wiersze.csv:3: answer: brak odpowiedzi"),
    "unknown call": (
        lambda tmp: _yaml(tmp, "ref.yml", BROKEN_ENTRY + "    call: NIE/MA/2099\n"),
        "ref.yml:20: call: nieznany kod naboru „NIE/MA/2099”",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_INPUTS))
def test_broken_input_is_reported_and_nothing_is_written(
    loaded: Session, tmp_path: Path, case: str
) -> None:
    make_file, expected = BROKEN_INPUTS[case]
    path = make_file(tmp_path)
    before = snapshot(loaded)

    with pytest.raises(ContentError) as caught:
        import_files(loaded, [path], who="test")

    assert expected in str(caught.value)
    assert snapshot(loaded) == before
    assert repository.get_faq(loaded, entry_id="nowy-wpis") is None


def test_conflict_found_in_the_database_writes_nothing(loaded: Session, tmp_path: Path) -> None:
    taken = BROKEN_ENTRY.replace("zepsuty", "innowacja-spoleczna-co-to")
    path = _yaml(tmp_path, "konflikt.yml", taken)
    before = snapshot(loaded)

    with pytest.raises(ContentError) as caught:
        import_files(loaded, [path], who="test")

    assert str(caught.value) == (
        "konflikt.yml:11: id: identyfikator „innowacja-spoleczna-co-to” ma już w bazie artykuł"
    )
    assert snapshot(loaded) == before


def test_reference_to_a_call_already_in_the_database(loaded: Session, tmp_path: Path) -> None:
    path = _yaml(tmp_path, "ok.yml", "")
    path.write_text(path.read_text(encoding="utf-8") + "    call: 1/G/2018\n", encoding="utf-8")
    report = import_files(loaded, [path], who="test")
    assert report.faq.created == 1


def test_report_counts_and_dry_run(loaded: Session, tmp_path: Path, data_dir: Path) -> None:
    changed = (data_dir / "faq.yml").read_text(encoding="utf-8")
    changed = changed.replace("Jaki jest numer konkursu?", "Jaki numer ma konkurs?")
    path = tmp_path / "faq.yml"
    path.write_text(changed + VALID_NEW, encoding="utf-8")
    before = snapshot(loaded)

    preview = import_files(loaded, [path], who="ola", dry_run=True)
    assert snapshot(loaded) == before
    report = import_files(loaded, [path], who="ola")

    for result in (preview, report):
        assert (result.faq.created, result.faq.updated, result.faq.unchanged) == (1, 1, 2)
        assert result.changes == 2
    assert preview.dry_run
    assert "nic nie zostało zapisane" in preview.summary()
    assert "pytania (faq): 1 nowe, 1 zmienione, 2 bez zmian" in report.summary()
    entry = repository.get_faq(loaded, entry_id="torun-nabor-numer")
    assert entry is not None
    assert (entry.question, entry.updated_by) == ("Jaki numer ma konkurs?", "ola")


def test_export_then_import_changes_nothing(
    session: Session, fixture_files: list[Path], tmp_path: Path
) -> None:
    import_files(session, fixture_files, who="test")
    exported = tmp_path / "eksport.yml"
    exported.write_text(export_all(session), encoding="utf-8")
    revision = repository.current_revision(session)

    report = import_files(session, [exported], who="test")

    assert report.changes == 0
    assert report.calls.unchanged == 2
    assert report.faq.unchanged == 5
    assert repository.current_revision(session) == revision


def test_export_into_an_empty_database_exports_identically(
    session: Session,
    fixture_files: list[Path],
    tmp_path: Path,
    new_sqlite_db: Callable[[str], str],
) -> None:
    """From either backend into a fresh SQLite file and back out again."""
    import_files(session, fixture_files, who="test")
    first = export_all(session)
    exported = tmp_path / "eksport.yml"
    exported.write_text(first, encoding="utf-8")

    engine = make_engine(new_sqlite_db("empty"))
    try:
        with make_session_factory(engine)() as empty:
            import_bundle(empty, load_files([exported]), who="test")
            second = export_all(empty)
    finally:
        engine.dispose()

    assert second == first
    assert "closes_at: 2018-10-01T15:00:00+02:00" in first
    assert "max_amount_pln: 50000.5" in first
