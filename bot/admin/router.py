"""The staff panel at /admin as one APIRouter, built from settings and the app's services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from bot.admin.accounts import ThrottlePolicy
from bot.admin.panel import DEFAULT_SESSION_LIFETIME, PREFIX, AdminContext, Clock, route_class
from bot.admin.routes import (
    auth,
    calls,
    dashboard,
    entries,
    handoff,
    history,
    transfer,
    unanswered,
    users,
)
from bot.admin.sessions import SessionCodec
from bot.handoff.db import Database
from bot.handoff.service import HandoffService
from bot.settings import Settings
from knowledge_base.service import KnowledgeService

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def admin_router(
    settings: Settings,
    session_factory: sessionmaker[Session],
    knowledge: KnowledgeService | None = None,
    handoff_service: HandoffService | None = None,
    *,
    handoff_db: Database | None = None,
    clock: Clock = _utcnow,
    throttle: ThrottlePolicy | None = None,
    session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
) -> APIRouter:
    """Every page of the panel under /admin; include it with ``app.include_router(...)``.

    Args:
        session_factory: sessions on the knowledge-base database (staff tables live there too).
        knowledge: the service the assistant answers from; „Sprawdź pytanie” uses it.
        handoff_service: the hand-off use cases; without it the hand-off page says it is off.
        handoff_db: the hand-off's transaction runner (real SQLite transactions); by default
            hand-off writes use `session_factory`.
        clock: "now" for throttling, sessions, call statuses and the dashboard (tests fix it).
    """
    ctx = AdminContext(
        session_factory=session_factory,
        codec=SessionCodec(settings.secret_key, lifetime=session_lifetime),
        knowledge=knowledge,
        handoff=handoff_service,
        handoff_db=handoff_db,
        clock=clock,
        tz=ZoneInfo(settings.timezone),
        secure_cookies=settings.environment == "production",
        throttle=throttle or ThrottlePolicy(),
    )
    router = APIRouter(route_class=route_class(ctx))
    for area in (auth, dashboard, entries, history, calls, unanswered, transfer, handoff, users):
        area.add_routes(router, ctx)
    router.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
    return router
