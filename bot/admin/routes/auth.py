"""Log in (throttled per login and IP) and log out."""

import contextlib
import logging
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from bot.admin import accounts
from bot.admin.panel import (
    PREFIX,
    AdminContext,
    LoginRequiredError,
    form_text,
    read_form,
    redirect,
    safe_next,
)

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Nieprawidłowy login lub hasło (albo konto jest wyłączone)."


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    @router.get(f"{PREFIX}/login", include_in_schema=False)
    def login_page(request: Request, next: str = "") -> Response:
        panel = ctx.panel_session(request)
        if panel is not None and panel.user_id is not None:
            with contextlib.suppress(LoginRequiredError):  # a stale session just logs in again
                ctx.staff(request)
                return redirect(safe_next(next))
        fresh = panel is None
        if fresh:
            panel = ctx.codec.new(ctx.now())
            request.state.panel_session = panel
        response = _login_form(ctx, request, next=safe_next(next))
        if fresh and panel is not None:
            ctx.set_cookie(response, panel)
        return response

    @router.post(f"{PREFIX}/login", include_in_schema=False)
    def login_submit(request: Request, form: Annotated[FormData, Depends(read_form)]) -> Response:
        login = form_text(form, "login").strip()
        password = form_text(form, "password")
        target = safe_next(form_text(form, "next"))
        ip = request.client.host if request.client else "unknown"
        now = ctx.now()
        with ctx.session_factory() as db:
            until = accounts.throttled_until(db, login=login, ip=ip, now=now, policy=ctx.throttle)
            if until is not None:
                logger.warning("admin login throttled login=%s ip=%s", login, ip)
                minutes = max(1, math.ceil((until - now).total_seconds() / 60))
                response = _login_form(
                    ctx,
                    request,
                    next=target,
                    login=login,
                    status_code=429,
                    error=(
                        "Zbyt wiele nieudanych prób logowania. Ze względów bezpieczeństwa "
                        f"logowanie na to konto jest wstrzymane — spróbuj ponownie za {minutes} "
                        "min. Jeśli nie pamiętasz hasła, poproś administratora o nowe."
                    ),
                )
                response.headers["Retry-After"] = str(minutes * 60)
                return response
            user = accounts.authenticate(db, login=login, password=password, now=now)
            accounts.record_attempt(db, login=login, ip=ip, success=user is not None, now=now)
            db.commit()
            if user is None:
                logger.warning("admin login failed login=%s ip=%s", login, ip)
                return _login_form(
                    ctx, request, next=target, login=login, status_code=401, error=WRONG_CREDENTIALS
                )
            session = ctx.codec.new(
                now, user_id=user.id, password=accounts.password_fingerprint(user)
            )
        logger.info("admin login ok login=%s", login)
        response = redirect(target)
        ctx.set_cookie(response, session)
        return response

    @router.post(f"{PREFIX}/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        response = redirect(f"{PREFIX}/login", ok="logged_out")
        ctx.clear_cookie(response)
        return response


def _login_form(
    ctx: AdminContext,
    request: Request,
    *,
    next: str,
    login: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return ctx.render(
        request,
        "login.html",
        staff=None,
        status_code=status_code,
        next=next,
        login=login,
        error=error,
    )
