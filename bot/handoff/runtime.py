"""Everything the web app runs for the hand-off, built from settings and started in its lifespan.

Wiring (in ``bot.web.app.create_app``'s lifespan)::

    handoff = HandoffRuntime.build(settings)
    assistant = handoff.assistant(RasaAssistant(settings.rasa_url, settings.rasa_timeout_s))
    app.include_router(handoff.router())                       # GET /api/chat/updates
    telegram_app = build_application(settings, assistant, commands=handoff.commands())
    handoff.attach_telegram(telegram_app)                      # applicants + coordinator chat
    handoff.attach_messenger(graph_client)                     # if Messenger is configured
    await handoff.start()                                      # outbox worker + reminders
    ...
    await handoff.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter

from bot.assistant import Assistant
from bot.channels.base import OutboundChannel
from bot.channels.telegram.application import TelegramApp, telegram_channel
from bot.handoff.assistant import HandoffAwareAssistant
from bot.handoff.commands import HandoffCommands
from bot.handoff.coordinator import CoordinatorChannel, CoordinatorHandlers
from bot.handoff.db import Database
from bot.handoff.email import EmailChannel, SmtpConfig
from bot.handoff.outbox import Clock, OutboxWorker, RetryPolicy, utcnow
from bot.handoff.reminders import ReminderJob
from bot.handoff.service import HandoffService
from bot.handoff.web_inbox import WebInbox, web_inbox_router
from bot.privacy import TrackerForgetter, rasa_tracker_forgetter
from bot.settings import Settings

logger = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0


class HandoffRuntime:
    """The database, service, outbox worker, reminders and web inbox of one process."""

    def __init__(
        self,
        db: Database,
        service: HandoffService,
        worker: OutboxWorker,
        reminders: ReminderJob,
        web_inbox: WebInbox,
        *,
        forget_tracker: TrackerForgetter | None = None,
    ):
        self.db = db
        self.service = service
        self.worker = worker
        self.reminders = reminders
        self.web_inbox = web_inbox
        self.forget_tracker = forget_tracker
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock = utcnow) -> HandoffRuntime:
        """Nothing is contacted here; `start` starts the background work."""
        db = Database.from_url(settings.database_url)
        service = HandoffService.from_settings(settings, clock=clock)
        worker = OutboxWorker(
            db.sessions,
            {},
            clock=clock,
            policy=RetryPolicy(max_attempts=settings.handoff_outbox_max_attempts),
            poll_s=settings.handoff_outbox_poll_s,
            on_dead=service.report_dead,
        )
        service.wake = worker.wake
        web_inbox = WebInbox(db, clock)
        worker.register(web_inbox)
        smtp = SmtpConfig.from_settings(settings)
        if smtp is not None:
            worker.register(EmailChannel(smtp))
        reminders = ReminderJob(
            db,
            service,
            after_minutes=settings.handoff_remind_after_minutes,
            interval_s=settings.handoff_reminder_interval_s,
        )
        forget = rasa_tracker_forgetter(settings)
        return cls(db, service, worker, reminders, web_inbox, forget_tracker=forget)

    def assistant(self, inner: Assistant) -> HandoffAwareAssistant:
        """`inner` (Rasa) wrapped so open requests go to the coordinator; give it to channels."""
        return HandoffAwareAssistant(
            inner, self.service, self.db, forget_tracker=self.forget_tracker
        )

    def commands(self) -> HandoffCommands:
        """`/status` and `/usun_dane` for `build_application(..., commands=...)`."""
        return HandoffCommands(self.service, self.db, forget_tracker=self.forget_tracker)

    def router(self) -> APIRouter:
        return web_inbox_router(self.web_inbox, self.db)

    def attach_telegram(self, app: TelegramApp) -> None:
        """Deliver to Telegram applicants and, if configured, run the coordinator chat."""
        self.register(telegram_channel(app))
        chat_id = self.service.coordinator_chat_id
        if chat_id is None:
            logger.warning("COORDINATOR_CHAT_ID not set: requests are stored but not announced")
            return
        self.register(CoordinatorChannel(app.bot, self.db, self.service))
        CoordinatorHandlers(self.db, self.service, chat_id).register(app)

    def attach_messenger(self, client: OutboundChannel) -> None:
        """Deliver to Messenger applicants through the channel's Send API client."""
        self.register(client)

    def register(self, channel: OutboundChannel) -> None:
        self.worker.register(channel)

    async def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.worker.run_forever(self._stop), name="handoff-outbox"),
            asyncio.create_task(self.reminders.run_forever(self._stop), name="handoff-reminders"),
        ]

    async def stop(self) -> None:
        """Let an in-flight delivery finish (bounded), then release the database."""
        self._stop.set()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    logger.error("handoff task failed error=%r", task.exception())
        self._tasks = []
        self.db.dispose()
