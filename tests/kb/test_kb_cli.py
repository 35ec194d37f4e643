"""The `kb` command as staff use it: messages, exit codes, and no tracebacks."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from knowledge_base import cli
from knowledge_base.cli import main

CONTRADICTING_CALL = """\
calls:
  - code: 2/G/2019
    name: Zamknięty, choć trwa
    status_override: closed
    opens_at: 2023-05-01T00:00:00+02:00
    closes_at: 2023-06-30T15:00:00+02:00
    source: ogłoszenie
    info_date: 2023-05-01
faq:
  - id: kontakt-telefon
    topic: kontakt
    scope: torun
    status: answered
    question: Jaki jest telefon do koordynatora?
    phrasings: [telefon do koordynatora, numer telefonu, jak zadzwonic]
    answer: +48 786 020 704.
    source: ogłoszenie
    info_date: 2023-05-09
"""


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL for the CLI; the working directory has no .env to leak in."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    url = f"sqlite:///{tmp_path / 'var' / 'kb.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def migrated(database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["migrate"]) == 0
    assert "Schemat bazy jest aktualny" in capsys.readouterr().out
    return database


@pytest.fixture
def loaded(migrated: str, fixture_files: list[Path], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["import", *map(str, fixture_files), "--who", "ania"]) == 0
    capsys.readouterr()
    return migrated


def _export(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["export"]) == 0
    return capsys.readouterr().out


def test_commands_need_a_migrated_database(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export"]) == 2
    assert capsys.readouterr().err.strip() == (
        "Schemat bazy danych jest nieaktualny lub pusty — uruchom najpierw: kb migrate"
    )


def test_import_reports_counts(
    migrated: str, fixture_files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", *map(str, fixture_files), "--who", "ania"]) == 0
    out = capsys.readouterr().out
    assert "nabory: 2 nowe, 0 zmienione, 0 bez zmian" in out
    assert "pytania (faq): 5 nowe, 0 zmienione, 0 bez zmian" in out
    assert "Zapisano (8 zmian)." in out


def test_import_of_a_broken_file_lists_problems_and_writes_nothing(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _export(capsys)
    broken = tmp_path / "zly.yml"
    broken.write_text(CONTRADICTING_CALL.replace("    answer: +48 786 020 704.\n", ""))

    assert main(["import", str(broken)]) == 1

    captured = capsys.readouterr()
    assert "Nic nie zostało zapisane. Popraw błędy (1):" in captured.err
    assert "zly.yml:10: answer: brak odpowiedzi" in captured.err
    assert "Traceback" not in captured.err
    assert _export(capsys) == before


def test_dry_run_writes_nothing(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _export(capsys)
    new = tmp_path / "nowe.yml"
    new.write_text(CONTRADICTING_CALL, encoding="utf-8")

    assert main(["import", str(new), "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "nabory: 1 nowe" in out
    assert "nic nie zostało zapisane" in out
    assert _export(capsys) == before


def test_export_to_file_and_stdout_agree(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "eksport.yml"
    assert main(["export", str(target)]) == 0
    assert "Zapisano eksport" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == _export(capsys)


def test_search_shows_ranked_candidates(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("knowledge_base.retrieval")
    assert main(["search", "jaki jest numer konkursu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Pytanie: „jaki jest numer konkursu”\nWynik: ")
    assert "1. " in out
    assert "torun-nabor-numer" in out.splitlines()[2]


def test_search_without_the_retrieval_module(
    loaded: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "RETRIEVAL_MODULE", "knowledge_base.no_such_module")
    assert main(["search", "cokolwiek"]) == 2
    assert "nie jest jeszcze dostępna" in capsys.readouterr().err


def test_check_finds_stale_duplicate_and_contradicting_entries(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.yml"
    extra.write_text(CONTRADICTING_CALL, encoding="utf-8")
    assert main(["import", str(extra)]) == 0
    capsys.readouterr()

    assert main(["check", "--today", "2023-06-01"]) == 1

    out = capsys.readouterr().out.splitlines()
    assert "Stara informacja (sprzed 365 dni): nabór 1/G/2018, data informacji 2018-08-30" in out
    [similar] = [line for line in out if line.startswith("Podobne pytania")]
    assert similar.startswith("Podobne pytania (100): kontakt-telefon „")
    assert similar.endswith("” ~ lgd-kontakt „telefon do koordynatora”")
    assert (
        "Status niezgodny z datami: nabór 2/G/2019 ma status_override=closed, "
        "a z dat wynika open" in out
    )
    assert out[-1] == f"Znaleziono problemów: {len(out) - 1}."


def test_check_of_a_clean_base(
    migrated: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(data_dir / "guidance.yml")]) == 0
    assert main(["check", "--today", "2023-06-01"]) == 0
    assert capsys.readouterr().out.endswith("Nie znaleziono problemów.\n")


def test_seed_only_once(migrated: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--dir", str(data_dir)]) == 0
    assert "nabory: 2 nowe" in capsys.readouterr().out
    assert main(["seed", "--dir", str(data_dir)]) == 0
    assert "Baza nie jest pusta" in capsys.readouterr().out


def test_database_down_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")

    for command in (["export"], ["migrate"], ["check"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("Baza danych jest niedostępna")
        assert err.count("\n") == 1


def test_bad_setting_is_one_line(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "500")
    assert main(["export"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("argv", [[], ["import"], ["nieznane"], ["check", "--today", "jutro"]])
def test_usage_errors_exit_2(database: str, argv: list[str]) -> None:
    assert main(argv) == 2


def test_search_labels_the_first_candidate_with_the_assistants_decision(
    loaded: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first candidate carries the decision of the "Wynik" line, margins included: with
    the plain answer threshold out of reach, an answer can only come from the margin rule,
    and the candidate must still say "odpowiedź", not a band read off its score alone."""
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "100")
    assert main(["search", "numer konkursu lgd"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("Wynik: odpowiedź ")
    score = float(lines[2].split()[1])
    assert score < 100  # answered by the margin rule
    assert "  odpowiedź  " in lines[2]
