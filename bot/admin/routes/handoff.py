"""Hand-off requests for the coordinator: lists by status, transcript, reply, take and close.

Every change goes through the hand-off service, so a reply typed here reaches the applicant
exactly like a reply typed in the coordinators' Telegram chat (request + outbox, one commit).
"""

import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from bot.admin import labels, queries
from bot.admin.panel import (
    HANDOFF_ROLES,
    PREFIX,
    AdminContext,
    PanelError,
    Staff,
    form_text,
    read_form,
    redirect,
)
from bot.handoff.service import HandoffError, HandoffService

logger = logging.getLogger(__name__)

T = TypeVar("T")
TABS = (
    ("open", "Otwarte", ("new", "taken", "answered")),
    ("new", "Nowe", ("new",)),
    ("taken", "W toku", ("taken",)),
    ("answered", "Z odpowiedzią", ("answered",)),
    ("closed", "Zamknięte", ("closed",)),
)
EMPTY_REPLY = "Wpisz treść odpowiedzi."
MAX_REPLY_CHARS = 4000


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    coordinator = Annotated[Staff, Depends(ctx.require(*HANDOFF_ROLES))]

    def service() -> HandoffService | None:
        return ctx.handoff

    def in_transaction(work: Callable[[Session], T]) -> T:
        """One hand-off unit of work, committed at the end (the hand-off's own DB if given)."""
        if ctx.handoff_db is not None:
            return ctx.handoff_db.run(work)
        with ctx.session_factory.begin() as db:
            return work(db)

    def off(request: Request, staff: Staff) -> Response:
        return ctx.render(request, "handoff_off.html", staff=staff)

    @router.get(f"{PREFIX}/handoff", include_in_schema=False)
    def handoff_list(request: Request, staff: coordinator, status: str = "open") -> Response:
        if service() is None:
            return off(request, staff)
        tab = next((t for t in TABS if t[0] == status), TABS[0])
        with ctx.session_factory() as db:
            rows = queries.handoff_requests(db, statuses=tab[2])
            counts = queries.handoff_counts(db)
            view = [_summary(row) for row in rows]
        return ctx.render(
            request,
            "handoff_list.html",
            staff=staff,
            rows=view,
            tab=tab[0],
            tabs=TABS,
            counts=counts,
            statuses=labels.HANDOFF_STATUSES,
        )

    @router.get(f"{PREFIX}/handoff/{{number}}", include_in_schema=False)
    def handoff_detail(request: Request, staff: coordinator, number: int) -> Response:
        if service() is None:
            return off(request, staff)
        return _detail(request, staff, number)

    def _detail(
        request: Request,
        staff: Staff,
        number: int,
        *,
        error: str | None = None,
        reply: str = "",
        status_code: int = 200,
    ) -> Response:
        with ctx.session_factory() as db:
            row = queries.handoff_request(db, number)
            if row is None:
                raise PanelError(
                    404, "Nie ma takiej sprawy", "Sprawa nie istnieje albo dane usunięto."
                )
            view = _summary(row)
            messages = [
                {"direction": m.direction, "text": m.text, "author": m.author, "at": m.created_at}
                for m in row.messages
            ]
        return ctx.render(
            request,
            "handoff_detail.html",
            staff=staff,
            req=view,
            messages=messages,
            error=error,
            reply=reply,
            status_code=status_code,
            statuses=labels.HANDOFF_STATUSES,
        )

    def act(
        request: Request,
        staff: Staff,
        number: int,
        work: Callable[[HandoffService, Session], Any],
        ok: str,
    ) -> Response:
        handoff = service()
        if handoff is None:
            return off(request, staff)
        try:
            in_transaction(lambda db: work(handoff, db))
        except HandoffError as exc:
            return _detail(request, staff, number, error=str(exc), status_code=409)
        return redirect(f"{PREFIX}/handoff/{number}", ok=ok)

    @router.post(f"{PREFIX}/handoff/{{number}}/take", include_in_schema=False)
    def take(request: Request, staff: coordinator, number: int) -> Response:
        return act(
            request,
            staff,
            number,
            lambda s, db: s.take(db, number=number, by=staff.display_name),
            "taken",
        )

    @router.post(f"{PREFIX}/handoff/{{number}}/close", include_in_schema=False)
    def close(request: Request, staff: coordinator, number: int) -> Response:
        return act(
            request,
            staff,
            number,
            lambda s, db: s.close(db, number=number, by=staff.display_name),
            "closed",
        )

    @router.post(f"{PREFIX}/handoff/{{number}}/reply", include_in_schema=False)
    def reply(
        request: Request,
        staff: coordinator,
        number: int,
        form: Annotated[FormData, Depends(read_form)],
    ) -> Response:
        text = form_text(form, "text").strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            message = (
                EMPTY_REPLY
                if not text
                else f"Odpowiedź może mieć najwyżej {MAX_REPLY_CHARS} znaków."
            )
            if service() is None:
                return off(request, staff)
            return _detail(request, staff, number, error=message, reply=text, status_code=422)
        logger.info("admin handoff reply request=%s by=%s", number, staff.login)
        return act(
            request,
            staff,
            number,
            lambda s, db: s.coordinator_reply(
                db, number=number, text=text, author=staff.display_name
            ),
            "replied",
        )


def _summary(row: Any) -> dict[str, Any]:
    """What the pages show of a request (plain data: the session is closed before rendering)."""
    return {
        "id": row.id,
        "number": row.number,
        "status": row.status,
        "channel": labels.CHANNELS.get(row.channel, row.channel),
        "reason": labels.HANDOFF_REASONS.get(row.reason, row.reason),
        "organisation": row.organisation,
        "contact": row.contact,
        "consent": row.consent,
        "created_at": row.created_at,
        "taken_by": row.taken_by,
        "answered_at": row.answered_at,
        "closed_at": row.closed_at,
        "transcript": list(row.transcript or []),
        "last_question": _last_question(row.transcript or []),
    }


def _last_question(transcript: list[dict[str, Any]]) -> str:
    for turn in reversed(transcript):
        if turn.get("who") == "user" and turn.get("text"):
            return str(turn["text"])
    return ""
