"""Migration 0002 matches the models; reminders respect office hours; the engine is atomic."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import bot.handoff.models  # noqa: F401 - registers the hand-off tables on Base.metadata
from bot.handoff.db import Database, make_handoff_engine
from bot.handoff.outbox import COORDINATOR
from bot.handoff.reminders import ReminderJob
from bot.handoff.service import HandoffService
from knowledge_base.db import head_revision
from knowledge_base.models import Base
from tests.handoff.conftest import ManualClock, open_for, outbox_rows


def _handoff_only(obj: Any, name: Any, kind: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if kind == "table" else getattr(obj, "table", None)
    return table is not None and str(table.name).startswith("handoff_")


def test_the_migration_matches_the_models(database_url: str) -> None:
    engine = make_handoff_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": _handoff_only},
            )
            differences = compare_metadata(context, Base.metadata)
            revision = context.get_current_revision()
    finally:
        engine.dispose()

    assert differences == []
    assert revision == head_revision()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        make_handoff_engine("sqlite://")


def test_a_savepoint_does_not_commit_on_its_own(db: Database) -> None:
    """The pysqlite pitfall the hand-off engine avoids (see bot.handoff.db)."""

    def work(session: Any) -> None:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO handoff_outbox_sequences (channel, recipient, last_seq) "
                    "VALUES ('x', 'y', 1)"
                )
            )
        raise RuntimeError("roll everything back")

    with pytest.raises(RuntimeError):
        db.run(work)

    assert (
        db.run(lambda s: s.execute(text("SELECT count(*) FROM handoff_outbox_sequences")).scalar())
        == 0
    )


async def test_reminders_only_while_the_office_is_open(
    db: Database, service: HandoffService, clock: ManualClock
) -> None:
    job = ReminderJob(db, service, after_minutes=120, interval_s=60)
    open_for(db, service, "telegram:5123456789")  # Wednesday 10:00

    clock.advance(hours=1)
    assert await job.run_once() == []
    clock.advance(hours=2)  # 13:00
    assert await job.run_once() == ["Z-0001"]
    assert await job.run_once() == []
    clock.advance(hours=8)  # 21:00: closed, nobody is paged
    assert await job.run_once() == []
    clock.advance(hours=11, minutes=30)  # Thursday 8:30
    assert await job.run_once() == ["Z-0001"]

    reminders = [r.payload["text"] for r in outbox_rows(db, channel=COORDINATOR)][1:]
    assert reminders == [
        "⏰ Przypomnienie: zgłoszenie Z-0001 czeka od 3 godz. (nikt go jeszcze nie przejął).",
        "⏰ Przypomnienie: zgłoszenie Z-0001 czeka od 22 godz. (nikt go jeszcze nie przejął).",
    ]
