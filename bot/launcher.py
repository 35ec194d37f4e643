"""`make run`: prepare the database and model, then run Rasa, the action server and the web app.

The launcher is a small supervisor: it checks settings and ports first (one-line errors, no
tracebacks), starts the three processes, waits until each answers its health check, prints
where to go next, and on Ctrl-C or SIGTERM stops every child within 10 seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from bot.model_store import TrainingError, ensure_model
from bot.settings import REPO_ROOT, Settings, SettingsError, load_settings

logger = logging.getLogger("asystent.launcher")

STOP_GRACE_S = 8.0
START_TIMEOUT_S = 180.0


class LaunchError(Exception):
    """Something prevents start-up; the message is one clear line for the user."""


class StartAbortedError(Exception):
    """Ctrl-C or SIGTERM arrived while the services were still starting."""


@dataclass
class Service:
    """A child process and how to tell that it is ready."""

    name: str
    command: list[str]
    health_url: str
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


def check_port_free(host: str, port: int, setting: str) -> None:
    """Fail early, in one line, when a port we need is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise LaunchError(
                f"port {port} ({setting}) is already in use: stop the other process "
                f"or set {setting} to a free port in .env"
            ) from None


def prepare_database(settings: Settings) -> None:
    """Apply migrations and seed an empty knowledge base from knowledge_base/content."""
    from knowledge_base.db import (
        DatabaseUnavailableError,
        make_engine,
        make_session_factory,
        migrate,
    )
    from knowledge_base.seed import seed_if_empty

    try:
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            with make_session_factory(engine)() as session:
                seed_if_empty(session, REPO_ROOT / "knowledge_base" / "content")
                session.commit()
        finally:
            engine.dispose()
    except DatabaseUnavailableError as exc:
        raise LaunchError(str(exc)) from None


def build_services(settings: Settings, model: Path, root: Path = REPO_ROOT) -> list[Service]:
    """The three processes of the embedded profile."""
    action_url = f"http://127.0.0.1:{settings.action_port}/webhook"
    common = {"ACTION_SERVER_URL": action_url, "PYTHONUNBUFFERED": "1"}
    rasa_bin = root / ".venv-rasa" / "bin" / "rasa"
    app_python = root / ".venv" / "bin" / "python"
    return [
        Service(
            name="actions",
            command=[str(app_python), "-m", "rasa_sdk", "--actions", "actions",
                     "--port", str(settings.action_port)],
            health_url=f"http://127.0.0.1:{settings.action_port}/health",
            port=settings.action_port,
            env=common,
        ),
        Service(
            name="rasa",
            command=[str(rasa_bin), "run", "--enable-api", "--interface", "127.0.0.1",
                     "--port", str(settings.rasa_port), "--model", str(model),
                     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            health_url=f"http://127.0.0.1:{settings.rasa_port}/",
            port=settings.rasa_port,
            env=common,
        ),
        web_service(settings, app_python, common),
    ]  # fmt: skip


def web_service(settings: Settings, app_python: Path, env: dict[str, str]) -> Service:
    """The bot web app (health, web chat, admin panel, webhooks); both profiles run one."""
    return Service(
        name="web",
        command=[str(app_python), "-m", "bot.web.main"],
        health_url=f"http://127.0.0.1:{settings.bot_port}/health",
        port=settings.bot_port,
        env=env,
    )


class Supervisor:
    """Starts services, waits for health, stops them all on a signal or when one dies."""

    def __init__(self, services: Sequence[Service], log_dir: Path, root: Path = REPO_ROOT):
        self.services = list(services)
        self.log_dir = log_dir
        self.root = root
        self._stopping = False
        self._watching = False

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.services:
            service.log_path = self.log_dir / f"{service.name}.log"
            out = service.log_path.open("ab")
            service.process = subprocess.Popen(  # noqa: S603
                service.command,
                cwd=self.root,
                env={**os.environ, **service.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # we forward signals ourselves, in order
            )
            out.close()
            logger.info("started %s pid=%s", service.name, service.process.pid)

    def wait_healthy(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for service in list(pending):
                    self._check_alive(service)
                    try:
                        if client.get(service.health_url).status_code < 500:
                            pending.remove(service)
                            print(f"  ✓ {service.name} ready on port {service.port}", flush=True)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    names = ", ".join(s.name for s in pending)
                    raise LaunchError(
                        f"{names} did not start within {timeout_s:.0f} s; see {self.log_dir}"
                    )
                if pending:
                    time.sleep(0.25)  # polling a child's health endpoint, not synchronising tests

    def _check_alive(self, service: Service) -> None:
        assert service.process is not None
        code = service.process.poll()
        if code is not None:
            tail = ""
            if service.log_path and service.log_path.exists():
                lines = service.log_path.read_text(errors="replace").strip().splitlines()
                tail = lines[-1] if lines else ""
            raise LaunchError(
                f"{service.name} exited with code {code}: {tail} (log: {service.log_path})"
            )

    def watch(self) -> int:
        """Block until a signal arrives or a child dies; return the exit code."""
        self._watching = True
        while not self._stopping:
            for service in self.services:
                assert service.process is not None
                if service.process.poll() is not None:
                    print(
                        f"error: {service.name} stopped unexpectedly; see {service.log_path}",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.5)
        return 0

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        """Signal handler: `watch` returns; during start-up (health checks, warm-up) the
        start is abandoned at once, so a stop never waits for a slow first answer."""
        self._stopping = True
        if not self._watching:
            raise StartAbortedError

    def stop(self) -> None:
        """SIGTERM every child (web first, Rasa last), then SIGKILL what is left after the grace."""
        alive = [
            s.process for s in reversed(self.services) if s.process and s.process.poll() is None
        ]
        for process in alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=2)


WARM_UP_SENDER = "launcher-warm-up"
WARM_UP_QUESTION = "Do kiedy można składać wnioski?"


def warm_up(rasa_url: str, timeout_s: float = 120.0) -> None:
    """Ask one knowledge question so the first applicant does not wait for the action server
    to load the Polish dictionary and build its index; then forget that conversation."""
    try:
        with httpx.Client(timeout=timeout_s) as client:
            client.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": WARM_UP_SENDER, "message": WARM_UP_QUESTION},
            )
            client.put(f"{rasa_url}/conversations/{WARM_UP_SENDER}/tracker/events", json=[])
    except httpx.HTTPError as exc:  # a slow first answer is not worth failing the start
        logger.warning("warm-up failed: %s", type(exc).__name__)


def _channel_status(settings: Settings) -> tuple[str, str]:
    web = f"http://{settings.bot_host}:{settings.bot_port}"
    if settings.telegram_enabled:
        mode = "webhook" if settings.telegram_webhook_url else "long polling"
        telegram = f"on ({mode})"
    else:
        telegram = "off — set TELEGRAM_BOT_TOKEN to enable"
    if settings.messenger_enabled:
        messenger = f"on at {web}/webhooks/messenger"
    else:
        messenger = "off — set the MESSENGER_* settings to enable"
    return telegram, messenger


def _print_banner(settings: Settings) -> None:
    web = f"http://{settings.bot_host}:{settings.bot_port}"
    telegram, messenger = _channel_status(settings)
    rest = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    print(
        "\nAsystent Naborów is running.\n"
        f"  Web chat:      {web}/\n"
        f"  Admin panel:   {web}/admin\n"
        f"  Rasa REST:     {rest}\n"
        f'  Try: curl -s {rest} -d \'{{"sender":"a","message":"Cześć"}}\'\n'
        f"  Telegram:      {telegram}\n"
        f"  Messenger:     {messenger}\n"
        "  Logs:          var/log/\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def ready_model(root: Path) -> Path:
    """The trained model for the current inputs, trained first if they changed (both profiles)."""
    print("==> model: checking the training fingerprint", flush=True)
    try:
        model, trained = ensure_model(root, root / ".venv-rasa" / "bin" / "rasa")
    except TrainingError as exc:
        raise LaunchError(str(exc)) from None
    print(
        f"    {'trained' if trained else 'up to date, training skipped'}: {model.name}", flush=True
    )
    return model


def run(settings: Settings, root: Path = REPO_ROOT) -> int:
    """The embedded profile, end to end."""
    for port, name in ((settings.rasa_port, "RASA_PORT"), (settings.action_port, "ACTION_PORT"),
                       (settings.bot_port, "BOT_PORT")):  # fmt: skip
        check_port_free("127.0.0.1", port, name)
    started = time.monotonic()
    print("==> database: migrations and seed", flush=True)
    prepare_database(settings)
    model = ready_model(root)
    supervisor = Supervisor(build_services(settings, model, root), root / "var" / "log", root)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    try:
        print("==> starting services", flush=True)
        supervisor.start()
        supervisor.wait_healthy()
        warm_up(f"http://127.0.0.1:{settings.rasa_port}")
        print(f"    up in {time.monotonic() - started:.1f} s", flush=True)
        _print_banner(settings)
        return supervisor.watch()
    except StartAbortedError:
        return 0
    finally:
        print("==> stopping", flush=True)
        supervisor.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="asystent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the assistant (embedded profile)")
    sub.add_parser("train", help="train the Rasa model if its inputs changed")
    sub.add_parser("prepare-db", help="apply migrations and seed the knowledge base")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if args.command == "train":
            model, trained = ensure_model(REPO_ROOT, REPO_ROOT / ".venv-rasa" / "bin" / "rasa")
            print(f"{'trained' if trained else 'up to date'}: {model}")
            return 0
        if args.command == "prepare-db":
            prepare_database(settings)
            return 0
        return run(settings)
    except (SettingsError, LaunchError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
