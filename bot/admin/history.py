"""History rows of the KB as staff read them: who, when, and what changed field by field."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.admin import accounts
from bot.admin.diffs import FieldDiff, record_diff
from knowledge_base import repository
from knowledge_base.models import ChangeLog, EntityType

PANEL_PREFIX = "panel:"


@dataclass(frozen=True)
class ChangeView:
    change: ChangeLog
    diffs: list[FieldDiff]


def views(changes: list[ChangeLog]) -> list[ChangeView]:
    return [ChangeView(change, record_diff(change.before, change.after)) for change in changes]


def entity_history(db: Session, kind: str, entity_id: str, limit: int = 20) -> list[ChangeView]:
    return views(
        repository.list_changes(db, entity_type=EntityType(kind), entity_id=entity_id, limit=limit)
    )


def who_names(db: Session) -> dict[str, str]:
    """`panel:anna` → „Anna Kowalska”; other authors (kb import, seed) stay as written."""
    return {f"{PANEL_PREFIX}{u.login}": u.display_name for u in accounts.list_users(db)}
