"""Grant calls (nabory): next deadlines first, status from the dates, unknowns said aloud."""

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from bot.admin import forms, labels, queries
from bot.admin.history import entity_history, who_names
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
from knowledge_base.calls import describe_deadline
from knowledge_base.content_format import CallRecord

NOT_FOUND = PanelError(404, "Nie ma takiego naboru", "Nabór nie istnieje — mógł zostać usunięty.")
EDIT_CONFLICT = (
    "Ktoś inny zapisał ten nabór, gdy go edytowałeś(-aś). Poniżej jest Twoja wersja — "
    "sprawdź w historii, co się zmieniło, i zapisz ponownie."
)


def fingerprint(record: CallRecord) -> str:
    return hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:20]


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    editor = Annotated[Staff, Depends(ctx.require(*KB_ROLES))]

    def form_page(
        request: Request,
        staff: Staff,
        db: Session,
        *,
        mode: str,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        **extra: Any,
    ) -> Response:
        names = who_names(db)
        return ctx.render(
            request,
            "call_form.html",
            staff=staff,
            status_code=status_code,
            mode=mode,
            values=values,
            errors=forms.in_form_order(errors or {}),
            scopes=list(labels.CALL_SCOPES.items()),
            overrides=[(k, v) for k, v in labels.STATUS_OVERRIDES.items() if k],
            field_labels=labels.FIELDS,
            kinds=labels.KINDS,
            actions=labels.ACTIONS,
            who_name=lambda who: names.get(who, who),
            **extra,
        )

    @router.get(f"{PREFIX}/calls", include_in_schema=False)
    def call_list(request: Request, staff: editor) -> Response:
        now = ctx.now()
        with ctx.session_factory() as db:
            rows = queries.calls_by_deadline(db, now=now)
        return ctx.render(
            request,
            "calls.html",
            staff=staff,
            rows=rows,
            deadline=lambda call: describe_deadline(call, now),
            statuses=labels.CALL_STATUSES,
            scopes=labels.CALL_SCOPES,
        )

    @router.get(f"{PREFIX}/calls/new", include_in_schema=False)
    def new_call(request: Request, staff: editor) -> Response:
        with ctx.session_factory() as db:
            return form_page(request, staff, db, mode="new", values={"scope": "torun"})

    @router.post(f"{PREFIX}/calls/new", include_in_schema=False)
    def create_call(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        code = form_text(form, "code").strip()
        with ctx.session_factory() as db:
            result = forms.parse_call(_strings(form), code=code)
            if code and repository.get_call(db, code=code) is not None:
                result.errors["code"] = "Nabór o tym kodzie już istnieje."
            if result.errors or result.record is None:
                return form_page(
                    request,
                    staff,
                    db,
                    mode="new",
                    values=result.values,
                    errors=result.errors,
                    status_code=422,
                )
            repository.upsert_call(db, record=result.record, who=staff.who)
            db.commit()
        return redirect(_edit_url(code), ok="created")

    @router.get(f"{PREFIX}/calls/edit", include_in_schema=False)
    def edit_call(request: Request, staff: editor, code: str = "") -> Response:
        with ctx.session_factory() as db:
            row = repository.get_call(db, code=code)
            if row is None:
                raise NOT_FOUND
            record = repository.call_record(row)
            return form_page(
                request,
                staff,
                db,
                mode="edit",
                values=forms.call_values(record),
                base=fingerprint(record),
                history=entity_history(db, "call", code),
                deadline=describe_deadline(row, ctx.now()),
            )

    @router.post(f"{PREFIX}/calls/edit", include_in_schema=False)
    def save_call(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        code = form_text(form, "code")
        with ctx.session_factory() as db:
            row = repository.get_call(db, code=code)
            if row is None:
                raise NOT_FOUND
            current = repository.call_record(row)
            result = forms.parse_call(_strings(form), code=code)
            if form_text(form, "base") != fingerprint(current):
                result.errors.setdefault("__all__", EDIT_CONFLICT)
            if result.errors or result.record is None:
                return form_page(
                    request,
                    staff,
                    db,
                    mode="edit",
                    values=result.values,
                    errors=result.errors,
                    status_code=422,
                    base=fingerprint(current),
                    history=entity_history(db, "call", code),
                    deadline=describe_deadline(row, ctx.now()),
                )
            outcome = repository.upsert_call(db, record=result.record, who=staff.who)
            db.commit()
        return redirect(_edit_url(code), ok="unchanged" if outcome == "unchanged" else "saved")


def _strings(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _edit_url(code: str) -> str:
    return f"{PREFIX}/calls/edit?code={quote(code, safe='')}"
