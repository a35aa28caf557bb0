"""Admin operations on user accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.audit.labels import register as register_audit
from lms.audit.services import record, snapshot
from lms.auth.models import Role, User, UserRole
from lms.auth.passwords import hash_password
from lms.auth.services import AccountError, email_taken, set_roles
from lms.extensions import db
from lms.regions.models import Region

register_audit(
    actions={
        "user.create": (_l("Account created"),),
        "user.update": (_l("Account changed"),),
    },
    objects={"user": _l("Account")},
    fields={
        "user_id": _l("Account"),
        "email": _l("Email address"),
        "locale": _l("Language"),
        "registration_number": _l("Registration number"),
        "is_active": _l("Account is active"),
        "roles": _l("Roles"),
        "coordinator_regions": _l("Coordinated regions"),
        "password_set": _l("Password set"),
    },
)

USER_FIELDS = ["name", "email", "locale", "region_id", "municipality_id", "organisation_id",
               "registration_number", "is_active"]


def user_list_query(search: str = "", role: str = ""):
    stmt = (
        sa.select(User)
        .options(selectinload(User.municipality), selectinload(User.organisation))
        .where(User.erased_at.is_(None))
        .order_by(User.name, User.id)
    )
    if search:
        like = f"%{search.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), sa.func.lower(User.email).like(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(role))))
    return stmt


def _user_state(user: User) -> dict:
    state = snapshot(user, USER_FIELDS)
    state["roles"] = sorted(r.value for r in user.roles)
    state["coordinator_regions"] = sorted(r.id for r in user.coordinated_regions)
    return state


def save_user(
    actor: User,
    user: User | None,
    *,
    data: dict,
    roles: set[Role],
    coordinator_regions: list[Region],
    password: str | None,
    now: datetime,
) -> User:
    """Create or change a user as an admin; role changes are audited."""
    if email_taken(data["email"], except_user=user):
        raise AccountError(_("An account with this email address already exists."), "email")
    if Role.COORDINATOR in roles and not coordinator_regions:
        raise AccountError(_("Choose at least one region for a coordinator."), "coordinator_regions")
    if user is not None and user.id == actor.id and Role.ADMIN not in roles:
        raise AccountError(_("You cannot take away your own administrator role."), "roles")
    if user is not None and user.id == actor.id and not data["is_active"]:
        raise AccountError(_("You cannot deactivate your own account."), "is_active")
    before = _user_state(user) if user is not None else None
    if user is None:
        # An administrator vouches for the address they type (and an invitation's link proves it).
        user = User(created_at=now, email_verified_at=now)
        db.session.add(user)
    was_active = user.is_active if before else True
    for name in USER_FIELDS:
        setattr(user, name, data[name])
    if password:
        user.password_hash = hash_password(password)
        user.password_changed_at = now
        if before is not None:
            user.rotate_session_token()
    if before is not None and was_active and not user.is_active:
        user.rotate_session_token()
    set_roles(user, roles, coordinator_regions, now)
    db.session.flush()
    after = _user_state(user)
    if password:
        after["password_set"] = True  # that it happened, never the value
    record(
        actor,
        "user.create" if before is None else "user.update",
        user,
        now=now,
        summary=user.email,
        params={"name": user.email},
        before=before,
        after=after,
    )
    return user
