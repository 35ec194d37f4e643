"""A broken `.env`: `load_settings` names the file, the line and the setting in one line, and
`python -m bot.launcher run` prints just that line (no traceback) and stops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT, Settings, SettingsError, load_settings
from tests.foundation.helpers import launcher_env, only_line, refusing_port, run_launcher

INT_ERROR = "Input should be a valid integer, unable to parse string as an integer"


@pytest.fixture(autouse=True)
def no_settings_in_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's or CI's environment must not set (and so override) what .env says."""
    names = {name.upper() for name in Settings.model_fields}
    for key in list(os.environ):
        if key.upper() in names:
            monkeypatch.delenv(key)


def write_env(directory: Path, content: str | bytes) -> Path:
    path = directory / ".env"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "RASA_PORT=abc\n", "invalid setting RASA_PORT: {int} ({env}, line 1)", id="not-a-number"
        ),
        pytest.param(
            "# ports\n\n\nexport bot_port = 70000\n",
            "invalid setting BOT_PORT: Input should be less than or equal to 65535 ({env}, line 4)",
            id="out-of-range-after-blank-lines",
        ),
        pytest.param(
            "RASA_PORT=5005\nSECRET_KEY=x\nRASA_PORT=x5\n",
            "invalid setting RASA_PORT: {int} ({env}, line 3)",
            id="the-last-of-two-wins",
        ),
        pytest.param(
            "BOT_PORT=8000\nRASA_PORT\n",
            "invalid line in {env}, line 2: RASA_PORT has no '='; "
            "write RASA_PORT=value or delete the line",
            id="no-equals-sign",
        ),
        pytest.param(
            'SECRET_KEY=x\nKB_TIE="1.5\n',
            "invalid line in {env}, line 2 (KB_TIE …): expected NAME=value "
            "(check for a missing '=' or an unclosed quote)",
            id="unclosed-quote",
        ),
        pytest.param(
            b"SECRET_KEY=\xb3\xf3dz\n",
            "invalid {env}: not UTF-8 text (byte 0xb3 at offset 11); save it as UTF-8",
            id="not-utf8",
        ),
        pytest.param(
            "KB_TIE=20\nKB_MARGIN=5\n",
            "invalid settings: KB_TIE must not exceed KB_MARGIN (check .env or the environment)",
            id="rule-across-settings",
        ),
    ],
)
def test_load_settings_names_file_line_and_setting(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    env = write_env(tmp_path, content)

    with pytest.raises(SettingsError) as raised:
        load_settings(env)

    assert str(raised.value) == expected.format(env=env, int=INT_ERROR)


def test_a_line_with_a_secret_is_named_by_its_first_word_only(tmp_path: Path) -> None:
    env = write_env(tmp_path, "RASA_PORT=5005\nTELEGRAM_BOT_TOKEN 123456:AAHx9zq\n")

    with pytest.raises(SettingsError) as raised:
        load_settings(env)

    message = str(raised.value)
    assert message.startswith(f"invalid line in {env}, line 2 (TELEGRAM_BOT_TOKEN …)")
    assert "AAHx9zq" not in message
    assert "123456" not in message


def test_a_bad_environment_variable_is_blamed_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write_env(tmp_path, "RASA_PORT=5005\n")
    monkeypatch.setenv("RASA_PORT", "abc")

    with pytest.raises(SettingsError) as raised:
        load_settings(env)

    assert (
        str(raised.value)
        == f"invalid setting RASA_PORT: {INT_ERROR} (environment variable RASA_PORT)"
    )


def test_a_valid_file_in_every_supported_form_still_loads(tmp_path: Path) -> None:
    """Control: comments, blank lines, `export`, quotes, unknown names and an empty value pass."""
    env = write_env(
        tmp_path,
        "# ports\n\nexport RASA_PORT=5006\nBOT_HOST='0.0.0.0'  # all interfaces\n"
        'HANDOFF_OFFICE_HOURS="mon-fri 09:00-15:00"\nSOME_OTHER_TOOL=1\nTELEGRAM_BOT_TOKEN=\n',
    )

    settings = load_settings(env)

    assert settings.rasa_port == 5006
    assert settings.bot_host == "0.0.0.0"
    assert settings.handoff_office_hours == "mon-fri 09:00-15:00"
    assert not settings.telegram_enabled


def test_the_documented_example_file_loads() -> None:
    """`.env.example` is what people copy: the stricter reading must accept all of it."""
    settings = load_settings(REPO_ROOT / ".env.example")

    assert settings.rasa_port == 5005


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "SECRET_KEY=x\nRASA_PORT=abc\n",
            f"error: invalid setting RASA_PORT: {INT_ERROR} (.env, line 2)",
            id="invalid-value",
        ),
        pytest.param(
            "RASA_PORT\n",
            "error: invalid line in .env, line 1: RASA_PORT has no '='; "
            "write RASA_PORT=value or delete the line",
            id="no-equals-sign",
        ),
        pytest.param(
            b"\xff\xfeR\x00",
            "error: invalid .env: not UTF-8 text (byte 0xff at offset 0); save it as UTF-8",
            id="not-utf8",
        ),
    ],
)
def test_launcher_run_prints_one_line_and_stops(
    tmp_path: Path, busy_port: int, content: str | bytes, expected: str
) -> None:
    """The real `python -m bot.launcher run`, in a directory holding the broken .env. The
    other two ports are taken, so a launcher that ignored the file would stop at them."""
    work = tmp_path / "work"
    work.mkdir()
    write_env(work, content)
    with refusing_port() as refused:
        env = launcher_env(tmp_path, refused, ACTION_PORT=str(busy_port), BOT_PORT=str(busy_port))
        result = run_launcher(work, env)

    assert result.returncode == 2
    assert only_line(result.stderr) == expected
    assert result.stdout == ""
