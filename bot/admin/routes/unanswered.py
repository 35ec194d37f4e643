"""Questions the assistant could not answer well, grouped, with a one-click way to a new entry."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from bot.admin import labels, queries
from bot.admin.panel import KB_ROLES, PREFIX, AdminContext, Staff, form_text, read_form, redirect


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    editor = Annotated[Staff, Depends(ctx.require(*KB_ROLES))]

    @router.get(f"{PREFIX}/unanswered", include_in_schema=False)
    def unanswered(request: Request, staff: editor) -> Response:
        with ctx.session_factory() as db:
            groups = queries.unanswered_groups(db)
        return ctx.render(
            request,
            "unanswered.html",
            staff=staff,
            groups=groups,
            reasons=labels.REASONS,
            total=sum(group.count for group in groups),
        )

    @router.post(f"{PREFIX}/unanswered/handled", include_in_schema=False)
    def handled(
        request: Request, staff: editor, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        ids = [int(p) for p in form_text(form, "ids").split(",") if p.strip().isdigit()]
        with ctx.session_factory() as db:
            queries.mark_handled(db, ids=ids, who=staff.who, now=ctx.now())
            db.commit()
        return redirect(f"{PREFIX}/unanswered", ok="handled")
