"""`kb`: the staff's command line for the knowledge base (messages in Polish).

    kb migrate                      create or upgrade the database schema
    kb seed [--dir DIR]             fill an empty base from knowledge_base/content/*.yml
    kb import FILE... [--dry-run] [--who NAME]
    kb export [FILE]                whole base as YAML (to stdout without FILE)
    kb search "pytanie"             ranked candidates with scores and band
    kb check [--today RRRR-MM-DD]   missing sources, stale facts, near-duplicates, odd statuses

Exit codes: 0 ok, 1 problems in the content, 2 usage error or database unavailable.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session

from bot.settings import Settings, SettingsError, kb_thresholds, load_settings
from knowledge_base import repository
from knowledge_base.calls import WARSAW, CallStatus, derived_status
from knowledge_base.content_format import ContentError
from knowledge_base.db import (
    DatabaseUnavailableError,
    SchemaOutdatedError,
    ensure_schema_current,
    head_revision,
    make_engine,
    make_session_factory,
    migrate,
)
from knowledge_base.documents import Band, Document, Thresholds
from knowledge_base.importer import export_all, import_files
from knowledge_base.repository import KnowledgeBaseError
from knowledge_base.seed import DEFAULT_CONTENT_DIR, seed_if_empty
from knowledge_base.service import RetrieverFactory

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
DUPLICATE_SCORE = 90
RETRIEVAL_MODULE = "knowledge_base.retrieval"
BAND_LABELS = {
    Band.ANSWER: "odpowiedź",
    Band.SUGGEST: "propozycja („czy chodziło o…”)",
    Band.DONT_KNOW: "nie wiem",
}

Handler = Callable[[argparse.Namespace, Settings], int]


def _say(text: str) -> None:
    print(text)


def _warn(text: str) -> None:
    print(text, file=sys.stderr)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        ensure_schema_current(engine)
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _default_who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "kb"


# --- commands ---------------------------------------------------------------------------------


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url)
    _say(f"Schemat bazy jest aktualny (wersja {head_revision()}).")
    return EXIT_OK


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        report = seed_if_empty(session, Path(args.dir))
    if report is None:
        _say("Baza nie jest pusta — nic nie wczytano.")
    else:
        _say(f"Wczytano treść startową z {args.dir}:\n{report.summary()}")
    return EXIT_OK


def _import(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        report = import_files(session, args.files, who=args.who, dry_run=args.dry_run)
    _say(report.summary())
    if not args.dry_run:
        _say(f"Zapisano ({report.changes} zmian).")
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        text = export_all(session)
    if args.file is None:
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        _warn(f"Zapisano eksport do {args.file}.")
    return EXIT_OK


def _retriever_factory() -> RetrieverFactory | None:
    if importlib.util.find_spec(RETRIEVAL_MODULE) is None:
        return None
    factory = getattr(importlib.import_module(RETRIEVAL_MODULE), "Retriever", None)
    return cast(RetrieverFactory, factory) if factory is not None else None


def _band_of(score: float, thresholds: Thresholds) -> Band:
    return Band.SUGGEST if score >= thresholds.suggest else Band.DONT_KNOW


def _search(args: argparse.Namespace, settings: Settings) -> int:
    factory = _retriever_factory()
    if factory is None:
        _warn(f"Wyszukiwarka ({RETRIEVAL_MODULE}) nie jest jeszcze dostępna w tej wersji.")
        return EXIT_USAGE
    thresholds = kb_thresholds(settings)  # the assistant's own decision, margins included
    with _session(settings) as session:
        documents = repository.all_documents(session)
    result = factory(documents, thresholds).search(
        args.question, limit=args.limit, topic_hint=args.topic
    )
    _say(f"Pytanie: „{args.question}”")
    _say(
        f"Wynik: {BAND_LABELS[result.band]} (progi: odpowiedź ≥ {thresholds.answer:g}, "
        f"propozycja ≥ {thresholds.suggest:g})"
    )
    if not result.candidates:
        _say("Brak kandydatów.")
    for rank, candidate in enumerate(result.candidates, start=1):
        document = candidate.document
        # The first candidate carries the assistant's decision; the others are what a
        # "czy chodziło o…" would list (or nothing, below the suggest threshold).
        band = BAND_LABELS[result.band if rank == 1 else _band_of(candidate.score, thresholds)]
        _say(
            f"{rank}. {candidate.score:5.1f}  model {candidate.model:4.0%}  {band:<10}  "
            f"{document.id}  [{document.kind}, {document.topic}] {document.title}"
        )
    return EXIT_OK


# --- kb check ---------------------------------------------------------------------------------


def _near_duplicates(documents: Sequence[Document]) -> list[str]:
    from rapidfuzz import fuzz, process, utils  # only `kb check` needs it

    texts: list[str] = []
    owners: list[int] = []
    for index, document in enumerate(documents):
        for text in (document.title, *document.phrasings):
            texts.append(text)
            owners.append(index)
    best: dict[tuple[int, int], tuple[float, str, str]] = {}
    for i, text in enumerate(texts):
        matches = process.extract(
            text,
            texts,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=DUPLICATE_SCORE,
            limit=None,
        )
        for other_text, score, j in matches:
            if j <= i or owners[i] == owners[j]:
                continue
            pair = (owners[i], owners[j])
            if pair not in best or score > best[pair][0]:
                best[pair] = (score, text, other_text)
    lines = []
    for (a, b), (score, text_a, text_b) in sorted(best.items()):
        lines.append(
            f"Podobne pytania ({score:.0f}): {documents[a].id} „{text_a}” "
            f"~ {documents[b].id} „{text_b}”"
        )
    return lines


def _check(args: argparse.Namespace, settings: Settings) -> int:
    today: date = args.today or datetime.now(WARSAW).date()
    now = datetime.combine(today, time(12), tzinfo=WARSAW)
    stale_before = today - timedelta(days=settings.kb_stale_after_days)
    problems: list[str] = []
    with _session(settings) as session:
        documents = repository.all_documents(session)
        calls = [repository.call_info(row) for row in repository.list_calls(session)]
    entries = [("nabór", c.code, c.source, c.info_date) for c in calls] + [
        ("artykuł" if d.kind == "guidance" else "pytanie", d.id, d.source, d.info_date)
        for d in documents
    ]
    for label, key, source, info_date in entries:
        if not source.strip():
            problems.append(f"Brak źródła: {label} {key}")
        if info_date < stale_before:
            problems.append(
                f"Stara informacja (sprzed {settings.kb_stale_after_days} dni): "
                f"{label} {key}, data informacji {info_date.isoformat()}"
            )
    problems.extend(_near_duplicates(documents))
    for call in calls:
        if call.status_override in (None, CallStatus.CANCELLED.value):
            continue
        from_dates = derived_status(call, now)
        if from_dates is not CallStatus.UNKNOWN and from_dates.value != call.status_override:
            problems.append(
                f"Status niezgodny z datami: nabór {call.code} ma status_override="
                f"{call.status_override}, a z dat wynika {from_dates.value}"
            )
    for line in problems:
        _say(line)
    if problems:
        _say(f"Znaleziono problemów: {len(problems)}.")
        return EXIT_PROBLEMS
    _say("Nie znaleziono problemów.")
    return EXIT_OK


# --- wiring -----------------------------------------------------------------------------------


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nieprawidłowa data „{value}” (RRRR-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kb", description="Baza wiedzy Asystenta Naborów: import, eksport i kontrola treści."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="POLECENIE")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command("migrate", _migrate, "utwórz lub zaktualizuj schemat bazy danych")
    seed = command("seed", _seed, "wczytaj treść startową, jeśli baza jest pusta")
    seed.add_argument("--dir", default=str(DEFAULT_CONTENT_DIR), help="katalog z plikami .yml")
    imp = command("import", _import, "wczytaj plik(i) YAML lub CSV (wszystko albo nic)")
    imp.add_argument("files", nargs="+", metavar="PLIK", help="plik .yml, .yaml lub .csv")
    imp.add_argument("--dry-run", action="store_true", help="tylko sprawdź, nic nie zapisuj")
    imp.add_argument("--who", default=_default_who(), help="kto wprowadza zmiany (do historii)")
    exp = command("export", _export, "zapisz całą bazę jako YAML")
    exp.add_argument("file", nargs="?", metavar="PLIK", help="bez pliku: na standardowe wyjście")
    search = command("search", _search, "pokaż, co baza odpowie na pytanie")
    search.add_argument("question", metavar="PYTANIE")
    search.add_argument("--limit", type=int, default=5, help="ilu kandydatów pokazać")
    search.add_argument("--topic", default=None, help="podpowiedź tematu, np. terminy")
    check = command("check", _check, "sprawdź źródła, aktualność, duplikaty i statusy naborów")
    check.add_argument("--today", type=_iso_date, default=None, help="data odniesienia")
    # Staff accounts of the admin panel live beside the content; imported late so the
    # content commands do not depend on the web layer.
    from bot.admin.users_cli import register as register_users

    register_users(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kb` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage message already
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        settings = load_settings()
        handler = cast(Handler, args.handler)
        return handler(args, settings)
    except (SettingsError, DatabaseUnavailableError, SchemaOutdatedError) as exc:
        _warn(str(exc))
        return EXIT_USAGE
    except ContentError as exc:
        _warn(f"Nic nie zostało zapisane. Popraw błędy ({len(exc.problems)}):\n{exc}")
        return EXIT_PROBLEMS
    except KnowledgeBaseError as exc:
        _warn(f"Nic nie zostało zapisane: {exc}")
        return EXIT_PROBLEMS
    except OSError as exc:
        _warn(f"Błąd pliku: {exc}")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
