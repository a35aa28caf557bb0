"""Accounts: registration, login, password reset, profile and roles."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.auth.models import Role, User, UserRole
from lms.auth.passwords import hash_password, needs_rehash, verify_password
from lms.extensions import db
from lms.regions.models import Municipality, Organisation, Region


class AccountError(Exception):
    """A domain rule refused an account change; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def load_user_by_session_token(token: str) -> User | None:
    if not token:
        return None
    return db.session.execute(
        sa.select(User).where(User.session_token == token, User.is_active.is_(True))
    ).scalar_one_or_none()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def email_taken(email: str, except_user: User | None = None) -> bool:
    stmt = sa.select(User.id).where(sa.func.lower(User.email) == email.strip().lower())
    if except_user is not None:
        stmt = stmt.where(User.id != except_user.id)
    return db.session.execute(stmt).first() is not None


def _check_place(region: Region | None, municipality: Municipality | None) -> None:
    if municipality is not None and region is not None and municipality.region_id != region.id:
        raise AccountError(_("This municipality is not in the chosen region."), "municipality_id")


def register_coach(
    *,
    name: str,
    email: str,
    password: str,
    region: Region,
    municipality: Municipality,
    organisation: Organisation | None,
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


def end_all_sessions(user: User) -> None:
    user.rotate_session_token()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier link stops working.
    return hashlib.sha256((user.password_hash or "-").encode() + user.session_token.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "f": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link belongs to, if it is genuine, unused and not expired."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active or data.get("f") != _password_fingerprint(user):
        return None
    return user


def update_profile(
    user: User,
    *,
    name: str,
    email: str,
    locale: str,
    region: Region | None,
    municipality: Municipality | None,
    organisation: Organisation | None,
    registration_number: str | None,
    wants_reminders: bool,
) -> None:
    if email_taken(email, except_user=user):
        raise AccountError(_("An account with this email address already exists."), "email")
    _check_place(region, municipality)
    user.name = name.strip()
    user.email = email.strip()
    user.locale = locale
    user.region = region
    user.municipality = municipality
    user.organisation = organisation
    user.registration_number = (registration_number or "").strip() or None
    user.wants_reminders = wants_reminders


def set_roles(user: User, roles: set[Role], coordinator_regions: list[Region], now: datetime) -> None:
    """Grant and withdraw roles so that the user holds exactly ``roles``."""
    current = {grant.role: grant for grant in user.role_grants}
    for role, grant in current.items():
        if role not in roles:
            user.role_grants.remove(grant)
    for role in roles - set(current):
        user.role_grants.append(UserRole(role=role, granted_at=now))
    user.coordinated_regions = list(coordinator_regions) if Role.COORDINATOR in roles else []
