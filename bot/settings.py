"""Typed application settings, read from the environment and an optional `.env` file.

Nothing is read at import time: call :func:`load_settings` from ``main()`` or a fixture.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any, Literal

from dotenv.parser import parse_stream
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge_base.documents import Thresholds

# The shipped retrieval bands (chosen in bench/README.md); KB_* settings override them.
_BANDS = Thresholds()

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = REPO_ROOT / "var" / "asystent.db"
PLACEHOLDER = "changeme"


class SettingsError(Exception):
    """A setting has a value that cannot be used; the message names it in one line."""


class Settings(BaseSettings):
    """Every setting of the application; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    timezone: str = "Europe/Warsaw"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    action_port: int = Field(default=5055, ge=1, le=65535)
    bot_host: str = "127.0.0.1"
    bot_port: int = Field(default=8000, ge=1, le=65535)
    rasa_timeout_s: float = Field(default=8.0, gt=0, le=60)

    secret_key: str = PLACEHOLDER

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_rate_limit_per_minute: int = Field(default=20, ge=1)

    messenger_verify_token: str | None = None
    messenger_app_secret: str | None = None
    messenger_page_access_token: str | None = None
    messenger_graph_api_url: str = "https://graph.facebook.com/v21.0"

    coordinator_chat_id: int | None = None

    # Retrieval bands, calibrated on tests/data/retrieval_eval.yml (bench/README.md, Retrieval).
    kb_answer_threshold: float = Field(default=_BANDS.answer, ge=0, le=100)
    kb_suggest_threshold: float = Field(default=_BANDS.suggest, ge=0, le=100)
    kb_confident_threshold: float = Field(default=_BANDS.confident, ge=0, le=100)
    kb_margin: float = Field(default=_BANDS.margin, ge=0, le=100)
    kb_tie: float = Field(default=_BANDS.tie, ge=0, le=100)
    kb_stale_after_days: int = Field(default=365, ge=1)

    # --- hand-off to the coordinator (bot/handoff) ---
    handoff_office_hours: str = "mon-fri 08:00-16:00"
    handoff_holidays: str = ""  # extra days off, "2026-12-24,2026-12-31"; public holidays built in
    handoff_response_working_days: int = Field(default=1, ge=1, le=30)
    handoff_remind_after_minutes: int = Field(default=120, ge=1)
    handoff_reminder_interval_s: float = Field(default=300.0, gt=0)
    handoff_transcript_turns: int = Field(default=10, ge=1, le=50)
    handoff_outbox_poll_s: float = Field(default=1.0, gt=0, le=60)
    handoff_outbox_max_attempts: int = Field(default=15, ge=1, le=100)
    handoff_email_to: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if not (
            self.kb_suggest_threshold <= self.kb_confident_threshold <= self.kb_answer_threshold
        ):
            raise ValueError(
                "KB thresholds must satisfy KB_SUGGEST_THRESHOLD <= KB_CONFIDENT_THRESHOLD "
                "<= KB_ANSWER_THRESHOLD"
            )
        if self.kb_tie > self.kb_margin:
            raise ValueError("KB_TIE must not exceed KB_MARGIN")
        if self.environment == "production" and self.secret_key == PLACEHOLDER:
            raise ValueError("SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def messenger_enabled(self) -> bool:
        return bool(
            self.messenger_verify_token
            and self.messenger_app_secret
            and self.messenger_page_access_token
        )


_NEWLINE = re.compile(r"\r\n|\n|\r")


def _read_env_file(path: Path) -> dict[str, int]:
    """The line of each name set in an env file; a line python-dotenv would skip silently
    (no `=`, an unclosed quote, a stray word) is a SettingsError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"invalid {path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from None
    lines: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        # A binding starts after the previous one, so it may begin with blank lines.
        source = binding.original.string
        blank = source[: len(source) - len(source.lstrip())]
        line = binding.original.line + len(_NEWLINE.findall(blank))
        if binding.error:
            # Name only the first word: the rest of the line may be a secret.
            word = re.match(r"\s*(?:export\s+)?([^\s=#]+)", binding.original.string)
            what = f" ({word.group(1)} …)" if word else ""
            raise SettingsError(
                f"invalid line in {path}, line {line}{what}: expected NAME=value "
                "(check for a missing '=' or an unclosed quote)"
            )
        if binding.key is None:  # blank lines and comments
            continue
        if binding.value is None:
            raise SettingsError(
                f"invalid line in {path}, line {line}: {binding.key} has no '='; "
                f"write {binding.key}=value or delete the line"
            )
        lines[binding.key.lower()] = line  # the last one wins, as in python-dotenv
    return lines


def _origin(name: str, env_lines: dict[str, int], env_path: Path | None) -> str:
    """Where the value of setting `name` came from, as a suffix for an error message."""
    if any(key.lower() == name for key in os.environ):  # the environment beats the file
        return f" (environment variable {name.upper()})"
    if env_path is not None and name in env_lines:
        return f" ({env_path}, line {env_lines[name]})"
    return ""


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Build settings from the environment (and `env_file`); raise SettingsError on bad values.

    Every message is one line naming the setting and where its value came from (the
    environment variable, or the file and line)."""
    env_path = Path(env_file).expanduser() if env_file is not None else None
    if env_path is not None and not env_path.is_file():
        env_path = None  # an absent file is fine: every setting has a default
    env_lines = _read_env_file(env_path) if env_path is not None else {}
    try:
        # pydantic-settings takes the env file as a private init argument.
        factory: Any = Settings
        settings: Settings = factory(_env_file=env_file, **overrides)
        return settings
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if not field:  # a rule across settings (the message names them)
            raise SettingsError(
                f"invalid settings: {message} (check .env or the environment)"
            ) from None
        origin = "" if field in overrides else _origin(field, env_lines, env_path)
        raise SettingsError(f"invalid setting {field.upper()}: {message}{origin}") from None


def kb_thresholds(settings: Settings) -> Thresholds:
    """The retrieval bands from settings."""
    return Thresholds(
        answer=settings.kb_answer_threshold,
        suggest=settings.kb_suggest_threshold,
        confident=settings.kb_confident_threshold,
        margin=settings.kb_margin,
        tie=settings.kb_tie,
    )
