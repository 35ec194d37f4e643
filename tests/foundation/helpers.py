"""Running the real launcher (`python -m bot.launcher`) in a sealed-off environment.

Every run gets a minimal environment (no settings leak in from the developer's shell or CI)
plus a tripwire: DATABASE_URL points at a loopback port that refuses connections. The
launcher's first heavy step is the database, so if a check under test ever stopped failing
early, the launcher would stop there with a database error (and the test would fail) instead
of going on to train a model or start Rasa.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import REPO_ROOT

LAUNCHER_TIMEOUT_S = 60  # it answers in about a second; this only bounds a broken run


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def launcher_env(home: Path, refused_port: int, **settings: str) -> dict[str, str]:
    """The whole environment of a launcher run: nothing inherited but PATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": f"postgresql+psycopg://tripwire@127.0.0.1:{refused_port}/tripwire",
        **settings,
    }


def run_launcher(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot.launcher run`, as `make run` does, from `cwd` (where it reads .env)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.launcher", "run"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=LAUNCHER_TIMEOUT_S,
        check=False,
    )  # fmt: skip


def only_line(stream: str) -> str:
    """The single line of an error output (no traceback, no second line)."""
    assert "Traceback" not in stream, stream
    lines = stream.strip().splitlines()
    assert len(lines) == 1, stream
    return lines[0]
