"""Issue 4, end to end: `kb export` → edit one answer → `kb import`, and the running assistant
answers with the edited text on the very next message, without a restart.

The `kb` console script runs as a subprocess on the same database as the running action server
(``e2e_database_url``), exactly as staff run it. Nothing waits or polls: the action server
compares the KB revision on every question (knowledge_base/service.py), so the first message
after a committed import must already carry the new text. A broken import must change nothing.

The entry edited here (``ogolne-vat``) is one no other e2e test asks about, and every test
imports the original export back at teardown.
"""

from __future__ import annotations

import copy
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.processes import REPO_ROOT
from tests.support.stack import RestUser

pytestmark = pytest.mark.e2e

KB_BIN = REPO_ROOT / ".venv" / "bin" / "kb"
ENTRY_ID = "ogolne-vat"
QUESTION = "czy vat jest kosztem kwalifikowalnym?"
ORIGINAL_MARK = "VAT jest kosztem kwalifikowalnym tylko wtedy"
EDITED_ANSWER = (
    "Zmiana z kb import: VAT wliczasz do kosztów kwalifikowalnych tylko wtedy, gdy nie możesz "
    "go odzyskać (kod zmiany K4-01)."
)
BROKEN_ANSWER = "Ta treść pochodzi z błędnego importu i nie może trafić do bazy (K4-02)."
BIG_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class KbFiles:
    """The `kb` CLI on the e2e database, and the export taken before the test changed it."""

    database_url: str
    workdir: Path
    original: Path

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        # cwd is the test's own directory: no .env of a developer's checkout is read.
        return subprocess.run(
            [str(KB_BIN), *map(str, args)],
            cwd=self.workdir,
            env={**os.environ, "DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def export(self, name: str) -> Path:
        path = self.workdir / name
        result = self.run("export", path)
        assert result.returncode == 0, result.stderr
        return path


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def entry_of(data: dict[str, Any], entry_id: str = ENTRY_ID) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [e for e in data["faq"] if e["id"] == entry_id]
    [entry] = entries
    return entry


def with_answer(original: Path, answer: str) -> dict[str, Any]:
    """The exported base with one answer changed, as staff would edit the file."""
    data = load(original)
    entry_of(data)["answer"] = answer
    return data


def source_line(original: Path) -> str:
    return f"Źródło: {entry_of(load(original))['source']}"


@pytest.fixture
def kb_files(e2e_database_url: str, tmp_path: Path) -> Iterator[KbFiles]:
    assert KB_BIN.exists(), f"{KB_BIN} missing: the app env is not installed"
    files = KbFiles(e2e_database_url, tmp_path, tmp_path / "original.yml")
    files.export(files.original.name)
    yield files
    restored = files.run("import", files.original)
    assert restored.returncode == 0, f"restoring the original content failed:\n{restored.stderr}"


def test_kb_import_is_answered_on_the_next_message(user: RestUser, kb_files: KbFiles) -> None:
    before = user.say(QUESTION)
    assert ORIGINAL_MARK in before
    assert source_line(kb_files.original) in before

    edited = write(with_answer(kb_files.original, EDITED_ANSWER), kb_files.workdir / "edited.yml")
    result = kb_files.run("import", edited)
    assert result.returncode == 0, result.stderr
    assert "pytania (faq): 0 nowe, 1 zmienione" in result.stdout
    assert "Zapisano (1 zmian)." in result.stdout

    after = user.say(QUESTION)  # the next message, no restart, no waiting
    assert EDITED_ANSWER in after
    assert ORIGINAL_MARK not in after
    assert source_line(kb_files.original) in after, "the source line stays under the answer"

    restored = kb_files.run("import", kb_files.original)
    assert restored.returncode == 0, restored.stderr
    again = user.say(QUESTION)
    assert ORIGINAL_MARK in again
    assert EDITED_ANSWER not in again


def duplicate_id(kb_files: KbFiles) -> tuple[Path, str]:
    data = with_answer(kb_files.original, BROKEN_ANSWER)
    data["faq"].append(copy.deepcopy(entry_of(data)))  # deep: PyYAML would write an alias
    path = write(data, kb_files.workdir / "duplicate.yml")
    return path, f"powtórzony identyfikator „{ENTRY_ID}”"


def five_megabytes(kb_files: KbFiles) -> tuple[Path, str]:
    path = write(with_answer(kb_files.original, BROKEN_ANSWER), kb_files.workdir / "big.yml")
    padding = BIG_FILE_BYTES - path.stat().st_size
    with path.open("a", encoding="utf-8") as out:
        out.write(("# " + "x" * 97 + "\n") * (padding // 100 + 1))
    assert path.stat().st_size >= BIG_FILE_BYTES
    return path, "plik jest za duży (5,0 MB; limit to 2 MB)"


@pytest.mark.parametrize("broken", [duplicate_id, five_megabytes], ids=["duplicate-id", "5mb"])
def test_broken_import_is_refused_and_changes_nothing(
    user: RestUser, kb_files: KbFiles, broken: Any
) -> None:
    path, problem = broken(kb_files)
    result = kb_files.run("import", path)

    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Nic nie zostało zapisane" in result.stderr
    assert problem in result.stderr
    assert "Zapisano" not in result.stdout
    after = kb_files.export("after.yml")
    assert after.read_text(encoding="utf-8") == kb_files.original.read_text(encoding="utf-8")
    reply = user.say(QUESTION)
    assert ORIGINAL_MARK in reply
    assert BROKEN_ANSWER not in reply
