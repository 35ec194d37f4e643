"""Import of content files into the database (all or nothing) and export back to YAML."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from knowledge_base import repository
from knowledge_base.content_format import (
    ContentBundle,
    ContentError,
    Origin,
    Problem,
    dump_yaml,
    load_files,
    reference_problems,
)
from knowledge_base.models import FaqEntry, GuidanceArticle

logger = logging.getLogger(__name__)

EXPORT_HEADER = (
    "# Baza wiedzy Asystenta Naborów, format v1 (opis: knowledge_base/content/README.md).\n"
    "# Po poprawkach wczytaj plik z powrotem: kb import PLIK\n"
)


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: repository.Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do), per kind of entry."""

    dry_run: bool = False
    calls: KindCounts = field(default_factory=KindCounts)
    faq: KindCounts = field(default_factory=KindCounts)
    guidance: KindCounts = field(default_factory=KindCounts)

    @property
    def changes(self) -> int:
        return self.calls.changed + self.faq.changed + self.guidance.changed

    def summary(self) -> str:
        """Polish, for staff: one line per kind."""
        lines = []
        for label, counts in (
            ("nabory", self.calls),
            ("pytania (faq)", self.faq),
            ("artykuły (guidance)", self.guidance),
        ):
            lines.append(
                f"{label}: {counts.created} nowe, {counts.updated} zmienione, "
                f"{counts.unchanged} bez zmian"
            )
        if self.dry_run:
            lines.append("Próba (--dry-run): nic nie zostało zapisane.")
        return "\n".join(lines)


def _where(bundle: ContentBundle, kind: str, key: str) -> Origin:
    return bundle.origin(kind, key) or Origin(file="(import)", line=0)


def _database_problems(session: Session, bundle: ContentBundle) -> list[Problem]:
    """What only the database can tell: unknown call codes and ids taken by the other kind."""
    problems = reference_problems(bundle, repository.call_codes(session))
    for kind, ids, other, label in (
        ("faq", [e.id for e in bundle.faq], GuidanceArticle, "artykuł"),
        ("guidance", [a.id for a in bundle.guidance], FaqEntry, "pytanie"),
    ):
        for key in ids:
            if session.get(other, key) is not None:
                problems.append(
                    _where(bundle, kind, key).problem(
                        "id", f"identyfikator „{key}” ma już w bazie {label}"
                    )
                )
    return problems


def _outcome(existing: Any, record: Any) -> repository.Outcome:
    if existing is None:
        return "created"
    return "unchanged" if existing == record else "updated"


def _apply(
    session: Session, bundle: ContentBundle, report: ImportReport, *, who: str, dry_run: bool
) -> None:
    for call in bundle.calls:
        if dry_run:
            row = repository.get_call(session, code=call.code)
            existing = repository.call_record(row) if row is not None else None
            report.calls.add(_outcome(existing, call))
        else:
            report.calls.add(repository.upsert_call(session, record=call, who=who))
    for entry in bundle.faq:
        if dry_run:
            faq_row = repository.get_faq(session, entry_id=entry.id)
            report.faq.add(
                _outcome(repository.faq_record(faq_row) if faq_row is not None else None, entry)
            )
        else:
            report.faq.add(repository.upsert_faq(session, record=entry, who=who))
    for article in bundle.guidance:
        if dry_run:
            article_row = repository.get_guidance(session, article_id=article.id)
            existing_article = (
                repository.guidance_record(article_row) if article_row is not None else None
            )
            report.guidance.add(_outcome(existing_article, article))
        else:
            report.guidance.add(repository.upsert_guidance(session, record=article, who=who))


def import_bundle(
    session: Session, bundle: ContentBundle, *, who: str, dry_run: bool = False
) -> ImportReport:
    """Create or update every record of the bundle in one transaction, or nothing at all.

    Raises ContentError (nothing written) when a record conflicts with the database. Commits
    on success; with `dry_run` only counts what would change and writes nothing.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        problems = _database_problems(session, bundle)
        if problems:
            raise ContentError(problems)
        _apply(session, bundle, report, who=who, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    logger.info(
        "kb import who=%s dry_run=%s changes=%s records=%s",
        who,
        dry_run,
        report.changes,
        len(bundle),
    )
    return report


def import_files(
    session: Session, paths: Sequence[Path | str], *, who: str, dry_run: bool = False
) -> ImportReport:
    """Load, validate and import files; every problem of every file is reported at once."""
    bundle = load_files(paths, known_call_codes=repository.call_codes(session))
    return import_bundle(session, bundle, who=who, dry_run=dry_run)


def export_data(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The whole KB as plain data in file-format order (calls by code, entries by id)."""
    return {
        "calls": [
            repository.call_record(row).model_dump(mode="json")
            for row in repository.list_calls(session)
        ],
        "faq": [
            repository.faq_record(row).model_dump(mode="json")
            for row in repository.list_faq(session)
        ],
        "guidance": [
            repository.guidance_record(row).model_dump(mode="json")
            for row in repository.list_guidance(session)
        ],
    }


def export_all(session: Session) -> str:
    """The whole KB as one YAML file that `kb import` accepts unchanged."""
    return dump_yaml(export_data(session), header=EXPORT_HEADER)
