"""The production profile for tests: throw-away PostgreSQL databases, a Redis key prefix,
and two Rasa instances plus an action server sharing them (started once per session).

PostgreSQL (``TEST_POSTGRES_SERVER``, default postgres@127.0.0.1:5432) and Redis
(``TEST_REDIS_URL``, default 127.0.0.1:6379/1) are the real services; a test is skipped,
with the reason, only when one of them cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bot.launcher import Service, prepare_database
from bot.production import (
    Layout,
    ProductionSettings,
    RestartingSupervisor,
    build_production_services,
)
from bot.settings import REPO_ROOT, load_settings
from tests.support.processes import free_port

PG_SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
# Small, so that a test conversation is compacted many times.
MAX_EVENTS, KEEP_TURNS = 40, 4


def _admin() -> Any:
    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[tuple[str, URL]]:
    """(app database URL, tracker database URL), created for this session, dropped after."""
    name = f"asystent_t{uuid.uuid4().hex[:8]}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}_rasa"')
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {PG_SERVER}: {exc.orig}")
    try:
        yield f"{PG_SERVER}/{name}", make_url(f"{PG_SERVER}/{name}_rasa")
    finally:
        with admin.connect() as conn:
            for database in (name, f"{name}_rasa"):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    prefix = f"asystenttest{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def production_settings(pg_databases: tuple[str, URL], redis_prefix: str) -> ProductionSettings:
    app_url, tracker_url = pg_databases
    return ProductionSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=app_url,
        rasa_tracker_store_url=tracker_url.render_as_string(hide_password=False),
        redis_url=REDIS_URL,
        redis_key_prefix=redis_prefix,
        tracker_max_events=MAX_EVENTS,
        tracker_keep_turns=KEEP_TURNS,
    )


@dataclass
class Cluster:
    """Two Rasa instances and an action server of the production profile."""

    services: list[Service]
    supervisor: RestartingSupervisor
    settings: ProductionSettings
    log_dir: Path

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.service(name).port}"


@pytest.fixture(scope="session")
def cluster(
    production_settings: ProductionSettings,
    rasa_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """`rasa_model` is the session's one trained model (tests/support/stack.py)."""
    settings = load_settings(env_file=None, database_url=production_settings.database_url)
    prepare_database(settings)
    model = rasa_model
    action_port = free_port()
    layout = Layout(
        entry_host="127.0.0.1", rasa_port=free_port(), action_port=action_port,
        rasa_ports=(free_port(), free_port()), action_ports=(action_port,), bot_port=free_port(),
    )  # fmt: skip
    log_dir = tmp_path_factory.mktemp("production-logs")
    every = build_production_services(
        settings, production_settings, layout, model, log_dir / "unused-nginx.conf"
    )
    # No nginx here: the tests talk to each instance directly; the action server directly.
    services = [s for s in every if s.name.startswith(("rasa-", "actions-"))]
    supervisor = RestartingSupervisor(services, log_dir, REPO_ROOT)
    try:
        supervisor.start()
        supervisor.wait_healthy(timeout_s=300)
        yield Cluster(services, supervisor, production_settings, log_dir)
    finally:
        supervisor.stop()


class Applicant:
    """One user of the REST channel, free to talk to any instance."""

    def __init__(self, sender: str):
        self.sender = sender

    def say(self, url: str, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
            timeout=60,
        )  # fmt: skip
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    def tracker(self, url: str) -> dict[str, Any]:
        response = httpx.get(f"{url}/conversations/{self.sender}/tracker", timeout=30)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def actions_after_last_message(self, url: str) -> list[str]:
        events = self.tracker(url)["events"]
        last = max(i for i, e in enumerate(events) if e["event"] == "user")
        return [e["name"] for e in events[last + 1 :] if e["event"] == "action"]


@pytest.fixture
def applicant(request: pytest.FixtureRequest) -> Applicant:
    return Applicant(f"prod-{request.node.name}-{uuid.uuid4().hex[:6]}")
