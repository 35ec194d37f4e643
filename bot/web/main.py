"""Run the bot web app with uvicorn: `python -m bot.web.main` (the launcher does this)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from bot.settings import SettingsError, load_settings
from bot.web.app import create_app


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
        create_app(settings), host=settings.bot_host, port=settings.bot_port, log_level="info"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
