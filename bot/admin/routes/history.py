"""History of every KB change, with one-click revert."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from bot.admin import labels
from bot.admin.history import views, who_names
from bot.admin.panel import (
    KB_ROLES,
    PREFIX,
    AdminContext,
    PanelError,
    Staff,
    form_text,
    read_form,
    redirect,
)
from knowledge_base import repository
from knowledge_base.models import ChangeAction, ChangeLog, EntityType
from knowledge_base.repository import ChangeNotFoundError, RevertConflictError

HISTORY_LIMIT = 100


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    editor = Annotated[Staff, Depends(ctx.require(*KB_ROLES))]

    @router.get(f"{PREFIX}/history", include_in_schema=False)
    def history(request: Request, staff: editor, type: str = "", id: str = "") -> Response:
        entity_type = EntityType(type) if type in {e.value for e in EntityType} else None
        with ctx.session_factory() as db:
            changes = repository.list_changes(
                db, entity_type=entity_type, entity_id=id or None, limit=HISTORY_LIMIT
            )
            names = who_names(db)
        return ctx.render(
            request,
            "history.html",
            staff=staff,
            changes=views(changes),
            who_name=lambda who: names.get(who, who),
            kinds=labels.KINDS,
            actions=labels.ACTIONS,
            filter_type=type,
            filter_id=id,
        )

    @router.post(f"{PREFIX}/history/{{change_id}}/revert", include_in_schema=False)
    def revert(
        request: Request,
        staff: editor,
        change_id: int,
        form: Annotated[FormData, Depends(read_form)],
    ) -> Response:
        force = form_text(form, "force") == "1"
        with ctx.session_factory() as db:
            try:
                change = repository.revert_change(
                    db, change_id=change_id, who=staff.who, force=force
                )
            except ChangeNotFoundError as exc:
                raise PanelError(404, "Nie ma takiej zmiany", str(exc)) from exc
            except RevertConflictError as exc:
                db.rollback()
                return ctx.render(
                    request,
                    "revert_conflict.html",
                    staff=staff,
                    status_code=409,
                    message=str(exc),
                    change_id=change_id,
                )
            original = db.get(ChangeLog, change_id)
            entity_type = original.entity_type if original is not None else ""
            entity_id = original.entity_id if original is not None else ""
            db.commit()
        deleted = change is not None and change.action == ChangeAction.DELETE.value
        target = _entity_url(entity_type, entity_id, deleted=deleted)
        return redirect(target, ok="reverted" if change is not None else "unchanged")


def _entity_url(entity_type: str, entity_id: str, *, deleted: bool) -> str:
    """Back to the entity, or to its history when the revert removed it."""
    if deleted or not entity_id:
        return f"{PREFIX}/history?type={entity_type}&id={quote(entity_id, safe='')}"
    if entity_type == EntityType.CALL.value:
        return f"{PREFIX}/calls/edit?code={quote(entity_id, safe='')}"
    return f"{PREFIX}/faq/{quote(entity_id, safe='')}"
