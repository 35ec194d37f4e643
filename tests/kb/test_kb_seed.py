"""Seeding an empty base, from the fixture content and from the real shipped content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge_base import repository
from knowledge_base.content_format import ContentError
from knowledge_base.importer import export_all, import_files
from knowledge_base.seed import DEFAULT_CONTENT_DIR, content_files, seed_if_empty


@pytest.fixture
def content_dir(tmp_path: Path, data_dir: Path) -> Path:
    target = tmp_path / "content"
    target.mkdir()
    for path in data_dir.glob("*.yml"):
        shutil.copy(path, target / path.name)
    (target / "README.md").write_text("# not content\n", encoding="utf-8")
    return target


def test_seed_fills_an_empty_base_once(sqlite_session: Session, content_dir: Path) -> None:
    report = seed_if_empty(sqlite_session, content_dir)
    assert report is not None
    assert (report.calls.created, report.faq.created, report.guidance.created) == (2, 3, 1)
    changes = repository.list_changes(sqlite_session)
    assert {change.who for change in changes} == {"seed"}

    assert seed_if_empty(sqlite_session, content_dir) is None


def test_seed_with_no_files_does_nothing(sqlite_session: Session, tmp_path: Path) -> None:
    report = seed_if_empty(sqlite_session, tmp_path)
    assert report is not None
    assert report.changes == 0
    assert repository.is_empty(sqlite_session)


def test_invalid_seed_file_writes_nothing(sqlite_session: Session, content_dir: Path) -> None:
    (content_dir / "zzz.yml").write_text("faq:\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"zzz\.yml:2: answer: brak odpowiedzi"):
        seed_if_empty(sqlite_session, content_dir)
    assert repository.is_empty(sqlite_session)
    assert repository.current_revision(sqlite_session) == 0


def test_shipped_content_seeds_and_round_trips(sqlite_session: Session, tmp_path: Path) -> None:
    if not content_files(DEFAULT_CONTENT_DIR):
        pytest.skip("no content files in knowledge_base/content yet")
    report = seed_if_empty(sqlite_session)
    assert report is not None
    assert report.faq.created > 0

    exported = tmp_path / "eksport.yml"
    exported.write_text(export_all(sqlite_session), encoding="utf-8")
    assert import_files(sqlite_session, [exported], who="test").changes == 0
