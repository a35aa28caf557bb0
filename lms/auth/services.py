"""Accounts: registration, login, password reset, profile and roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms import clock
from lms.auth.models import PasswordResetToken, Role, User, UserRole
from lms.auth.passwords import hash_password, needs_rehash, verify_password
from lms.domain import DomainError
from lms.extensions import db
from lms.numbers import bounded_int


class AccountError(DomainError):
    """A domain rule refused an account change; ``field`` names the form field."""


class TooManyAttempts(AccountError):
    """Over a rate limit (lms/ratelimit.py): the attempt was counted, and refused."""

    status = 429


# Built once: every logged-in request runs it, and a statement with loader options costs
# more to build than to run (its cache key is kept with it).
_USER_OF_TOKEN = (
    sa.select(User)
    .where(User.session_token == sa.bindparam("token"), User.is_active.is_(True))
    .options(joinedload(User.role_grants), joinedload(User.coordinated_regions))
)


def load_user_by_session_token(login_id: str) -> User | None:
    """Flask-Login's loader (once per request, kept in ``g`` for the rest of it): the user of a session
    or "stay logged in" cookie, ``<session token>.<login time>`` (User.get_id), with their roles and
    coordinated regions in one query (a handful of joined rows), so no later query that meets this
    user again loads them a second time.

    A login older than REMEMBER_DAYS no longer counts, whatever the cookie's own expiry says.
    """
    token, _dot, stamp = (login_id or "").partition(".")
    if not token:
        return None
    if stamp:
        logged_in_at = bounded_int(stamp, 0, 2**40)
        max_age = current_app.config["REMEMBER_DAYS"] * 86400
        if logged_in_at is None or logged_in_at + max_age < clock.timestamp():
            return None
    return db.session.execute(_USER_OF_TOKEN, {"token": token}).unique().scalar_one_or_none()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def email_taken(email: str, except_user: User | None = None) -> bool:
    stmt = sa.select(User.id).where(sa.func.lower(User.email) == email.strip().lower())
    if except_user is not None:
        stmt = stmt.where(User.id != except_user.id)
    return db.session.execute(stmt).first() is not None


def _check_place(region, municipality) -> None:
    # Places (lms.regions) are a higher floor: used through their attributes, not imported.
    if municipality is not None and region is not None and municipality.region_id != region.id:
        raise AccountError(_("This municipality is not in the chosen region."), "municipality_id")


def register_coach(
    *,
    name: str,
    email: str,
    password: str,
    region,
    municipality,
    organisation,
    registration_number: str | None,
    locale: str,
    now: datetime,
) -> User:
    """Create a coach account from self-registration."""
    if email_taken(email):
        raise AccountError(_("An account with this email address already exists."), "email")
    _check_place(region, municipality)
    user = User(
        email=email.strip(),
        name=name.strip(),
        password_hash=hash_password(password),
        region=region,
        municipality=municipality,
        organisation=organisation,
        registration_number=(registration_number or "").strip() or None,
        locale=locale,
        created_at=now,
        password_changed_at=now,
    )
    user.role_grants.append(UserRole(role=Role.COACH, granted_at=now))
    db.session.add(user)
    return user


def authenticate(email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def change_password(user: User, new_password: str, now: datetime) -> None:
    """Set a new password and end every session of the user (a new token for this one)."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.rotate_session_token()
    forget_reset_tokens(user)


def change_own_password(user: User, current_password: str, new_password: str, now: datetime) -> None:
    """A user changes their password, proving they know the current one."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError(_("This is not your current password."), "current_password")
    change_password(user, new_password, now)


def end_all_sessions(user: User) -> None:
    user.rotate_session_token()


RESET_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits


def _hash_reset_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_reset_token(user: User, now: datetime) -> str:
    """A new single-use reset link token for ``user``; only its hash is stored."""
    db.session.execute(  # the user's expired links, so the table stays small
        sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(
        user=user,
        token_hash=_hash_reset_token(token),
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"]),
    ))
    db.session.flush()
    return token


def user_for_reset_token(token: str, now: datetime) -> User | None:
    """The user a reset link belongs to, if it is genuine, unused and not expired."""
    if not isinstance(token, str) or len(token) != RESET_TOKEN_LENGTH:
        return None  # nothing like a token: no need to ask the database
    row = db.session.execute(
        sa.select(PasswordResetToken)
        .options(joinedload(PasswordResetToken.user))
        .where(PasswordResetToken.token_hash == _hash_reset_token(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    return row.user


def forget_reset_tokens(user: User) -> None:
    """Every reset link of the user stops working (after a password change, or erasure)."""
    db.session.execute(sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))


def update_profile(
    user: User,
    *,
    name: str,
    locale: str,
    region,
    municipality,
    organisation,
    registration_number: str | None,
    wants_reminders: bool,
) -> None:
    """The user's own profile; a coach must name the municipality they work in.

    The address is not here: lms/auth/addresses.py changes it, once the new one confirms.
    """
    if user.has_role(Role.COACH) and municipality is None:
        raise AccountError(_("Choose the municipality you work in."), "municipality_id")
    _check_place(region, municipality)
    user.name = name.strip()
    user.locale = locale
    user.region = region
    user.municipality = municipality
    user.organisation = organisation
    user.registration_number = (registration_number or "").strip() or None
    user.wants_reminders = wants_reminders


def set_roles(user: User, roles: set[Role], coordinator_regions: list, now: datetime) -> None:
    """Grant and withdraw roles so that the user holds exactly ``roles``."""
    current = {grant.role: grant for grant in user.role_grants}
    for role, grant in current.items():
        if role not in roles:
            user.role_grants.remove(grant)
    for role in roles - set(current):
        user.role_grants.append(UserRole(role=role, granted_at=now))
    user.coordinated_regions = list(coordinator_regions) if Role.COORDINATOR in roles else []
