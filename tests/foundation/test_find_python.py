"""`scripts/find-python` (used by `make env` through scripts/ensure-venv) when no Python 3.10
can be found: one line on stderr saying how to get one, and a non-zero exit.

The script runs for real, with PATH holding only `bash` (and the fakes a test adds) and HOME
an empty directory, so neither PATH, pyenv nor ~/.pyenv can offer a Python 3.10.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT

FIND_PYTHON = REPO_ROOT / "scripts" / "find-python"
# The script also tries these fixed paths; a test cannot hide them, so it cannot run there.
SYSTEM_PYTHON310 = [p for p in (Path("/usr/bin/python3.10"), Path("/usr/local/bin/python3.10"))
                    if p.exists()]  # fmt: skip
needs_no_system_python310 = pytest.mark.skipif(
    bool(SYSTEM_PYTHON310), reason=f"cannot hide {SYSTEM_PYTHON310} from scripts/find-python"
)

HOW_TO_GET_IT = (
    "error: Python 3.10 not found (Rasa 3.6 runs only on 3.10): install it "
    "(apt-get install python3.10, or pyenv install 3.10) or set PYTHON310=/path/to/python3.10"
)


@dataclass
class Sandbox:
    bin: Path
    home: Path
    env: dict[str, str]

    def add_tool(self, path: Path, version_or_script: str) -> Path:
        """An executable answering find-python's version probe (or any shell script)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        body = version_or_script if "\n" in version_or_script else f"echo {version_or_script}\n"
        path.write_text(f"#!/bin/sh\n{body}")
        path.chmod(0o755)
        return path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FIND_PYTHON), *args], env=self.env, capture_output=True, text=True,
            timeout=30, check=False,
        )  # fmt: skip


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    bash = shutil.which("bash")
    assert bash is not None
    (bin_dir / "bash").symlink_to(Path(bash).resolve())  # for the `#!/usr/bin/env bash` line
    home = tmp_path / "home"
    home.mkdir()
    return Sandbox(bin=bin_dir, home=home, env={"PATH": str(bin_dir), "HOME": str(home)})


@needs_no_system_python310
def test_no_python310_anywhere_prints_one_line_saying_how_to_get_it(sandbox: Sandbox) -> None:
    result = sandbox.run("3.10")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == HOW_TO_GET_IT  # exactly one line


@needs_no_system_python310
def test_pyenv_without_310_and_a_misnamed_interpreter_are_not_taken(sandbox: Sandbox) -> None:
    """pyenv is consulted (its root holds only 3.11), and a `python3.10` on PATH that is
    really another version is rejected by the version probe."""
    root = sandbox.home / "pyenv-root"
    sandbox.add_tool(root / "versions" / "3.11.9" / "bin" / "python3.11", "3.11")
    sandbox.add_tool(sandbox.bin / "pyenv", f'[ "$1" = root ] && echo {root}\n')
    sandbox.add_tool(sandbox.bin / "python3.10", "3.11")

    result = sandbox.run("3.10")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == HOW_TO_GET_IT


@needs_no_system_python310
def test_a_python310_setting_pointing_nowhere_still_gives_the_one_line(sandbox: Sandbox) -> None:
    sandbox.env["PYTHON310"] = str(sandbox.home / "no-such-python")

    result = sandbox.run("3.10")

    assert result.returncode == 1
    assert result.stderr.strip() == HOW_TO_GET_IT


@needs_no_system_python310
def test_without_home_the_message_is_the_same_not_an_unbound_variable(sandbox: Sandbox) -> None:
    del sandbox.env["HOME"]

    result = sandbox.run("3.10")

    assert result.returncode == 1
    assert result.stderr.strip() == HOW_TO_GET_IT


def test_another_missing_version_names_its_own_setting(sandbox: Sandbox) -> None:
    result = sandbox.run("3.7")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: Python 3.7 not found: install it or set PYTHON37=/path/to/python3.7"
    )


@pytest.mark.parametrize("where", ["PATH", "pyenv", "PYTHON310"])
def test_the_same_sandbox_finds_a_python310_once_there_is_one(sandbox: Sandbox, where: str) -> None:
    """Control: the sandbox, not a broken script, is what hid Python 3.10 above."""
    if where == "PATH":
        python = sandbox.add_tool(sandbox.bin / "python3.10", "3.10")
    elif where == "pyenv":
        root = sandbox.home / "pyenv-root"
        python = sandbox.add_tool(root / "versions" / "3.10.13" / "bin" / "python3.10", "3.10")
        sandbox.add_tool(sandbox.bin / "pyenv", f'[ "$1" = root ] && echo {root}\n')
    else:
        python = sandbox.add_tool(sandbox.home / "custom" / "py310", "3.10")
        sandbox.env["PYTHON310"] = str(python)

    result = sandbox.run("3.10")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(python)
    assert result.stderr == ""
