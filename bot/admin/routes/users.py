"""Staff accounts, for administrators: add, change role, switch off, set a new password."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from bot.admin import accounts, labels
from bot.admin.accounts import AccountError
from bot.admin.models import Role
from bot.admin.panel import PREFIX, AdminContext, PanelError, Staff, form_text, read_form, redirect

ROLE_VALUES = {role.value for role in Role}


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    admin = Annotated[Staff, Depends(ctx.require())]

    def page(
        request: Request,
        staff: Staff,
        *,
        error: str | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Response:
        with ctx.session_factory() as db:
            users = accounts.list_users(db)
        return ctx.render(
            request,
            "users.html",
            staff=staff,
            users=users,
            roles=list(labels.ROLES.items()),
            role_labels=labels.ROLES,
            error=error,
            status_code=status_code,
            values=values or {},
        )

    @router.get(f"{PREFIX}/users", include_in_schema=False)
    def users(request: Request, staff: admin) -> Response:
        return page(request, staff)

    @router.post(f"{PREFIX}/users/new", include_in_schema=False)
    def add(
        request: Request, staff: admin, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        values = {k: form_text(form, k) for k in ("login", "display_name", "role")}
        password = form_text(form, "password")
        try:
            if password != form_text(form, "password2"):
                raise AccountError("Hasła się różnią — wpisz to samo hasło dwa razy.")
            role = Role(values["role"]) if values["role"] in ROLE_VALUES else None
            if role is None:
                raise AccountError("Wybierz rolę z listy.")
            with ctx.session_factory.begin() as db:
                accounts.add_user(
                    db,
                    login=values["login"],
                    password=password,
                    role=role,
                    display_name=values["display_name"],
                    now=ctx.now(),
                )
        except AccountError as exc:
            return page(request, staff, error=str(exc), status_code=422, values=values)
        return redirect(f"{PREFIX}/users", ok="user_saved")

    @router.post(f"{PREFIX}/users/{{user_id}}", include_in_schema=False)
    def change(
        request: Request, staff: admin, user_id: int, form: Annotated[FormData, Depends(read_form)]
    ) -> Response:
        action = form_text(form, "action")
        try:
            with ctx.session_factory.begin() as db:
                user = accounts.get_user(db, user_id=user_id)
                if user is None:
                    raise PanelError(404, "Nie ma takiego konta", "Konto nie istnieje.")
                if user.id == staff.id and action in ("disable", "role"):
                    raise AccountError(
                        "Nie możesz wyłączyć własnego konta ani zmienić swojej roli."
                    )
                if action == "disable":
                    accounts.set_active(db, user=user, active=False)
                elif action == "enable":
                    accounts.set_active(db, user=user, active=True)
                elif action == "role" and form_text(form, "role") in ROLE_VALUES:
                    user.role = Role(form_text(form, "role")).value
                elif action == "password":
                    accounts.set_password(db, user=user, password=form_text(form, "password"))
                else:
                    raise AccountError("Nieznana operacja.")
        except AccountError as exc:
            return page(request, staff, error=str(exc), status_code=422)
        return redirect(f"{PREFIX}/users", ok="user_saved")
