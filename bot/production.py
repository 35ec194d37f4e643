"""The production profile: PostgreSQL, Redis, several Rasa instances behind one entry point.

    python -m bot.production run               # make run-production (one machine)
    python -m bot.production provision         # create the role and databases (idempotent)
    python -m bot.production check             # every part answers? (exit 1 if not)
    python -m bot.production retention --days 90
    python -m bot.production delete-tracker telegram:12345

Rasa keeps conversations in PostgreSQL (``CompactingSQLTrackerStore``) and its per-user locks
in Redis (``AtomicRedisLockStore``), see ``endpoints.production.yml``; so any Rasa instance
can serve any conversation and a restarted one loses nothing. nginx is the single entry
point for the Rasa instances (``RASA_PORT``) and for the action servers (``ACTION_PORT``).
The same settings spread over several machines: see the README, section "Production".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import redis
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bot.launcher import (
    LaunchError,
    Service,
    StartAbortedError,
    Supervisor,
    check_port_free,
    prepare_database,
    ready_model,
    web_service,
)
from bot.model_store import TrainingError
from bot.settings import REPO_ROOT, Settings, SettingsError, load_settings

logger = logging.getLogger("asystent.production")

ENDPOINTS = "endpoints.production.yml"
NGINX_TEMPLATE = REPO_ROOT / "deploy" / "nginx.conf.template"
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
# What the hand-off offers for retention: purge(session, *, cutoff: datetime) -> int.
HANDOFF_RETENTION = "bot.handoff.retention"

# Rasa's `events` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), for the
# data-protection commands; Rasa creates and owns it.
_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class ProductionSettings(BaseSettings):
    """Settings of the production profile (documented in .env.example and the README)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "postgresql+psycopg://asystent@127.0.0.1:5432/asystent"
    # Rasa's conversations; default: the same server and role, database "<name>_rasa".
    rasa_tracker_store_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/1"
    redis_key_prefix: str = Field(default="asystent", pattern=r"^[A-Za-z0-9]+$")
    # A superuser connection used only to create the role and databases when missing.
    postgres_admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

    rasa_instances: int = Field(default=2, ge=1, le=16)
    action_instances: int = Field(default=2, ge=1, le=16)
    rasa_instance_base_port: int = Field(default=5100, ge=1024, le=65000)
    action_instance_base_port: int = Field(default=5150, ge=1024, le=65000)
    rasa_auth_token: str | None = None
    # Several machines: the instances nginx balances over ("10.0.0.2:5101,10.0.0.3:5101");
    # empty: this machine's instances on the base ports above.
    rasa_upstreams: str = ""
    action_upstreams: str = ""
    # Interface the Rasa instances listen on (a private address on several machines).
    rasa_bind: str = "127.0.0.1"

    tracker_max_events: int = Field(default=60, ge=8)
    tracker_keep_turns: int = Field(default=5, ge=1)
    retention_days: int = Field(default=180, ge=1)
    rasa_log_level: str = "INFO"

    def tracker_url(self) -> URL:
        """The tracker database for SQLAlchemy 2 (this env); Rasa gets `rasa_tracker_url`."""
        if self.rasa_tracker_store_url:
            url = make_url(self.rasa_tracker_store_url)
        else:
            app = make_url(self.database_url)
            url = app.set(database=f"{app.database}_rasa")
        return url.set(drivername="postgresql+psycopg")

    def rasa_tracker_url(self) -> str:
        """The same database for Rasa 3.6 (SQLAlchemy 1.4 with psycopg2)."""
        url = self.tracker_url().set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def redis_parts(self) -> dict[str, str]:
        """REDIS_URL as the separate values Rasa's lock store takes."""
        url = make_url(self.redis_url.replace("redis://", "redis+x://", 1))
        return {
            "REDIS_HOST": url.host or "127.0.0.1",
            "REDIS_PORT": str(url.port or 6379),
            "REDIS_LOCK_DB": (url.database or "1").lstrip("/") or "1",
            "REDIS_PASSWORD": url.password or "",
            "REDIS_KEY_PREFIX": self.redis_key_prefix,
        }


def load_production_settings(**overrides: object) -> ProductionSettings:
    try:
        settings = ProductionSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise SettingsError(f"invalid setting {field.upper()}: {first['msg']}") from None
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        raise SettingsError(
            "invalid setting DATABASE_URL: the production profile needs PostgreSQL, e.g. "
            "postgresql+psycopg://asystent:secret@127.0.0.1:5432/asystent"
        )
    return settings


# --- databases ------------------------------------------------------------------------------


def _engine(url: URL | str) -> Engine:
    return create_engine(url, connect_args={"connect_timeout": 5}, pool_pre_ping=True)


def _can_connect(url: URL | str) -> bool:
    engine = _engine(url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def provision(ps: ProductionSettings) -> list[str]:
    """Create the role and both databases if missing (idempotent); return what was created."""
    app = make_url(ps.database_url)
    tracker = ps.tracker_url()
    created: list[str] = []
    engine = _engine(ps.postgres_admin_url).execution_options(isolation_level="AUTOCOMMIT")
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect() as conn:
            for role, password in {
                (app.username, app.password),
                (tracker.username, tracker.password),
            }:
                if not role:
                    continue
                found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
                if found.first() is None:
                    secret = ""
                    if password:
                        rendered = literal(password).compile(
                            engine, compile_kwargs={"literal_binds": True}
                        )
                        secret = f" PASSWORD {rendered}"
                    conn.exec_driver_sql(f"CREATE ROLE {quote(role)} LOGIN{secret}")
                    created.append(f"role {role}")
            for url in (app, tracker):
                name = url.database or ""
                found = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}
                )
                if found.first() is None:
                    owner = f" OWNER {quote(url.username)}" if url.username else ""
                    conn.exec_driver_sql(f"CREATE DATABASE {quote(name)}{owner}")
                    created.append(f"database {name}")
    except OperationalError as exc:
        raise LaunchError(
            f"cannot reach PostgreSQL as {make_url(ps.postgres_admin_url).render_as_string()} "
            f"to create the databases ({str(exc.orig).strip().splitlines()[0]}); create them "
            f"once by hand: {provision_hint(ps)}"
        ) from None
    finally:
        engine.dispose()
    return created


def provision_hint(ps: ProductionSettings) -> str:
    """The one command an administrator runs when we may not create databases ourselves."""
    app = make_url(ps.database_url)
    role = app.username or "asystent"
    return (
        f"sudo -u postgres psql -c \"CREATE ROLE {role} LOGIN PASSWORD '…'\" "
        f"-c 'CREATE DATABASE {app.database} OWNER {role}' "
        f"-c 'CREATE DATABASE {ps.tracker_url().database} OWNER {role}'"
    )


def ensure_databases(ps: ProductionSettings) -> None:
    """Both databases reachable, provisioning them first when they are not."""
    if _can_connect(ps.database_url) and _can_connect(ps.tracker_url()):
        return
    for item in provision(ps):
        print(f"    created {item}", flush=True)
    for url in (make_url(ps.database_url), ps.tracker_url()):
        if not _can_connect(url):
            raise LaunchError(
                f"cannot connect to {url.render_as_string()}; check DATABASE_URL / "
                "RASA_TRACKER_STORE_URL"
            )


def check_redis(ps: ProductionSettings) -> None:
    client = redis.Redis.from_url(ps.redis_url, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise LaunchError(f"Redis at {ps.redis_url} does not answer: {exc} (REDIS_URL)") from None
    finally:
        client.close()


# --- data protection ------------------------------------------------------------------------

LOCK_LIFETIME_S = 60.0


def _tickets(raw: bytes | str | None) -> list[dict[str, float]]:
    """The tickets of a Rasa TicketLock as stored in Redis (JSON of JSON strings)."""
    if not raw:
        return []
    now = time.time()
    tickets = [json.loads(t) for t in json.loads(raw).get("tickets", [])]
    return [t for t in tickets if t["expires"] > now]


@contextlib.contextmanager
def conversation_lock(
    client: redis.Redis, key_prefix: str, sender_id: str, timeout_s: float = 30.0
) -> Iterator[None]:
    """Hold Rasa's lock of one conversation (the format of AtomicRedisLockStore), so that no
    instance processes a message of it meanwhile; waits for the messages already queued."""
    key = f"{key_prefix}:lock:{sender_id}"

    def change(edit: Callable[[list[dict[str, float]]], int | None]) -> int | None:
        """Edit the ticket list in one WATCH/MULTI transaction, as the Rasa side does."""

        outcome: list[int | None] = []

        def transaction(pipe: redis.client.Pipeline) -> None:
            tickets = _tickets(pipe.get(key))
            outcome[:] = [edit(tickets)]  # a retried transaction edits afresh
            pipe.multi()
            if tickets:
                body = {"conversation_id": sender_id, "tickets": [json.dumps(t) for t in tickets]}
                pipe.set(key, json.dumps(body), px=int((LOCK_LIFETIME_S + 5) * 1000))
            else:
                pipe.delete(key)

        client.transaction(transaction, key)
        return outcome[0]

    def issue(tickets: list[dict[str, float]]) -> int:
        number = int(tickets[-1]["number"]) + 1 if tickets else 0
        tickets.append({"number": number, "expires": time.time() + LOCK_LIFETIME_S})
        return number

    def release(tickets: list[dict[str, float]]) -> None:
        tickets[:] = [t for t in tickets if t["number"] != ticket]

    ticket = change(issue)
    try:
        deadline = time.monotonic() + timeout_s
        while (queue := _tickets(client.get(key))) and queue[0]["number"] != ticket:
            if time.monotonic() > deadline:
                raise LaunchError(f"conversation {sender_id} stayed locked for {timeout_s:.0f} s")
            time.sleep(0.02)  # the queued messages finish within a second
        yield
    finally:
        change(release)


def delete_tracker(
    sender_id: str, *, tracker_db_url: URL | str | None = None, rasa_url: str | None = None,
    auth_token: str | None = None, redis_url: str | None = None, key_prefix: str = "asystent",
) -> int:  # fmt: skip
    """Forget a user's conversation in Rasa (the `/usun_dane` part that Rasa holds).

    With ``tracker_db_url`` (production: SQL tracker store) every row of the sender in
    Rasa's ``events`` table is deleted and the count returned. Otherwise (embedded profile:
    in-memory store) the tracker is replaced by an empty one through Rasa's HTTP API at
    ``rasa_url``; the count is then the number of events it held. With ``redis_url`` the
    conversation's Rasa lock is held meanwhile, so a message being processed cannot write
    the deleted events back.
    """
    if tracker_db_url is not None:
        with contextlib.ExitStack() as stack:
            if redis_url:
                client = stack.enter_context(redis.Redis.from_url(redis_url, socket_timeout=5))
                stack.enter_context(conversation_lock(client, key_prefix, sender_id))
            engine = _engine(tracker_db_url)
            stack.callback(engine.dispose)
            if not inspect(engine).has_table(EVENTS.name):
                return 0
            with engine.begin() as conn:
                statement = delete(EVENTS).where(EVENTS.c.sender_id == sender_id)
                return conn.execute(statement).rowcount
    if rasa_url is None:
        raise ValueError("delete_tracker needs tracker_db_url or rasa_url")
    params = {"token": auth_token} if auth_token else {}
    path = f"{rasa_url.rstrip('/')}/conversations/{quote(sender_id, safe=':@')}/tracker"
    with httpx.Client(timeout=10, params=params) as client:
        before = client.get(path)
        before.raise_for_status()
        held = len(before.json().get("events") or [])
        client.put(f"{path}/events", json=[]).raise_for_status()
    return held


def forget_conversation(sender_id: str, settings: Settings) -> int:
    """`delete_tracker` for the running profile: SQL when Rasa keeps conversations in
    PostgreSQL (``RASA_TRACKER_STORE_URL`` is set for every process of the production
    profile), Rasa's HTTP API at ``RASA_URL`` otherwise. Blocking: from async code use
    ``await asyncio.to_thread(forget_conversation, sender_id, settings)``."""
    tracker_url = os.environ.get("RASA_TRACKER_STORE_URL")
    if tracker_url:
        url = make_url(tracker_url).set(drivername="postgresql+psycopg")
        return delete_tracker(
            sender_id, tracker_db_url=url, redis_url=os.environ.get("REDIS_URL"),
            key_prefix=os.environ.get("REDIS_KEY_PREFIX", "asystent"),
        )  # fmt: skip
    token = os.environ.get("RASA_AUTH_TOKEN") or None
    return delete_tracker(sender_id, rasa_url=settings.rasa_url, auth_token=token)


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


def purge_trackers(engine: Engine, cutoff: datetime) -> int:
    """Delete Rasa events older than `cutoff`: whole conversations that went quiet before it,
    and the earlier sessions of the others (their current session stays consistent)."""
    stamp = cutoff.timestamp()
    newer = EVENTS.alias("newer")
    session_start = EVENTS.alias("session_start")
    latest_session = (
        select(func.max(session_start.c.timestamp))
        .where(
            session_start.c.sender_id == EVENTS.c.sender_id,
            session_start.c.type_name == "session_started",
        )
        .scalar_subquery()
    )
    if not inspect(engine).has_table(EVENTS.name):
        return 0  # Rasa has not stored a conversation yet
    quiet = ~exists().where(newer.c.sender_id == EVENTS.c.sender_id, newer.c.timestamp >= stamp)
    statement = delete(EVENTS).where(
        EVENTS.c.timestamp < stamp, or_(quiet, and_(EVENTS.c.timestamp < latest_session))
    )
    with engine.begin() as conn:
        return conn.execute(statement).rowcount


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    tracker_events: int
    notes: tuple[str, ...]


def retention(ps: ProductionSettings, days: int, now: datetime | None = None) -> RetentionReport:
    """Delete what is older than `days` days: Rasa events here; hand-off data when it offers it."""
    cutoff = retention_cutoff(days, now)
    engine = _engine(ps.tracker_url())
    try:
        events = purge_trackers(engine, cutoff)
    finally:
        engine.dispose()
    notes: list[str] = []
    try:
        purge = importlib.import_module(HANDOFF_RETENTION).purge
    except (ImportError, AttributeError):
        notes.append(f"hand-off data: skipped, {HANDOFF_RETENTION}.purge(session, cutoff=) missing")
    else:
        from bot.handoff.db import Database

        count = Database.from_url(ps.database_url).run(lambda s: purge(s, cutoff=cutoff))
        notes.append(f"hand-off data: {count} rows")
    logger.info("retention cutoff=%s tracker_events=%s", cutoff.isoformat(), events)
    return RetentionReport(cutoff, events, tuple(notes))


# --- processes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where every process listens; one machine here, see the README for several."""

    entry_host: str
    rasa_port: int
    action_port: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    bot_port: int
    rasa_servers: tuple[str, ...] = ()
    action_servers: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, ps: ProductionSettings) -> Layout:
        return cls(
            entry_host="127.0.0.1",
            rasa_port=settings.rasa_port,
            action_port=settings.action_port,
            rasa_ports=tuple(ps.rasa_instance_base_port + i + 1 for i in range(ps.rasa_instances)),
            action_ports=tuple(
                ps.action_instance_base_port + i + 1 for i in range(ps.action_instances)
            ),
            bot_port=settings.bot_port,
            rasa_servers=_addresses(ps.rasa_upstreams),
            action_servers=_addresses(ps.action_upstreams),
        )

    def upstreams(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """host:port of the Rasa instances and of the action servers nginx balances over."""
        return (
            self.rasa_servers or tuple(f"127.0.0.1:{p}" for p in self.rasa_ports),
            self.action_servers or tuple(f"127.0.0.1:{p}" for p in self.action_ports),
        )

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.rasa_ports]

    @property
    def entry_url(self) -> str:
        return f"http://{self.entry_host}:{self.rasa_port}"


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def render_nginx(
    layout: Layout, run_dir: Path, log_dir: Path, template: Path = NGINX_TEMPLATE
) -> Path:
    """Write the nginx config for `layout` into `run_dir` and return its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    rasa_servers, action_servers = layout.upstreams()
    values = {
        "RUN_DIR": str(run_dir),
        "LOG_DIR": str(log_dir),
        "ENTRY_HOST": layout.entry_host,
        "RASA_PORT": str(layout.rasa_port),
        "ACTION_PORT": str(layout.action_port),
        "RASA_SERVERS": "\n".join(
            f"        server {a} max_fails=1 fail_timeout=5s;" for a in rasa_servers
        ),
        "ACTION_SERVERS": "\n".join(
            f"        server {a} max_fails=1 fail_timeout=5s;" for a in action_servers
        ),
        "USER_LINE": "user nobody nogroup;" if os.geteuid() == 0 else "",
    }
    config = template.read_text()
    for key, value in values.items():
        config = config.replace(f"@@{key}@@", value)
    path = run_dir / "nginx.conf"
    path.write_text(config)
    return path


def rasa_environment(ps: ProductionSettings, layout: Layout) -> dict[str, str]:
    """What endpoints.production.yml and the Rasa server read from the environment."""
    return {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{layout.action_port}/webhook",
        "RASA_TRACKER_STORE_URL": ps.rasa_tracker_url(),
        "TRACKER_MAX_EVENTS": str(ps.tracker_max_events),
        "TRACKER_KEEP_TURNS": str(ps.tracker_keep_turns),
        "RASA_BIND": ps.rasa_bind,
        **ps.redis_parts(),
        # Rasa logs message texts only at DEBUG; libraries (sanic access log) at ERROR only.
        "LOG_LEVEL": ps.rasa_log_level,
        "LOG_LEVEL_LIBRARIES": "ERROR",
        "RASA_TELEMETRY_ENABLED": "false",
        # One TensorFlow thread per instance: instances, not threads, share out the cores.
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONUNBUFFERED": "1",
    }


def app_environment(ps: ProductionSettings, layout: Layout) -> dict[str, str]:
    """What the action servers and the web app need beyond .env."""
    return {
        "DATABASE_URL": ps.database_url,
        "RASA_TRACKER_STORE_URL": ps.rasa_tracker_url(),
        "RASA_URL": layout.entry_url,
        "REDIS_URL": ps.redis_url,
        "REDIS_KEY_PREFIX": ps.redis_key_prefix,
        "PYTHONUNBUFFERED": "1",
    }


def build_production_services(
    settings: Settings, ps: ProductionSettings, layout: Layout, model: Path, nginx_conf: Path,
    root: Path = REPO_ROOT,
) -> list[Service]:  # fmt: skip
    """Action servers, Rasa instances, nginx in front of both, the web app last."""
    rasa_bin = root / ".venv-rasa" / "bin" / "rasa"
    app_python = root / ".venv" / "bin" / "python"
    app_env = app_environment(ps, layout)
    services = [
        Service(
            name=f"actions-{i + 1}",
            command=[
                str(app_python),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(port),
            ],
            health_url=f"http://127.0.0.1:{port}/health",
            port=port,
            env=app_env,
        )
        for i, port in enumerate(layout.action_ports)
    ]
    auth = ["--auth-token", ps.rasa_auth_token] if ps.rasa_auth_token else []
    services += [
        Service(
            name=f"rasa-{i + 1}",
            command=[str(rasa_bin), "run", "--enable-api", "--interface", ps.rasa_bind,
                     "--port", str(port), "--model", str(model), "--endpoints", ENDPOINTS,
                     "--credentials", "credentials.yml", *auth],
            health_url=f"http://127.0.0.1:{port}/",
            port=port,
            env=rasa_environment(ps, layout),
        )
        for i, port in enumerate(layout.rasa_ports)
    ]  # fmt: skip
    nginx = nginx_binary() or "nginx"
    services.append(
        Service(
            name="nginx",
            command=[nginx, "-c", str(nginx_conf), "-p", str(nginx_conf.parent), "-e",
                     str(nginx_conf.parent / "nginx-startup.log")],
            health_url=f"{layout.entry_url}/",
            port=layout.rasa_port,
        )
    )  # fmt: skip
    services.append(web_service(settings, app_python, app_env))
    return services


class RestartingSupervisor(Supervisor):
    """The launcher's supervisor, restarting a child that dies instead of stopping everything.

    A restarted Rasa instance finds every conversation in PostgreSQL; meanwhile nginx sends
    its traffic to the others.
    """

    def __init__(self, services: Sequence[Service], log_dir: Path, root: Path = REPO_ROOT):
        super().__init__(services, log_dir, root)
        self.restarts: dict[str, int] = {}

    def spawn(self, service: Service) -> None:
        service.log_path = self.log_dir / f"{service.name}.log"
        with service.log_path.open("ab") as out:
            service.process = subprocess.Popen(  # noqa: S603 (fixed argv)
                service.command,
                cwd=self.root,
                env={**os.environ, **service.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def watch(self) -> int:
        self._watching = True
        next_try: dict[str, float] = {}
        while not self._stopping:
            for service in self.services:
                assert service.process is not None
                code = service.process.poll()
                if code is None:
                    continue
                now = time.monotonic()
                if service.name not in next_try:
                    count = self.restarts.get(service.name, 0)
                    delay = RESTART_BACKOFF_S[min(count, len(RESTART_BACKOFF_S) - 1)]
                    next_try[service.name] = now + delay
                    print(
                        f"warning: {service.name} exited with code {code}; restarting in "
                        f"{delay:.0f} s (log: {service.log_path})",
                        file=sys.stderr,
                        flush=True,
                    )
                elif now >= next_try[service.name]:
                    del next_try[service.name]
                    self.restarts[service.name] = self.restarts.get(service.name, 0) + 1
                    self.spawn(service)
                    print(f"    {service.name} restarted", flush=True)
            time.sleep(0.5)
        return 0


def verify_shared_state(urls: Sequence[str], tracker_db_url: URL, auth_token: str | None) -> None:
    """Write a probe conversation through one instance and read it through every other.

    Catches the silent fallback of Rasa to an in-memory store when the custom tracker store
    cannot be imported, which would make the instances disagree about conversations.
    """
    sender = f"probe-{uuid.uuid4().hex[:12]}"
    params = {"token": auth_token} if auth_token else {}
    event = {"event": "slot", "name": "last_topic", "value": "probe", "timestamp": time.time()}
    try:
        with httpx.Client(timeout=10, params=params) as client:
            client.post(
                f"{urls[0]}/conversations/{sender}/tracker/events", json=[event]
            ).raise_for_status()
            for url in urls[1:]:
                tracker = client.get(f"{url}/conversations/{sender}/tracker").json()
                if (tracker.get("slots") or {}).get("last_topic") != "probe":
                    raise LaunchError(
                        f"Rasa instances do not share conversations ({url}); check "
                        f"{ENDPOINTS} and the rasa logs for 'Tracker store with type'"
                    )
    finally:
        delete_tracker(sender, tracker_db_url=tracker_db_url)


def ensure_nginx(root: Path = REPO_ROOT) -> None:
    if nginx_binary():
        return
    result = subprocess.run([str(root / "scripts" / "ensure-nginx")], check=False)  # noqa: S603
    if result.returncode != 0 or not nginx_binary():
        raise LaunchError("nginx is needed as the entry point: sudo apt-get install nginx-light")


def run(settings: Settings, ps: ProductionSettings, root: Path = REPO_ROOT) -> int:
    """The production profile on this machine, end to end."""
    layout = Layout.from_settings(settings, ps)
    ports = [(layout.rasa_port, "RASA_PORT"), (layout.action_port, "ACTION_PORT"),
             (layout.bot_port, "BOT_PORT")]  # fmt: skip
    ports += [(p, "RASA_INSTANCE_BASE_PORT") for p in layout.rasa_ports]
    ports += [(p, "ACTION_INSTANCE_BASE_PORT") for p in layout.action_ports]
    for port, name in ports:
        check_port_free("127.0.0.1", port, name)
    started = time.monotonic()
    print("==> PostgreSQL: databases, migrations and seed; Redis; nginx", flush=True)
    ensure_databases(ps)
    prepare_database(settings)
    check_redis(ps)
    ensure_nginx(root)
    model = ready_model(root)
    run_dir, log_dir = root / "var" / "run", root / "var" / "log"
    nginx_conf = render_nginx(layout, run_dir, log_dir)
    services = build_production_services(settings, ps, layout, model, nginx_conf, root)
    supervisor = RestartingSupervisor(services, log_dir, root)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    try:
        print("==> starting services", flush=True)
        supervisor.start()
        supervisor.wait_healthy()
        verify_shared_state(layout.rasa_urls, ps.tracker_url(), ps.rasa_auth_token)
        print(f"    up in {time.monotonic() - started:.1f} s", flush=True)
        _print_banner(settings, ps, layout)
        return supervisor.watch()
    except StartAbortedError:
        return 0
    finally:
        print("==> stopping", flush=True)
        supervisor.stop()


def _print_banner(settings: Settings, ps: ProductionSettings, layout: Layout) -> None:
    rest = f"{layout.entry_url}/webhooks/rest/webhook"
    print(
        "\nAsystent Naborów is running (production profile).\n"
        f"  Web chat:      http://{settings.bot_host}:{settings.bot_port}/\n"
        f"  Rasa entry:    {rest} (nginx → {len(layout.rasa_ports)} Rasa instances)\n"
        f"  Conversations: {ps.tracker_url().render_as_string()} (PostgreSQL)\n"
        f"  Locks:         {ps.redis_url} (Redis)\n"
        "  Logs:          var/log/ (no message texts at the default log levels)\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def check(settings: Settings, ps: ProductionSettings) -> list[str]:
    """Problems with any part of a running production profile (empty when all is well)."""
    problems: list[str] = []
    for name, database in (
        ("app database", make_url(ps.database_url)),
        ("tracker database", ps.tracker_url()),
    ):
        if not _can_connect(database):
            problems.append(f"{name} unreachable: {database.render_as_string()}")
    try:
        check_redis(ps)
    except LaunchError as exc:
        problems.append(str(exc))
    layout = Layout.from_settings(settings, ps)
    targets = [("entry", f"{layout.entry_url}/")]
    targets += [(f"rasa-{i + 1}", f"{u}/") for i, u in enumerate(layout.rasa_urls)]
    targets += [
        (f"actions-{i + 1}", f"http://127.0.0.1:{p}/health")
        for i, p in enumerate(layout.action_ports)
    ]
    targets.append(("web", f"http://127.0.0.1:{settings.bot_port}/health"))
    with httpx.Client(timeout=3) as client:
        for name, url in targets:
            try:
                if client.get(url).status_code >= 500:
                    problems.append(f"{name} unhealthy: {url}")
            except httpx.HTTPError as exc:
                problems.append(f"{name} unreachable: {url} ({type(exc).__name__})")
    return problems


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (SettingsError, LaunchError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: Sequence[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m bot.production", description=__doc__, formatter_class=raw
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the production profile on this machine")
    sub.add_parser("provision", help="create the PostgreSQL role and databases if missing")
    sub.add_parser("check", help="check every part of a running production profile")
    keep = sub.add_parser("retention", help="delete conversations older than N days")
    keep.add_argument("--days", type=int, default=None, help="default: RETENTION_DAYS")
    forget = sub.add_parser("delete-tracker", help="delete one user's conversation in Rasa")
    forget.add_argument("sender_id")
    env = sub.add_parser("env", help="print the environment of one kind of process")
    env.add_argument("kind", choices=("rasa", "app"))
    nginx = sub.add_parser("render-nginx", help="write the entry point's nginx config")
    nginx.add_argument("--run-dir", type=Path, default=REPO_ROOT / "var" / "run")
    nginx.add_argument("--log-dir", type=Path, default=REPO_ROOT / "var" / "log")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with _errors():
        ps = load_production_settings()
        settings = load_settings(database_url=ps.database_url)
        if args.command == "provision":
            created = provision(ps)
            print("created: " + ", ".join(created) if created else "nothing to create")
            return 0
        if args.command == "check":
            problems = check(settings, ps)
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            print("ok" if not problems else f"{len(problems)} problem(s)")
            return 1 if problems else 0
        if args.command == "retention":
            report = retention(ps, args.days or ps.retention_days)
            print(f"cutoff {report.cutoff:%Y-%m-%d %H:%M} UTC: {report.tracker_events} Rasa events")
            for note in report.notes:
                print(f"  {note}")
            return 0
        layout = Layout.from_settings(settings, ps)
        if args.command == "env":
            values = (
                rasa_environment(ps, layout) if args.kind == "rasa" else app_environment(ps, layout)
            )
            for key, value in values.items():
                print(f"{key}={value}")
            return 0
        if args.command == "render-nginx":
            print(render_nginx(layout, args.run_dir, args.log_dir))
            return 0
        if args.command == "delete-tracker":
            count = delete_tracker(
                args.sender_id, tracker_db_url=ps.tracker_url(), redis_url=ps.redis_url,
                key_prefix=ps.redis_key_prefix,
            )  # fmt: skip
            print(f"deleted {count} events")
            return 0
        return run(settings, ps)


if __name__ == "__main__":
    sys.exit(main())
