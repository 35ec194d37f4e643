"""Staff accounts: argon2 password hashes, look-ups, and login throttling per login and IP.

Functions take the session explicitly and flush but never commit: the caller owns the
transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.admin.models import LOGIN_LENGTH, LoginAttempt, Role, StaffUser

MIN_PASSWORD_LENGTH = 10
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ATTEMPTS_KEPT = timedelta(days=30)


class Passwords:
    """argon2id hashing with the library's recommended cost; tests swap in a cheaper one."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy: str | None = None

    def dummy_hash(self) -> str:
        """Verified against when the login does not exist, so a wrong login takes as long as
        a wrong password and response times do not tell which logins exist.
        """
        if self._dummy is None:
            self._dummy = self.hasher.hash("nie-ma-takiego-konta")
        return self._dummy


PASSWORDS = Passwords(PasswordHasher())


class AccountError(Exception):
    """A staff account cannot be created or changed; the message is in Polish, for people."""


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most `max_failures` failed logins per login+IP (and `max_ip_failures` per IP)."""

    max_failures: int = 5
    max_ip_failures: int = 30
    window: timedelta = timedelta(minutes=15)


def normalise_login(login: str) -> str:
    return login.strip().casefold()[:LOGIN_LENGTH]


def check_login(login: str) -> str:
    """Return the normalised login or raise AccountError."""
    value = normalise_login(login)
    if not LOGIN_RE.match(value):
        raise AccountError(
            "Login musi mieć 2–64 znaki: małe litery a–z, cyfry, kropka, myślnik lub podkreślnik."
        )
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Hasło musi mieć co najmniej {MIN_PASSWORD_LENGTH} znaków.")
    if not password.strip():
        raise AccountError("Hasło nie może składać się z samych spacji.")


def hash_password(password: str) -> str:
    return PASSWORDS.hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        ok = PASSWORDS.hasher.verify(password_hash or PASSWORDS.dummy_hash(), password)
        return ok and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_fingerprint(user: StaffUser) -> str:
    """Changes whenever the password does: sessions carry it, so a new password ends them."""
    return user.password_hash[-16:]


# --- users ------------------------------------------------------------------------------------


def get_user(session: Session, *, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def find_user(session: Session, *, login: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.login == normalise_login(login)))


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.login)))


def add_user(
    session: Session,
    *,
    login: str,
    password: str,
    role: Role,
    display_name: str | None,
    now: datetime,
) -> StaffUser:
    """Create an active account; raise AccountError on a taken login or a weak password."""
    value = check_login(login)
    check_password(password)
    if find_user(session, login=value) is not None:
        raise AccountError(f"Konto „{value}” już istnieje.")
    user = StaffUser(
        login=value,
        display_name=(display_name or "").strip() or value,
        role=role.value,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: StaffUser, password: str) -> None:
    check_password(password)
    user.password_hash = hash_password(password)
    session.flush()


def set_active(session: Session, *, user: StaffUser, active: bool) -> None:
    user.active = active
    session.flush()


def authenticate(session: Session, *, login: str, password: str, now: datetime) -> StaffUser | None:
    """The active account with this login and password (last login noted), else None."""
    user = find_user(session, login=login)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if PASSWORDS.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


# --- throttling -------------------------------------------------------------------------------


def record_attempt(session: Session, *, login: str, ip: str, success: bool, now: datetime) -> None:
    session.add(LoginAttempt(login=normalise_login(login), ip=ip[:64], at=now, success=success))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPTS_KEPT))
    session.flush()


def _failures(session: Session, *, since: datetime, login: str | None, ip: str) -> list[datetime]:
    """Failure times since `since` and after the last success of the same login (and IP)."""
    where = [LoginAttempt.ip == ip, LoginAttempt.at >= since]
    if login is not None:
        where.append(LoginAttempt.login == login)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(*where, LoginAttempt.success.is_(True))
    )
    query = select(LoginAttempt.at).where(*where, LoginAttempt.success.is_(False))
    if last_success is not None:
        query = query.where(LoginAttempt.at > last_success)
    return sorted(session.scalars(query))


def throttled_until(
    session: Session, *, login: str, ip: str, now: datetime, policy: ThrottlePolicy
) -> datetime | None:
    """When this login+IP may try again, or None if it may now."""
    since = now - policy.window
    pair = _failures(session, since=since, login=normalise_login(login), ip=ip)
    if len(pair) >= policy.max_failures:
        return pair[-policy.max_failures] + policy.window
    per_ip = _failures(session, since=since, login=None, ip=ip)
    if len(per_ip) >= policy.max_ip_failures:
        return per_ip[-policy.max_ip_failures] + policy.window
    return None
