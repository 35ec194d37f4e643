"""Import of a content file (the same validation as `kb import`: preview first, then confirm,
all or nothing) and export of the whole base as YAML.
"""

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from bot.admin import labels, queries
from bot.admin.panel import KB_ROLES, PREFIX, AdminContext, Staff, form_text, read_form
from knowledge_base import repository
from knowledge_base.content_format import MAX_FILE_BYTES, ContentBundle, ContentError, load_files
from knowledge_base.importer import ImportReport, export_all, import_bundle
from knowledge_base.repository import KnowledgeBaseError

NO_FILE = "Wybierz plik .yml, .yaml albo .csv do wczytania."
EXPIRED = "Podgląd wygasł albo został już użyty — wczytaj plik jeszcze raz."


@dataclass(frozen=True)
class PlannedChange:
    kind: str
    key: str
    title: str
    outcome: str


@dataclass
class Checked:
    report: ImportReport | None
    problems: list[str]
    plan: list[PlannedChange]


def safe_filename(name: str | None) -> str:
    """The uploaded file's own name (for file:line messages), reduced to harmless characters."""
    base = Path((name or "").replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.-]+", "_", base).strip("._")[:120]
    return cleaned or "plik"


def _plan(db: Session, bundle: ContentBundle) -> list[PlannedChange]:
    plan: list[PlannedChange] = []
    for call in bundle.calls:
        row = repository.get_call(db, code=call.code)
        before = repository.call_record(row) if row is not None else None
        plan.append(PlannedChange("call", call.code, call.name, _outcome(before, call)))
    for entry in bundle.faq:
        faq = repository.get_faq(db, entry_id=entry.id)
        old = repository.faq_record(faq) if faq is not None else None
        plan.append(PlannedChange("faq", entry.id, entry.question, _outcome(old, entry)))
    for article in bundle.guidance:
        found = repository.get_guidance(db, article_id=article.id)
        prior = repository.guidance_record(found) if found is not None else None
        plan.append(PlannedChange("guidance", article.id, article.title, _outcome(prior, article)))
    return plan


def _outcome(before: object, after: object) -> str:
    if before is None:
        return "created"
    return "unchanged" if before == after else "updated"


def check_file(db: Session, *, filename: str, content: bytes, who: str, dry_run: bool) -> Checked:
    """Validate (and unless `dry_run`, import) one uploaded file; nothing is written on error."""
    with tempfile.TemporaryDirectory(prefix="asystent-import-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        try:
            bundle = load_files([path], known_call_codes=repository.call_codes(db))
            plan = _plan(db, bundle)
            report = import_bundle(db, bundle, who=who, dry_run=dry_run)
        except ContentError as exc:
            db.rollback()
            return Checked(None, [str(problem) for problem in exc.problems], [])
        except KnowledgeBaseError as exc:
            db.rollback()
            return Checked(None, [f"{filename}: {exc}"], [])
    return Checked(report, [], plan)


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    editor = Annotated[Staff, Depends(ctx.require(*KB_ROLES))]

    def page(
        request: Request, staff: Staff, *, status_code: int = 200, **values: object
    ) -> Response:
        defaults: dict[str, object] = {
            "problems": [],
            "checked": None,
            "token": "",
            "filename": "",
            "done": False,
            "error": None,
        }
        return ctx.render(
            request,
            "import.html",
            staff=staff,
            status_code=status_code,
            kinds=labels.KINDS,
            **{**defaults, **values},
        )

    @router.get(f"{PREFIX}/import", include_in_schema=False)
    def import_page(request: Request, staff: editor) -> Response:
        return page(request, staff)

    @router.post(f"{PREFIX}/import", include_in_schema=False)
    async def upload(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return page(request, staff, status_code=422, error=NO_FILE)
        content = await upload.read(MAX_FILE_BYTES + 1)
        filename = safe_filename(upload.filename)
        if len(content) > MAX_FILE_BYTES:
            return page(
                request,
                staff,
                status_code=413,
                filename=filename,
                problems=[f"{filename}: plik jest za duży (limit to 2 MB)"],
            )
        return await _preview(request, staff, filename, content)

    async def _preview(request: Request, staff: Staff, filename: str, content: bytes) -> Response:
        def work() -> tuple[Checked, str]:
            with ctx.session_factory() as db:
                checked = check_file(
                    db, filename=filename, content=content, who=staff.who, dry_run=True
                )
                token = ""
                if not checked.problems:
                    token = queries.save_pending_import(
                        db,
                        staff_user_id=staff.id,
                        filename=filename,
                        content=content,
                        now=ctx.now(),
                    )
                    db.commit()
                return checked, token

        checked, token = await run_in_threadpool(work)
        return page(
            request,
            staff,
            status_code=422 if checked.problems else 200,
            filename=filename,
            problems=checked.problems,
            checked=checked,
            token=token,
        )

    @router.post(f"{PREFIX}/import/confirm", include_in_schema=False)
    def confirm(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        token = form_text(form, "token")
        now = ctx.now()
        with ctx.session_factory() as db:
            pending = queries.get_pending_import(db, token=token, staff_user_id=staff.id, now=now)
            if pending is None:
                return page(request, staff, status_code=410, error=EXPIRED)
            filename, content = pending.filename, pending.content
            db.rollback()
            checked = check_file(
                db, filename=filename, content=content, who=staff.who, dry_run=False
            )
            if checked.problems:
                return page(
                    request, staff, status_code=422, filename=filename, problems=checked.problems
                )
            queries.drop_pending_import(db, token=token)
            db.commit()
        return page(request, staff, filename=filename, checked=checked, done=True)

    @router.get(f"{PREFIX}/export", include_in_schema=False)
    def export(staff: editor) -> Response:
        with ctx.session_factory() as db:
            text = export_all(db)
        name = f"baza-wiedzy-{_stamp(ctx.now().astimezone(ctx.tz))}.yml"
        return Response(
            text.encode("utf-8"),
            media_type="application/x-yaml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d-%H%M")
