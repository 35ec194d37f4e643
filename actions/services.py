"""The services the actions use, built once on first use (never at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from knowledge_base.answering import Answerer

_lock = threading.Lock()
_services: ActionServices | None = None


@dataclass
class ActionServices:
    answerer: Answerer


def build_services() -> ActionServices:
    """Wire the real services from settings (DATABASE_URL, thresholds)."""
    from bot.settings import load_settings
    from knowledge_base.answering import build_answerer

    return ActionServices(answerer=build_answerer(load_settings()))


def get_services() -> ActionServices:
    global _services
    with _lock:
        if _services is None:
            _services = build_services()
        return _services


def set_services(services: ActionServices | None) -> None:
    """Install services for tests (an in-memory knowledge base), or reset with None."""
    global _services
    with _lock:
        _services = services
