"""Ctrl-C / SIGTERM during start-up (health checks, warm-up) abandons the start at once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.launcher import Service, StartAbortedError, Supervisor


def _sleeper() -> Service:
    return Service("sleeper", ["sleep", "30"], health_url="http://127.0.0.1:1/", port=1)


def test_a_stop_during_start_up_aborts_the_start(tmp_path: Path) -> None:
    supervisor = Supervisor([_sleeper()], tmp_path, tmp_path)

    with pytest.raises(StartAbortedError):
        supervisor.request_stop(signal.SIGTERM, None)
    assert supervisor.watch() == 0  # the stop is remembered: watch() returns at once
