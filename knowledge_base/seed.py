"""Fill an empty knowledge base from the content files shipped with the code."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge_base import repository
from knowledge_base.importer import ImportReport, import_files

logger = logging.getLogger(__name__)

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"
SEED_WHO = "seed"


def content_files(content_dir: Path) -> list[Path]:
    """Every YAML file of the content directory, in a stable order."""
    return sorted(p for p in content_dir.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def seed_if_empty(
    session: Session, content_dir: Path = DEFAULT_CONTENT_DIR, *, who: str = SEED_WHO
) -> ImportReport | None:
    """Import every content file when the base has no entries; None when it already has some.

    Raises ContentError (nothing written) when a file is invalid.
    """
    if not repository.is_empty(session):
        logger.info("kb seed skipped: the knowledge base is not empty")
        return None
    files = content_files(content_dir)
    if not files:
        logger.warning("kb seed: no content files in %s", content_dir)
        return ImportReport()
    report = import_files(session, files, who=who)
    logger.info("kb seed done files=%s changes=%s", len(files), report.changes)
    return report
