"""Start the real Rasa server and action server on free loopback ports, and stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningProcess:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_until_healthy(proc: RunningProcess, health_path: str, timeout_s: float = 300.0) -> None:
    """Poll the health endpoint (bounded); fail with the process log if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.process.poll() is not None:
                raise RuntimeError(f"{proc.name} exited early:\n{proc.log_tail()}")
            try:
                if client.get(proc.url + health_path).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{proc.name} not healthy after {timeout_s} s:\n{proc.log_tail()}")


@contextmanager
def running(
    name: str,
    command: list[str],
    *,
    url: str,
    health_path: str,
    env: Mapping[str, str],
    log_dir: Path,
) -> Iterator[RunningProcess]:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc = RunningProcess(name, process, url, log)
    try:
        wait_until_healthy(proc, health_path)
        yield proc
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace_s: float = 8.0) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def action_server(
    database_url: str, log_dir: Path, port: int | None = None
) -> Iterator[RunningProcess]:
    port = port or free_port()
    with running(
        "actions",
        [str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
        health_path="/health",
        env={"DATABASE_URL": database_url},
        log_dir=log_dir,
    ) as proc:
        yield proc


@contextmanager
def rasa_server(
    model: Path, action_url: str, log_dir: Path, *, port: int | None = None,
    endpoints: str = "endpoints.yml", extra_env: Mapping[str, str] | None = None,
) -> Iterator[RunningProcess]:  # fmt: skip
    port = port or free_port()
    with running(
        "rasa",
        [str(RASA_BIN), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
         "--model", str(model), "--endpoints", endpoints, "--credentials", "credentials.yml"],
        url=f"http://127.0.0.1:{port}",
        health_path="/",
        env={"ACTION_SERVER_URL": action_url + "/webhook", **(extra_env or {})},
        log_dir=log_dir,
    ) as proc:  # fmt: skip
        yield proc
