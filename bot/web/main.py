"""Run the bot web app with uvicorn: `python -m bot.web.main` (the launcher does this).

This is where the real services are wired: the knowledge base (for the staff panel), the
hand-off runtime, and the channels enabled by settings.
"""

from __future__ import annotations

import logging
import sys

import uvicorn
from fastapi import FastAPI

from bot.settings import Settings, SettingsError, kb_thresholds, load_settings
from bot.web.app import create_app


def build_app(settings: Settings) -> FastAPI:
    """The production web app: everything on, from settings (nothing is contacted yet)."""
    from bot.handoff.runtime import HandoffRuntime
    from knowledge_base.db import make_engine, make_session_factory
    from knowledge_base.retrieval import Retriever
    from knowledge_base.service import KnowledgeService

    sessions = make_session_factory(make_engine(settings.database_url))
    knowledge = KnowledgeService(sessions, Retriever, kb_thresholds(settings))
    return create_app(
        settings,
        handoff=HandoffRuntime.build(settings),
        kb_sessions=sessions,
        knowledge=knowledge,
    )


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        build_app(settings), host=settings.bot_host, port=settings.bot_port, log_level="info"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
