"""What every page of the panel shares: the context, the signed-in staff member, rendering,
role checks, and a route class that checks CSRF on every POST and turns errors into pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData

from bot.admin import accounts
from bot.admin.models import Role, StaffUser
from bot.admin.rendering import build_environment
from bot.admin.sessions import COOKIE_NAME, COOKIE_PATH, CSRF_FIELD, PanelSession, SessionCodec
from bot.handoff.db import Database
from bot.handoff.service import HandoffService
from knowledge_base.service import KnowledgeService

logger = logging.getLogger(__name__)

PREFIX = "/admin"
Clock = Callable[[], datetime]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_FIELDS = 200
# A 2 MB content file plus the multipart envelope and the form's other fields.
MAX_BODY_BYTES = 3 * 1024 * 1024

PANEL_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

FLASH = {
    "saved": "Zapisano. Asystent odpowiada już według nowej treści.",
    "created": "Dodano wpis. Asystent korzysta z niego od teraz.",
    "deleted": "Usunięto wpis.",
    "reverted": "Cofnięto zmianę.",
    "unchanged": "Nic się nie zmieniło — treść była taka sama.",
    "handled": "Oznaczono pytania jako załatwione.",
    "imported": "Zaimportowano plik.",
    "replied": "Odpowiedź została wysłana do wnioskodawcy.",
    "taken": "Sprawa jest teraz przypisana do Ciebie.",
    "closed": "Sprawa została zamknięta.",
    "user_saved": "Zapisano konto.",
    "logged_out": "Wylogowano.",
}


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member, detached from the database session."""

    id: int
    login: str
    display_name: str
    role: Role

    @property
    def who(self) -> str:
        """How the history names this person's changes."""
        return f"panel:{self.login}"

    def can(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles


KB_ROLES = (Role.EDITOR,)
HANDOFF_ROLES = (Role.COORDINATOR,)
ANY_ROLE = (Role.EDITOR, Role.COORDINATOR)


class PanelError(Exception):
    """Shown to staff as a page with this status, title and Polish message."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class LoginRequiredError(Exception):
    """No valid session: the browser goes to the login page and comes back afterwards."""


@dataclass
class AdminContext:
    """Everything the pages need, built once by :func:`bot.admin.admin_router`."""

    session_factory: sessionmaker[Session]
    codec: SessionCodec
    knowledge: KnowledgeService | None
    handoff: HandoffService | None
    handoff_db: Database | None
    clock: Clock
    tz: ZoneInfo
    secure_cookies: bool
    throttle: accounts.ThrottlePolicy
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = build_environment(self.tz)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    # --- sessions -----------------------------------------------------------------------------

    def panel_session(self, request: Request) -> PanelSession | None:
        cached: PanelSession | None = getattr(request.state, "panel_session", None)
        if cached is None:
            cached = self.codec.load(request.cookies.get(COOKIE_NAME), self.now())
            request.state.panel_session = cached
        return cached

    def set_cookie(self, response: Response, session: PanelSession) -> None:
        response.set_cookie(
            COOKIE_NAME,
            self.codec.dump(session),
            max_age=int(self.codec.lifetime.total_seconds()),
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="lax", secure=self.secure_cookies
        )

    def staff(self, request: Request) -> Staff:
        """The signed-in, still active staff member, or LoginRequiredError."""
        panel = self.panel_session(request)
        if panel is None or panel.user_id is None:
            raise LoginRequiredError
        with self.session_factory() as db:
            user = accounts.get_user(db, user_id=panel.user_id)
            if (
                user is None
                or not user.active
                or accounts.password_fingerprint(user) != panel.password
            ):
                raise LoginRequiredError
            return staff_of(user)

    def staff_or_none(self, request: Request) -> Staff | None:
        """For pages anyone may see (errors): the menu shows only when someone is signed in."""
        try:
            return self.staff(request)
        except LoginRequiredError:
            return None

    def require(self, *roles: Role) -> Callable[[Request], Staff]:
        """A dependency: the signed-in staff member if their role allows the page, else 403."""

        def dependency(request: Request) -> Staff:
            staff = self.staff(request)
            if not staff.can(*roles):
                raise PanelError(
                    403,
                    "Brak uprawnień",
                    "Ta część panelu jest dostępna dla innej roli. "
                    "Jeśli jej potrzebujesz, poproś administratora o zmianę roli.",
                )
            return staff

        return dependency

    # --- rendering ----------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        *,
        staff: Staff | None,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        panel = self.panel_session(request)
        flash = FLASH.get(request.query_params.get("ok", ""))
        html = self.templates.get_template(template).render(
            staff=staff,
            csrf_field=CSRF_FIELD,
            csrf_token=self.codec.csrf_token(panel) if panel is not None else "",
            flash=flash,
            path=request.url.path,
            prefix=PREFIX,
            Role=Role,
            handoff_enabled=self.handoff is not None,
            **values,
        )
        return HTMLResponse(html, status_code=status_code)


def staff_of(user: StaffUser) -> Staff:
    return Staff(id=user.id, login=user.login, display_name=user.display_name, role=Role(user.role))


def redirect(url: str, *, ok: str | None = None) -> RedirectResponse:
    """303 after a POST; `ok` names a fixed message from :data:`FLASH` (never user text)."""
    if ok is not None:
        url += ("&" if "?" in url else "?") + f"ok={quote(ok)}"
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """Only paths inside the panel: never an open redirect to another site."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and not value.startswith("//")
        and "\\" not in value
    ):
        return value
    return PREFIX + "/"


async def read_form(request: Request) -> FormData:
    """The POSTed form (parsed once per request and cached by Starlette)."""
    return await request.form(max_fields=MAX_FORM_FIELDS)


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_list(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def route_class(ctx: AdminContext) -> type[APIRoute]:
    """Routes of the panel: CSRF on every POST, panel headers, errors rendered as pages."""

    class AdminRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                try:
                    if request.method == "POST":
                        await _check_csrf(ctx, request)
                    response = await original(request)
                except LoginRequiredError:
                    response = _to_login(request)
                except PanelError as error:
                    response = ctx.render(
                        request,
                        "error.html",
                        staff=ctx.staff_or_none(request),
                        status_code=error.status,
                        title=error.title,
                        message=error.message,
                    )
                for name, value in PANEL_HEADERS.items():
                    response.headers.setdefault(name, value)
                return response

            return handler

    return AdminRoute


async def _check_csrf(ctx: AdminContext, request: Request) -> None:
    """Refuse a POST without this session's token; the body is read only for a live session
    and a declared size within limits, so nobody can make the panel parse large uploads.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    session = ctx.panel_session(request)
    token: object = None
    if session is not None and content_type in FORM_TYPES:
        if _declared_size(request) > MAX_BODY_BYTES:
            raise PanelError(
                413,
                "Za duży formularz",
                "Przesłane dane są za duże (plik może mieć najwyżej 2 MB). "
                "Nic nie zostało zmienione.",
            )
        token = (await read_form(request)).get(CSRF_FIELD)
    if not ctx.codec.csrf_ok(session, token):
        logger.warning("admin csrf rejected path=%s", request.url.path)
        raise PanelError(
            403,
            "Formularz wygasł",
            "Nie udało się potwierdzić, że formularz pochodzi z tego panelu (mógł wygasnąć "
            "albo przeglądarka nie zapisała ciasteczka). Nic nie zostało zmienione. "
            "Wróć, odśwież stronę i spróbuj ponownie.",
        )


def _declared_size(request: Request) -> int:
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return MAX_BODY_BYTES + 1


def _to_login(request: Request) -> Response:
    target = request.url.path
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303)


def choices(values: Iterable[str], labels: dict[str, str]) -> list[tuple[str, str]]:
    """(value, Polish label) pairs for a select, in the given order."""
    return [(value, labels.get(value, value)) for value in values]


DEFAULT_SESSION_LIFETIME = timedelta(hours=10)
