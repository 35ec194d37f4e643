"""`kb users add|list|passwd|disable|enable`: staff accounts of the panel, from the shell.

    kb users add anna --role editor [--name "Anna Kowalska"] [--password-stdin]
    kb users list
    kb users passwd anna [--password-stdin]
    kb users disable anna      (enable anna)

Passwords are asked twice without echo (getpass), or read from the first line of standard
input with --password-stdin (for scripts); they never appear on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.orm import Session

from bot.admin import accounts
from bot.admin.accounts import AccountError
from bot.admin.models import Role
from bot.settings import Settings
from knowledge_base.db import ensure_schema_current, make_engine, make_session_factory

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


@dataclass
class Console:
    """Where the command reads passwords and writes messages (swapped in tests)."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    ask: Callable[[str], str] = getpass.getpass


def register(subparsers: Any) -> None:
    """Add `users` to the `kb` subcommands (the handler is set as `handler`)."""
    users = subparsers.add_parser(
        "users", help="konta pracowników panelu /admin", description=__doc__.splitlines()[0]
    )
    users.set_defaults(handler=run)
    actions = users.add_subparsers(dest="users_command", required=True, metavar="CO")
    add = actions.add_parser("add", help="dodaj konto")
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--role", choices=[r.value for r in Role], required=True, help="rola")
    add.add_argument("--name", default=None, help="imię i nazwisko (domyślnie login)")
    add.add_argument("--password-stdin", action="store_true", help="hasło z 1. wiersza stdin")
    actions.add_parser("list", help="pokaż konta")
    passwd = actions.add_parser("passwd", help="ustaw nowe hasło")
    passwd.add_argument("login", metavar="LOGIN")
    passwd.add_argument("--password-stdin", action="store_true", help="hasło z 1. wiersza stdin")
    for name, text in (("disable", "wyłącz konto"), ("enable", "włącz konto")):
        actions.add_parser(name, help=text).add_argument("login", metavar="LOGIN")


def run(args: argparse.Namespace, settings: Settings, console: Console | None = None) -> int:
    """Handler of `kb users ...`; returns the exit code."""
    io = console or Console()
    try:
        with _session(settings) as session:
            code = _COMMANDS[args.users_command](args, session, io)
            session.commit()
            return code
    except AccountError as exc:
        print(str(exc), file=io.err)
        return EXIT_PROBLEMS


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        ensure_schema_current(engine)
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _password(args: argparse.Namespace, io: Console) -> str:
    if args.password_stdin:
        return io.stdin.readline().rstrip("\r\n")
    first = io.ask("Hasło: ")
    if first != io.ask("Powtórz hasło: "):
        raise AccountError("Hasła się różnią — nic nie zostało zmienione.")
    return first


def _user(session: Session, login: str) -> Any:
    user = accounts.find_user(session, login=login)
    if user is None:
        raise AccountError(f"Nie ma konta „{login}”.")
    return user


def _add(args: argparse.Namespace, session: Session, io: Console) -> int:
    password = _password(args, io)
    user = accounts.add_user(
        session,
        login=args.login,
        password=password,
        role=Role(args.role),
        display_name=args.name,
        now=datetime.now(UTC),
    )
    print(f"Dodano konto „{user.login}” (rola: {user.role}).", file=io.out)
    return EXIT_OK


def _list(args: argparse.Namespace, session: Session, io: Console) -> int:
    users = accounts.list_users(session)
    if not users:
        print("Brak kont. Dodaj pierwsze: kb users add LOGIN --role admin", file=io.out)
    for user in users:
        state = "aktywne" if user.active else "wyłączone"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "nigdy"
        line = f"{user.login:<20} {user.role:<12} {state:<10} ostatnio: {last}  {user.display_name}"
        print(line, file=io.out)
    return EXIT_OK


def _passwd(args: argparse.Namespace, session: Session, io: Console) -> int:
    user = _user(session, args.login)
    accounts.set_password(session, user=user, password=_password(args, io))
    print(f"Ustawiono nowe hasło dla „{user.login}”; jego otwarte sesje wygasły.", file=io.out)
    return EXIT_OK


def _set_active(active: bool) -> Callable[[argparse.Namespace, Session, Console], int]:
    def command(args: argparse.Namespace, session: Session, io: Console) -> int:
        user = _user(session, args.login)
        accounts.set_active(session, user=user, active=active)
        print(f"Konto „{user.login}” jest {'włączone' if active else 'wyłączone'}.", file=io.out)
        return EXIT_OK

    return command


_COMMANDS: dict[str, Callable[[argparse.Namespace, Session, Console], int]] = {
    "add": _add,
    "list": _list,
    "passwd": _passwd,
    "disable": _set_active(False),
    "enable": _set_active(True),
}
