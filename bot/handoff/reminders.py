"""Reminds the coordinator, during office hours, of requests left waiting too long."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.orm import Session

from bot.handoff.db import Database
from bot.handoff.service import HandoffService

logger = logging.getLogger(__name__)


class ReminderJob:
    """Every `interval_s`, one reminder per request unanswered for `after_minutes` (repeated
    after as long again); silent while the office is closed, so nobody is paged at night."""

    def __init__(
        self, db: Database, service: HandoffService, *, after_minutes: int, interval_s: float
    ):
        self._db = db
        self._service = service
        self._after_minutes = after_minutes
        self._interval_s = interval_s

    async def run_once(self) -> list[str]:
        """Post the reminders due now; returns the request numbers reminded about."""
        return await self._db.call(self._remind)

    def _remind(self, session: Session) -> list[str]:
        now = self._service.clock()
        if not self._service.office_hours.is_open(now):
            return []
        due = self._service.due_reminders(session, now=now, after_minutes=self._after_minutes)
        for request in due:
            self._service.remind(session, request, now=now)
        if due:
            logger.info("handoff reminders sent requests=%s", [r.number for r in due])
        return [r.number for r in due]

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("handoff reminders failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval_s)
