"""A port the assistant needs is taken: one line naming the port, the setting and the fix,
before anything is started (the launcher checks ports before the database, model or Rasa)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.launcher import LaunchError, check_port_free
from tests.foundation.helpers import launcher_env, only_line, refusing_port, run_launcher

PORT_SETTINGS = ("RASA_PORT", "ACTION_PORT", "BOT_PORT")


def in_use(port: int, setting: str) -> str:
    return (
        f"port {port} ({setting}) is already in use: stop the other process "
        f"or set {setting} to a free port in .env"
    )


def test_a_listening_port_is_refused_with_one_line(busy_port: int) -> None:
    with pytest.raises(LaunchError) as raised:
        check_port_free("127.0.0.1", busy_port, "BOT_PORT")

    assert str(raised.value) == in_use(busy_port, "BOT_PORT")


def test_a_port_only_bound_by_another_socket_is_refused_too() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = int(holder.getsockname()[1])

        with pytest.raises(LaunchError, match=rf"^port {port} \(RASA_PORT\) is already in use"):
            check_port_free("127.0.0.1", port, "RASA_PORT")


def test_the_same_port_passes_once_it_is_released() -> None:
    """Control: the check reports the holder, not every port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        with pytest.raises(LaunchError):
            check_port_free("127.0.0.1", port, "ACTION_PORT")

    check_port_free("127.0.0.1", port, "ACTION_PORT")  # does not raise


@pytest.mark.parametrize("busy_setting", PORT_SETTINGS)
def test_launcher_run_stops_at_a_busy_port_with_one_line_and_starts_nothing(
    busy_setting: str, busy_port: int, tmp_path: Path
) -> None:
    """The real `python -m bot.launcher run`; the other two ports are free (bound, read and
    released just before), so the message must name the one that is taken."""
    free: dict[str, str] = {}
    for setting in PORT_SETTINGS:
        if setting != busy_setting:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind(("127.0.0.1", 0))
                free[setting] = str(probe.getsockname()[1])
    with refusing_port() as refused:
        env = launcher_env(tmp_path, refused, **free, **{busy_setting: str(busy_port)})
        result = run_launcher(tmp_path, env)

    assert result.returncode == 2
    assert only_line(result.stderr) == f"error: {in_use(busy_port, busy_setting)}"
    # Every later step announces itself ("==> database…", "==> model…") before starting.
    assert result.stdout == ""
