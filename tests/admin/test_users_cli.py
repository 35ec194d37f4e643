"""`kb users add|list|passwd|disable|enable`, run through argparse like the `kb` command."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.users_cli import Console, register, run
from bot.settings import Settings, load_settings


def kb_users(settings: Settings, *argv: str, stdin: str = "", answers: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="kb")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["users", *argv])
    prompts = iter(answers or [])
    console = Console(
        stdin=io.StringIO(stdin),
        out=io.StringIO(),
        err=io.StringIO(),
        ask=lambda prompt: next(prompts),
    )
    code = args.handler(args, settings, console)
    assert args.handler is run
    return code, console.out.getvalue(), console.err.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(env_file=None, environment="test", database_url=database_url)


def test_add_with_prompts_list_passwd_disable(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    code, out, _ = kb_users(
        settings,
        "add",
        "Ewa",
        "--role",
        "editor",
        "--name",
        "Ewa Nowak",
        answers=["haslo-ewy-1234", "haslo-ewy-1234"],
    )
    assert code == 0
    assert "Dodano konto „ewa” (rola: editor)." in out
    with sessions() as db:
        user = accounts.authenticate(db, login="ewa", password="haslo-ewy-1234", now=_now())
        assert user is not None
        assert user.display_name == "Ewa Nowak"
        assert user.password_hash.startswith("$argon2id$")
    code, out, _ = kb_users(settings, "list")
    assert "ewa" in out
    assert "editor" in out
    assert "aktywne" in out
    code, out, _ = kb_users(
        settings, "passwd", "ewa", "--password-stdin", stdin="inne-haslo-5678\n"
    )
    assert code == 0
    code, out, _ = kb_users(settings, "disable", "ewa")
    assert "wyłączone" in out
    with sessions() as db:
        assert (
            accounts.authenticate(db, login="ewa", password="inne-haslo-5678", now=_now()) is None
        )
    kb_users(settings, "enable", "ewa")
    with sessions() as db:
        assert (
            accounts.authenticate(db, login="ewa", password="inne-haslo-5678", now=_now())
            is not None
        )


@pytest.mark.parametrize(
    ("argv", "stdin", "answers", "message"),
    [
        (
            ["add", "x1", "--role", "admin"],
            "",
            ["dlugie-haslo-1", "inne-haslo-22"],
            "Hasła się różnią",
        ),
        (["add", "x1", "--role", "admin", "--password-stdin"], "krotkie\n", None, "co najmniej 10"),
        (
            ["add", "ala", "--role", "admin", "--password-stdin"],
            "dlugie-haslo-1\n",
            None,
            "już istnieje",
        ),
        (
            ["add", "Zły login!", "--role", "admin", "--password-stdin"],
            "dlugie-haslo-1\n",
            None,
            "Login musi",
        ),
        (["passwd", "nikt", "--password-stdin"], "dlugie-haslo-1\n", None, "Nie ma konta „nikt”"),
    ],
)
def test_refusals(settings: Settings, argv, stdin, answers, message) -> None:
    code, _, err = kb_users(settings, *argv, stdin=stdin, answers=answers)
    assert code == 1
    assert message in err


def test_role_must_be_known(settings: Settings) -> None:
    with pytest.raises(SystemExit):
        kb_users(settings, "add", "x1", "--role", "boss")


def _now() -> datetime:
    return datetime.now(UTC)
