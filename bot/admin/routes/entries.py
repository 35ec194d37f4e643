"""FAQ entries and guidance articles: list, filter, create, edit, delete; „Sprawdź pytanie”."""

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

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
    choices,
    form_text,
    read_form,
    redirect,
)
from knowledge_base import repository
from knowledge_base.content_format import FaqRecord, GuidanceRecord
from knowledge_base.repository import KnowledgeBaseError, UnknownCallError
from knowledge_base.responder import respond

NOT_FOUND = PanelError(404, "Nie ma takiego wpisu", "Wpis nie istnieje — mógł zostać usunięty.")
EDIT_CONFLICT = (
    "Ktoś inny zapisał ten wpis, gdy go edytowałeś(-aś). Poniżej jest Twoja wersja — "
    "sprawdź w historii, co się zmieniło, i zapisz ponownie."
)
Record = FaqRecord | GuidanceRecord


def fingerprint(record: Record) -> str:
    """Identifies the version of an entry a form was opened on (for concurrent edits)."""
    return hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:20]


def _load(db: Session, entry_id: str) -> tuple[str, Record] | None:
    faq = repository.get_faq(db, entry_id=entry_id)
    if faq is not None:
        return "faq", repository.faq_record(faq)
    article = repository.get_guidance(db, article_id=entry_id)
    if article is not None:
        return "guidance", repository.guidance_record(article)
    return None


def _values(record: Record) -> dict[str, str]:
    if isinstance(record, FaqRecord):
        return forms.faq_values(record)
    return forms.guidance_values(record)


def _parse(kind: str, form: FormData, entry_id: str) -> forms.FormResult[Any]:
    data = {key: value for key, value in form.items() if isinstance(value, str)}
    if kind == "faq":
        return forms.parse_faq(data, entry_id=entry_id)
    return forms.parse_guidance(data, entry_id=entry_id)


def _save(db: Session, record: Record, who: str) -> repository.Outcome:
    if isinstance(record, FaqRecord):
        return repository.upsert_faq(db, record=record, who=who)
    return repository.upsert_guidance(db, record=record, who=who)


def _options(db: Session) -> dict[str, Any]:
    calls = [(c.code, f"{c.code} — {c.name}") for c in repository.list_calls(db)]
    return {
        "topics": choices(labels.TOPIC_VALUES, labels.TOPICS),
        "scopes": list(labels.SCOPES.items()),
        "statuses": list(labels.STATUSES.items()),
        "calls": calls,
        "field_labels": labels.FIELDS,
    }


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    editor = Annotated[Staff, Depends(ctx.require(*KB_ROLES))]

    def form_page(
        request: Request,
        staff: Staff,
        db: Session,
        *,
        kind: str,
        mode: str,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        **extra: Any,
    ) -> Response:
        return ctx.render(
            request,
            "entry_form.html",
            staff=staff,
            status_code=status_code,
            kind=kind,
            mode=mode,
            values=values,
            errors=forms.in_form_order(errors or {}),
            kinds=labels.KINDS,
            actions=labels.ACTIONS,
            who_name=_who_namer(db),
            **_options(db),
            **extra,
        )

    @router.get(f"{PREFIX}/faq", include_in_schema=False)
    def entry_list(
        request: Request,
        staff: editor,
        q: str = "",
        kind: str = "",
        topic: str = "",
        scope: str = "",
        status: str = "",
    ) -> Response:
        with ctx.session_factory() as db:
            rows = queries.list_entries(
                db, text=q, kind=kind, topic=topic, scope=scope, status=status
            )
        return ctx.render(
            request,
            "entries.html",
            staff=staff,
            rows=rows,
            filters={"q": q, "kind": kind, "topic": topic, "scope": scope, "status": status},
            topics=choices(labels.TOPIC_VALUES, labels.TOPICS),
            scopes=list(labels.SCOPES.items()),
            statuses=list(labels.STATUSES.items()),
            kinds=[("faq", "Pytania (FAQ)"), ("guidance", "Artykuły")],
            labels=labels,
        )

    @router.get(f"{PREFIX}/check", include_in_schema=False)
    def check(request: Request, staff: editor, q: str = "") -> Response:
        result = reply = None
        if q.strip() and ctx.knowledge is not None:
            result = ctx.knowledge.search(q.strip(), limit=5)
            reply = respond(result, misunderstandings_before=0)
        thresholds = ctx.knowledge.thresholds if ctx.knowledge is not None else None
        return ctx.render(
            request,
            "check.html",
            staff=staff,
            q=q,
            result=result,
            reply=reply,
            thresholds=thresholds,
            available=ctx.knowledge is not None,
            labels=labels,
        )

    @router.get(f"{PREFIX}/faq/new", include_in_schema=False)
    def new_entry(
        request: Request, staff: editor, kind: str = "faq", from_: str = "", question: str = ""
    ) -> Response:
        kind = kind if kind in ("faq", "guidance") else "faq"
        ids = _ids(request.query_params.get("from", from_))
        values = {"status": "answered", "scope": "torun"}
        with ctx.session_factory() as db:
            texts = queries.unanswered_texts(db, ids) if ids else []
            if question.strip():
                texts.insert(0, question.strip())
            if texts:
                values["question" if kind == "faq" else "title"] = texts[0]
                values["phrasings"] = "\n".join(texts[1:])
            return form_page(request, staff, db, kind=kind, mode="new", values=values, from_ids=ids)

    @router.post(f"{PREFIX}/faq/new", include_in_schema=False)
    def create_entry(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        kind = form_text(form, "kind") if form_text(form, "kind") == "guidance" else "faq"
        ids = _ids(form_text(form, "from_ids"))
        with ctx.session_factory() as db:
            wanted = form_text(form, "id").strip()
            taken = queries.document_ids(db)
            title = form_text(form, "question" if kind == "faq" else "title")
            entry_id = wanted or forms.slug_from(title, taken)
            result = _parse(kind, form, entry_id)
            result.values["id"] = wanted
            if wanted and wanted in taken:
                result.errors["id"] = (
                    "Ten identyfikator jest już zajęty — wpisz inny albo zostaw pole puste, "
                    "a panel nada go sam."
                )
            outcome, errors = _try_save(db, result, staff)
            if outcome is None:
                return form_page(
                    request,
                    staff,
                    db,
                    kind=kind,
                    mode="new",
                    values=result.values,
                    errors=errors,
                    status_code=422,
                    from_ids=ids,
                )
            if ids:
                queries.mark_handled(db, ids=ids, who=staff.who, now=ctx.now(), entry_id=entry_id)
            db.commit()
        return redirect(f"{PREFIX}/faq/{entry_id}", ok="created")

    @router.get(f"{PREFIX}/faq/{{entry_id}}", include_in_schema=False)
    def edit_entry(request: Request, staff: editor, entry_id: str) -> Response:
        with ctx.session_factory() as db:
            found = _load(db, entry_id)
            if found is None:
                raise NOT_FOUND
            kind, record = found
            return form_page(
                request,
                staff,
                db,
                kind=kind,
                mode="edit",
                values=_values(record),
                base=fingerprint(record),
                history=entity_history(db, kind, entry_id),
            )

    @router.post(f"{PREFIX}/faq/{{entry_id}}", include_in_schema=False)
    def save_entry(
        request: Request,
        staff: editor,
        entry_id: str,
        form: Annotated[FormData, Depends(read_form)],
    ) -> Response:
        with ctx.session_factory() as db:
            found = _load(db, entry_id)
            if found is None:
                raise NOT_FOUND
            kind, current = found
            result = _parse(kind, form, entry_id)
            if form_text(form, "base") != fingerprint(current):
                result.errors.setdefault("__all__", EDIT_CONFLICT)
            outcome, errors = _try_save(db, result, staff)
            if outcome is None:
                return form_page(
                    request,
                    staff,
                    db,
                    kind=kind,
                    mode="edit",
                    values=result.values,
                    errors=errors,
                    status_code=422,
                    base=fingerprint(current),
                    history=entity_history(db, kind, entry_id),
                )
            db.commit()
        return redirect(
            f"{PREFIX}/faq/{entry_id}", ok="unchanged" if outcome == "unchanged" else "saved"
        )

    @router.get(f"{PREFIX}/faq/{{entry_id}}/delete", include_in_schema=False)
    def confirm_delete(request: Request, staff: editor, entry_id: str) -> Response:
        with ctx.session_factory() as db:
            found = _load(db, entry_id)
        if found is None:
            raise NOT_FOUND
        kind, record = found
        return ctx.render(
            request,
            "entry_delete.html",
            staff=staff,
            kind=kind,
            record=record,
            kinds=labels.KINDS,
            title=_title(record),
        )

    @router.post(f"{PREFIX}/faq/{{entry_id}}/delete", include_in_schema=False)
    def delete_entry(request: Request, staff: editor, entry_id: str) -> Response:
        with ctx.session_factory() as db:
            found = _load(db, entry_id)
            if found is None:
                raise NOT_FOUND
            if found[0] == "faq":
                repository.delete_faq(db, entry_id=entry_id, who=staff.who)
            else:
                repository.delete_guidance(db, article_id=entry_id, who=staff.who)
            db.commit()
        return redirect(f"{PREFIX}/faq", ok="deleted")


def _try_save(
    db: Session, result: forms.FormResult[Any], staff: Staff
) -> tuple[repository.Outcome | None, dict[str, str]]:
    """Save through the repository (revision bumped, history written) unless the form has
    errors; on a refusal roll back and return the message next to its field.
    """
    if result.errors or result.record is None:
        return None, result.errors or {"__all__": "Nie udało się odczytać formularza."}
    try:
        return _save(db, result.record, staff.who), {}
    except UnknownCallError as exc:
        db.rollback()
        return None, {"call": str(exc)}
    except KnowledgeBaseError as exc:
        db.rollback()
        return None, {"id": str(exc)}


def _who_namer(db: Session) -> Callable[[str], str]:
    names = who_names(db)
    return lambda who: names.get(who, who)


def _title(record: Record) -> str:
    return record.question if isinstance(record, FaqRecord) else record.title


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdigit()][:500]
