"""The tracker and lock stores, checked inside the Rasa env (they run in the Rasa server)."""

from __future__ import annotations

import subprocess

from tests.support.processes import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"


def test_compaction_deserialisation_and_schema_checks_pass_in_the_rasa_env() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "tests/production/rasa_store_checks.py"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "7 checks passed" in result.stdout
