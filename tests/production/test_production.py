"""The production profile's settings, nginx config, provisioning and data-protection commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import URL, make_url

from bot.production import (
    EVENTS,
    Layout,
    ProductionSettings,
    delete_tracker,
    load_production_settings,
    provision,
    purge_trackers,
    render_nginx,
)
from bot.settings import SettingsError
from tests.production.conftest import PG_SERVER
from tests.support.server import serve_app

DAY = 86400.0


def settings(**values: Any) -> ProductionSettings:
    return ProductionSettings(_env_file=None, **values)  # type: ignore[call-arg]


def test_tracker_database_defaults_to_the_app_database_with_a_suffix() -> None:
    ps = settings(database_url="postgresql+psycopg://asystent:tajne@db.lan:5433/asystent")
    assert ps.tracker_url().render_as_string(hide_password=False) == (
        "postgresql+psycopg://asystent:tajne@db.lan:5433/asystent_rasa"
    )
    assert ps.rasa_tracker_url() == "postgresql://asystent:tajne@db.lan:5433/asystent_rasa"


def test_redis_url_becomes_the_lock_store_settings() -> None:
    parts = settings(redis_url="redis://:haslo@cache.lan:6380/3").redis_parts()
    assert parts == {"REDIS_HOST": "cache.lan", "REDIS_PORT": "6380", "REDIS_LOCK_DB": "3",
                     "REDIS_PASSWORD": "haslo", "REDIS_KEY_PREFIX": "asystent"}  # fmt: skip


def test_production_refuses_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/asystent.db")
    with pytest.raises(SettingsError, match="DATABASE_URL: the production profile needs"):
        load_production_settings(_env_file=None)


def test_nginx_config_lists_every_instance_and_is_valid(tmp_path: Path) -> None:
    layout = Layout("127.0.0.1", 15005, 15055, (15101, 15102, 15103), (15151, 15152), 18000)
    config = render_nginx(layout, tmp_path / "run", tmp_path / "log")
    text = config.read_text()
    assert "@@" not in text.split("\n", 3)[-1]  # placeholders (the header names them)
    assert all(f"server 127.0.0.1:{p} " in text for p in (15101, 15102, 15103, 15151, 15152))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        subprocess.run(["scripts/ensure-nginx"], check=True)
    result = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(config.parent), "-e", "stderr"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.postgres
def test_provision_creates_role_and_databases_once() -> None:
    name = f"asystent_p{uuid.uuid4().hex[:8]}"
    ps = settings(
        database_url=f"postgresql+psycopg://{name}:haslo'z\"cudzyslowem@127.0.0.1:5432/{name}",
        postgres_admin_url=f"{PG_SERVER}/postgres",
    )
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        assert provision(ps) == [f"role {name}", f"database {name}", f"database {name}_rasa"]
        assert provision(ps) == []
        with create_engine(ps.tracker_url()).connect() as conn:  # the role can log in
            assert conn.exec_driver_sql("select current_user").scalar() == name
    finally:
        with admin.connect() as conn:
            for database in (name, f"{name}_rasa"):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()


@pytest.fixture
def events_table(pg_databases: tuple[str, URL]) -> Any:
    engine = create_engine(pg_databases[1].set(drivername="postgresql+psycopg"))
    EVENTS.create(engine, checkfirst=True)
    yield engine
    engine.dispose()


def _rows(engine: Any, sender: str, *stamps_and_types: tuple[float, str]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(EVENTS), [
            {"sender_id": sender, "type_name": kind, "timestamp": stamp, "data": "{}"}
            for stamp, kind in stamps_and_types
        ])  # fmt: skip


@pytest.mark.postgres
def test_retention_deletes_quiet_conversations_and_earlier_sessions(events_table: Any) -> None:
    now = time.time()
    tag = uuid.uuid4().hex[:6]
    old, returning, recent = f"old-{tag}", f"back-{tag}", f"new-{tag}"
    _rows(events_table, old, (now - 40 * DAY, "session_started"), (now - 40 * DAY, "user"))
    _rows(events_table, returning, (now - 50 * DAY, "session_started"), (now - 50 * DAY, "user"),
          (now - DAY, "session_started"), (now - DAY, "user"))  # fmt: skip
    _rows(events_table, recent, (now - DAY, "session_started"), (now - DAY, "user"))

    deleted = purge_trackers(events_table, datetime.now(UTC) - timedelta(days=30))

    with events_table.connect() as conn:
        left = conn.execute(select(EVENTS.c.sender_id, EVENTS.c.timestamp)).all()
    kept = {(sender, round((now - stamp) / DAY)) for sender, stamp in left}
    assert deleted >= 4
    assert {k for k in kept if k[0] in (old, returning, recent)} == {(returning, 1), (recent, 1)}


def fake_rasa(trackers: dict[str, list[dict[str, Any]]]) -> FastAPI:
    """Rasa's tracker endpoints, as the embedded profile's in-memory store answers them."""
    app = FastAPI()

    @app.get("/conversations/{sender}/tracker")
    def tracker(sender: str) -> dict[str, Any]:
        return {"sender_id": sender, "events": trackers.get(sender, [])}

    @app.put("/conversations/{sender}/tracker/events")
    def replace(sender: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        trackers[sender] = events
        return {"sender_id": sender, "events": events}

    return app


def test_delete_tracker_empties_the_in_memory_tracker_over_http() -> None:
    sender = "telegram:42 ą"
    trackers = {sender: [{"event": "user", "text": "dane"}, {"event": "action"}],
                "other": [{"event": "user", "text": "zostaje"}]}  # fmt: skip
    with serve_app(fake_rasa(trackers), ready_path=None) as url:
        assert delete_tracker(sender, rasa_url=url) == 2
    assert trackers == {sender: [], "other": [{"event": "user", "text": "zostaje"}]}


def test_delete_tracker_needs_a_target() -> None:
    with pytest.raises(ValueError, match="tracker_db_url or rasa_url"):
        delete_tracker("x")
    assert make_url("postgresql://x@h/d").database == "d"


@pytest.mark.redis
def test_conversation_lock_queues_holders_in_order(redis_prefix: str) -> None:
    import threading

    import redis

    from bot.production import conversation_lock
    from tests.production.conftest import REDIS_URL

    client = redis.Redis.from_url(REDIS_URL)
    order: list[str] = []
    with conversation_lock(client, redis_prefix, "u1"):
        raw = client.get(f"{redis_prefix}:lock:u1")
        assert raw is not None
        assert json.loads(raw)["conversation_id"] == "u1"
        waiter = threading.Thread(target=lambda: _hold(client, redis_prefix, order))
        waiter.start()
        time.sleep(0.3)
        order.append("first done")
    waiter.join(timeout=10)
    assert order == ["first done", "second"]
    assert client.get(f"{redis_prefix}:lock:u1") is None  # the last holder removes the key
    client.close()


def _hold(client: Any, prefix: str, order: list[str]) -> None:
    from bot.production import conversation_lock

    with conversation_lock(client, prefix, "u1"):
        order.append("second")


@pytest.mark.postgres
def test_retention_and_deletion_before_rasa_created_its_table(
    pg_databases: tuple[str, URL],
) -> None:
    empty = create_engine(pg_databases[0])  # the app database: no `events` table
    assert purge_trackers(empty, datetime.now(UTC)) == 0
    empty.dispose()
    assert delete_tracker("nobody", tracker_db_url=pg_databases[0]) == 0


def test_a_dead_child_is_restarted_once_after_its_backoff(tmp_path: Path) -> None:
    import signal
    import threading

    from bot.launcher import Service
    from bot.production import RestartingSupervisor

    sleeper = Service("sleeper", ["sleep", "30"], health_url="http://127.0.0.1:1/", port=1)
    supervisor = RestartingSupervisor([sleeper], tmp_path, tmp_path)
    supervisor.spawn(sleeper)
    assert sleeper.process is not None
    first = sleeper.process
    watcher = threading.Thread(target=supervisor.watch)
    watcher.start()
    first.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while sleeper.process is first and time.monotonic() < deadline:
        time.sleep(0.1)
    supervisor.request_stop(signal.SIGTERM, None)
    watcher.join(timeout=5)
    supervisor.stop()
    assert sleeper.process is not first
    assert supervisor.restarts == {"sleeper": 1}
