"""An account's part in privacy: its export section, anonymising it, and retention's placeholders.

Privacy (a higher floor) calls these; see lms/privacy/registry.py.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from lms.audit.services import plain
from lms.auth.models import AccountToken, RecoveryCode, User
from lms.auth.services import forget_reset_tokens
from lms.extensions import db

# What an anonymised account is called; stored, so in the platform's language.
ANONYMOUS_NAME = "Verwijderde gebruiker"


def placeholder_email(user_id: int) -> str:
    """A unique address that can never receive mail (.invalid is reserved, RFC 2606)."""
    return f"deleted-{user_id}@invalid"


def export_account(user: User) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "roles": sorted(r.value for r in user.roles),
        "organisation": user.organisation.name if user.organisation else None,
        "region": user.region.name if user.region else None,
        "municipality": user.municipality.name if user.municipality else None,
        "registration_number": user.registration_number,
        "language": user.locale,
        "preferences": {"session_reminders": user.wants_reminders},
        "coordinator_of_regions": [r.name for r in user.coordinated_regions],
        "created_at": plain(user.created_at),
        "last_login_at": plain(user.last_login_at),
        "password_changed_at": plain(user.password_changed_at),
        "email_verified_at": plain(user.email_verified_at),
        "second_login_step_since": plain(user.totp_enabled_at),
        "is_active": user.is_active,
    }


def anonymise_account(user: User, now: datetime) -> None:
    """Remove what identifies the person; the municipality stays (the figures count by it)."""
    user.name = ANONYMOUS_NAME
    user.email = placeholder_email(user.id)
    user.registration_number = None
    user.organisation_id = None
    user.password_hash = None
    user.is_active = False
    user.wants_reminders = False
    user.erased_at = now
    user.rotate_session_token()  # every session ends
    forget_reset_tokens(user)  # and every password link
    db.session.execute(sa.delete(AccountToken).where(AccountToken.user_id == user.id))  # and address links
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.role_grants = []
    user.coordinated_regions = []


def new_placeholder(coach: User, now: datetime) -> User:
    """An anonymous, inactive account in the coach's municipality, to hold detached rows."""
    placeholder = User(
        name=ANONYMOUS_NAME,
        email=f"retention-{secrets.token_hex(12)}@invalid",
        password_hash=None,
        is_active=False,
        wants_reminders=False,
        locale="nl",
        municipality_id=coach.municipality_id,
        created_at=now,
        erased_at=now,
    )
    db.session.add(placeholder)
    db.session.flush()
    placeholder.email = placeholder_email(placeholder.id)
    return placeholder
